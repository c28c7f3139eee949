"""Every Prometheus metric the shared machinery emits, declared once.

One name per concept for all services, told apart by the ``service`` label, so dashboards
never list per-service names (PITFALLS: operations). Each metric here is emitted by the module
named in its comment (a service's, for the few a service sets); tests/test_metrics_are_emitted.py
checks that each is used.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# huleedu_service_libs.http.metrics: labelled by route *template*, never a raw path.
HTTP_REQUESTS = Counter(
    "huleedu_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_REQUEST_SECONDS = Histogram(
    "huleedu_http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)

# huleedu_service_libs.kafka.producer
KAFKA_PUBLISHED = Counter("huleedu_kafka_published_total", "Events published to Kafka", ["service", "topic"])
KAFKA_PUBLISH_FAILURES = Counter(
    "huleedu_kafka_publish_failures_total", "Kafka publishes that failed", ["service", "topic"]
)
KAFKA_PUBLISH_SECONDS = Histogram(
    "huleedu_kafka_publish_duration_seconds", "Time to an acknowledged publish", ["service", "topic"]
)

# huleedu_service_libs.kafka.consumer
CONSUMER_PROCESSED = Counter(
    "huleedu_consumer_processed_total", "Records handled successfully", ["service", "consumer", "topic"]
)
CONSUMER_DUPLICATES = Counter(
    "huleedu_consumer_duplicates_total", "Records skipped as already processed", ["service", "consumer", "topic"]
)
CONSUMER_FAILURES = Counter(
    "huleedu_consumer_failures_total", "Handler attempts that failed", ["service", "consumer", "topic", "kind"]
)
CONSUMER_DLQ = Counter(
    "huleedu_consumer_dlq_total", "Records sent to a dead-letter topic", ["service", "consumer", "topic"]
)
CONSUMER_LAG = Gauge(
    "huleedu_consumer_lag", "Records behind the partition's end", ["service", "consumer", "topic", "partition"]
)
# huleedu_service_libs.kafka.dlq_depth (run by one process for the platform: the result aggregator).
DLQ_DEPTH = Gauge("huleedu_dlq_depth", "Records currently held in each dead-letter topic", ["topic"])

# huleedu_service_libs.outbox.relay
OUTBOX_PENDING = Gauge("huleedu_outbox_pending", "Outbox rows waiting to be published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "huleedu_outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox row", ["service"]
)
OUTBOX_PUBLISHED = Counter("huleedu_outbox_published_total", "Outbox rows published", ["service"])
OUTBOX_FAILURES = Counter("huleedu_outbox_publish_failures_total", "Outbox publish attempts that failed", ["service"])
OUTBOX_DEAD = Counter("huleedu_outbox_dead_total", "Outbox rows moved to the terminal dead state", ["service"])
RETENTION_PURGED = Counter(
    "huleedu_retention_purged_total",
    "Personal data purged by the retention policy (HULEEDU_RETENTION_PERIOD), by kind of item",
    ["service", "kind"],
)
OUTBOX_PRUNED = Counter(
    "huleedu_outbox_pruned_total",
    "Published outbox rows deleted once older than the retention (they carry personal data)",
    ["service"],
)

# Requests refused by a limit, named by its scope: api_gateway_service.adapters.rate_limits (ip, user,
# login_ip) and bff_teacher_service.service_layer.progress_hub (streams_per_user).
RATE_LIMIT_HITS = Counter(
    "huleedu_rate_limit_hits_total", "Requests refused by a rate or concurrency limit", ["service", "limit"]
)

# huleedu_service_libs.supervision: a background loop (consumer, relay, worker, monitor) died and is restarted.
WORKER_RESTARTS = Counter(
    "huleedu_background_worker_restarts_total",
    "Background loops that died and were restarted",
    ["service", "worker"],
)
