"""Content service's use cases: one function per command or event, each with explicit dependencies."""
