"""HTTP routes and Kafka consumers: thin, no business rules."""
