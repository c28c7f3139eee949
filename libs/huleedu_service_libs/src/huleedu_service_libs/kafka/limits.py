"""The largest Kafka record the platform sends, and what every producer, consumer and broker allows.

A 2,000-essay assessment's result event (every essay's score, SE, grade distribution and counts)
is about 1.2 MB of JSON: over Kafka's 1 MB default, which the outbox could then never publish. The
broker (``message.max.bytes``), every producer (``max_request_size``, checked by aiokafka on the
uncompressed record) and every consumer (``max_partition_fetch_bytes``) use this one figure, which
leaves room for about 13,000 essays; records are gzip-compressed on the wire, so the stored and
transferred size is a fraction of it.
"""

MAX_RECORD_BYTES = 16 * 1024 * 1024
COMPRESSION = "gzip"
