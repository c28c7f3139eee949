"""The use cases: one fold per consumed event, through the ports in ``ports.py``."""
