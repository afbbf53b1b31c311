"""Pure logic of the programmes service: no I/O."""
