"""The thin edges: the internal query routes and the consumer's background task."""
