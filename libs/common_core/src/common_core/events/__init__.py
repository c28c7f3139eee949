"""Event payload models and the registry that ties each one to its topic."""
