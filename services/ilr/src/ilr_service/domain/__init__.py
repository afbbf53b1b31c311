"""Pure domain of the ILR service: records with provenance, diffs, the workflow."""
