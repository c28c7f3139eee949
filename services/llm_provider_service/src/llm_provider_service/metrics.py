"""The LPS domain metrics (ARCHITECTURE §5); a test checks each one appears in /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SERIAL_BUNDLE_CALLS = Counter(
    "llm_provider_serial_bundle_calls_total", "Provider calls that carried a serial bundle.", ["provider", "model"]
)
SERIAL_BUNDLE_ITEMS = Histogram(
    "llm_provider_serial_bundle_items_per_call",
    "Comparisons per serial-bundle call (the real K).",
    ["provider", "model"],
    buckets=(1, 2, 4, 6, 8, 12, 16, 24, 32),
)
QUEUE_WAIT = Histogram(
    "llm_provider_queue_wait_time_seconds",
    "From enqueue to the terminal outcome.",
    ["queue_processing_mode", "result"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400),
)
CALLBACKS = Counter(
    "llm_provider_comparison_callbacks_total",
    "Terminal callbacks written (once per request_id).",
    ["queue_processing_mode", "result"],
)
QUEUE_DEPTH = Gauge(
    "llm_provider_queue_depth", "Items in the queue by type: ready, leased, delayed (retry wait).", ["queue_type"]
)
QUEUE_OLDEST_AGE = Gauge("llm_provider_queue_oldest_age_seconds", "Age of the oldest item in the queue.")
EXPIRIES = Counter("llm_provider_queue_expiries_total", "Comparisons that expired in the queue.")
TOKENS = Counter("llm_provider_tokens_total", "Tokens used.", ["provider", "model", "direction"])
COST = Counter("llm_provider_cost_usd_total", "Estimated cost in USD from the model table.", ["provider", "model"])
PROVIDER_LATENCY = Histogram(
    "llm_provider_provider_latency_seconds",
    "Latency of provider calls.",
    ["provider", "model"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120),
)
PROVIDER_ERRORS = Counter("llm_provider_provider_errors_total", "Failed provider calls or items.", ["provider", "code"])
CIRCUIT_STATE = Gauge(
    "llm_provider_circuit_breaker_state", "Circuit breaker per provider: 0 closed, 1 half-open, 2 open.", ["provider"]
)
BATCH_JOBS = Counter(
    "llm_provider_batch_api_jobs_total",
    "Provider batch jobs by lifecycle step: created, submitted, ended, erased (cancelled: its batches were deleted).",
    ["provider", "status"],
)
BATCH_ITEMS = Histogram(
    "llm_provider_batch_api_items_per_job",
    "Comparisons per provider batch job.",
    ["provider"],
    buckets=(1, 10, 50, 100, 500, 1000, 5000, 10000, 50000),
)
BATCH_DURATION = Histogram(
    "llm_provider_batch_api_job_duration_seconds",
    "From job creation to its end.",
    ["provider"],
    buckets=(1, 10, 60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400),
)
ERASED = Counter(
    "llm_provider_erased_items_total",
    "What erasing deleted batches removed, by kind: texts, comparisons, outcomes, callbacks, batch_jobs.",
    ["kind"],
)
