"""The CJ domain metrics (ARCHITECTURE §5); each is emitted where its comment says."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

# service_layer.submitter: comparisons sent to LPS, and wave submissions accepted, per batching mode.
LLM_REQUESTS = Counter("cj_llm_requests_total", "Comparisons submitted to LPS", ["batching_mode"])
LLM_BATCHES_STARTED = Counter("cj_llm_batches_started_total", "Waves accepted by LPS", ["batching_mode"])
# service_layer.monitor (refresh_gauges): jobs per state, and the progress of each active job.
BATCH_STATE = Gauge("cj_batch_state", "CJ jobs per state", ["state"])
BATCH_PROGRESS = Gauge("cj_batch_progress_percentage", "Progress of an active CJ job (0-100)", ["job_id"])
# service_layer.callbacks: callbacks recorded, by outcome ("success" or "error").
COMPARISONS = Counter("cj_comparisons_total", "Comparison callbacks recorded", ["status"])
# service_layer.waves: the SSR of the latest refit (inflated by adaptive pairing), and the marginal-likelihood
# reliability the stopping rule reads (left unchanged by refits before every essay has the minimum).
RELIABILITY_SSR = Gauge("cj_reliability_ssr", "Scale separation reliability of the latest refit")
RELIABILITY = Gauge("cj_reliability", "Marginal-likelihood reliability of the latest refit that computed it")
