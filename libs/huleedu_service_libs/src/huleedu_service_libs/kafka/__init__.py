"""Kafka producer and consumer runner over aiokafka, speaking ``EventEnvelope``."""
