"""I/O of the ILR service: MongoDB repositories and the adapters to shared ILR code."""
