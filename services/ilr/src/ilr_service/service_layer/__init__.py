"""Use cases of the ILR service."""
