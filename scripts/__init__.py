"""Developer and operator scripts (dev stack, topic bootstrap, runners, benchmarks)."""
