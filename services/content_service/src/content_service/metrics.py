"""Content service's domain metrics; the HTTP, outbox, consumer and worker-restart metrics come from the shared library.

Each is emitted by the module named in its comment; tests/integration/test_metrics.py checks
that every one shows up on /metrics after the service has been exercised.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# service_layer.uploads: one count per uploaded file, by type and outcome (accepted/rejected/duplicate).
UPLOADED_FILES = Counter(
    "content_uploaded_files_total", "Uploaded files by file type and outcome", ["file_type", "outcome"]
)
# service_layer.uploads: time to turn one file's bytes into normalised text.
EXTRACTION_SECONDS = Histogram(
    "content_text_extraction_seconds", "Text extraction time per uploaded file", ["file_type"]
)
# service_layer.assessments, service_layer.cj_events: every status change.
BATCH_TRANSITIONS = Counter("content_batch_transitions_total", "Batch status changes", ["from_status", "to_status"])
# service_layer.assessments: assessment requests that started a run, or replayed an earlier one.
ASSESSMENT_REQUESTS = Counter("content_assessment_requests_total", "Start-assessment calls by result", ["result"])
