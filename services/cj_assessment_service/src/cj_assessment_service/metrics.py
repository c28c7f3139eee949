"""The CJ domain metrics (ARCHITECTURE §5); each is emitted where its comment says."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# service_layer.submitter: comparisons sent to LPS, and wave submissions accepted, per batching mode.
LLM_REQUESTS = Counter("cj_llm_requests_total", "Comparisons submitted to LPS", ["batching_mode"])
LLM_BATCHES_STARTED = Counter("cj_llm_batches_started_total", "Waves accepted by LPS", ["batching_mode"])
# service_layer.monitor (refresh_gauges): jobs per state, and the progress of each active job.
BATCH_STATE = Gauge("cj_batch_state", "CJ jobs per state", ["state"])
BATCH_PROGRESS = Gauge("cj_batch_progress_percentage", "Progress of an active CJ job (0-100)", ["job_id"])
# service_layer.monitor (refresh_health, before each pass acts), from domain.job_health: how long the oldest
# active job has run, and how many comparing jobs have had no activity for longer than the stuck-job threshold.
OLDEST_ACTIVE_JOB_AGE = Gauge("cj_oldest_active_job_age_seconds", "Age of the oldest job not yet completed or failed")
STUCK_JOBS = Gauge("cj_stuck_jobs", "Comparing jobs without activity for longer than the stuck-job threshold")
# service_layer.callbacks: callbacks recorded, by outcome ("success" or "error").
COMPARISONS = Counter("cj_comparisons_total", "Comparison callbacks recorded", ["status"])
# service_layer.callbacks, from domain.job_health.final_comparison_labels: a comparison's last outcome only
# (an error that is retried is not final); error_code is "none" on success.
COMPARISONS_FINAL = Counter(
    "cj_comparisons_final_total", "Comparisons by final status and error code", ["status", "error_code"]
)
# service_layer.callbacks: a callback for a job that is no longer comparing (late, or after a forced ending).
CALLBACKS_FOR_INACTIVE_JOBS = Counter(
    "cj_callbacks_for_inactive_jobs_total", "Callbacks that arrived for a job no longer comparing"
)
# service_layer.waves: the SSR of the latest refit (inflated by adaptive pairing), and the marginal-likelihood
# reliability the stopping rule reads (left unchanged by refits before every essay has the minimum).
RELIABILITY_SSR = Gauge("cj_reliability_ssr", "Scale separation reliability of the latest refit")
RELIABILITY = Gauge("cj_reliability", "Marginal-likelihood reliability of the latest refit that computed it")
# service_layer.waves: every wave whose answers were all in and which was refitted.
WAVES_CLOSED = Counter("cj_waves_closed_total", "Waves closed (all answers in, refitted)")
# service_layer.waves (close_wave): the whole decision after a wave's last answer (load, refit, stopping
# rule, and planning the next wave or finishing); it grows with the number of essays.
WAVE_DECISION_SECONDS = Histogram(
    "cj_wave_decision_seconds",
    "Time to close a wave and decide: refit, stopping rule, next wave's plan",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
# service_layer.waves.finish: the stopping rule's reliability, and the LLM cost, of each completed job.
RELIABILITY_AT_COMPLETION = Histogram(
    "cj_reliability_at_completion",
    "Reliability of each completed job",
    buckets=(0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0),
)
JOB_COST_USD = Histogram(
    "cj_job_cost_usd",
    "LLM cost in USD of each completed job",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0),
)
