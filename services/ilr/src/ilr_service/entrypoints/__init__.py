"""HTTP routes and event consumers of the ILR service."""
