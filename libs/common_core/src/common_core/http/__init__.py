"""HTTP models shared between services."""
