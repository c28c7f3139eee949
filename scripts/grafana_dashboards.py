"""The Grafana dashboards, written from one table of panels (``pdm run obs-dashboards``).

Every panel names its PromQL, its unit, and a description saying what a bad value means and which
runbook to open. The JSON under ``observability/grafana/dashboards/`` is rendered from here and
checked in; ``tests/repo/test_grafana_dashboards.py`` fails when a checked-in file differs from
what this module renders, when a panel uses another datasource than the provisioned one, or when a
runbook it names does not exist.

``python -m scripts.grafana_dashboards``          write the dashboards
``python -m scripts.grafana_dashboards --check``  exit 1 when a checked-in dashboard is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scripts.devstack.settings import REPO_ROOT

DASHBOARDS_DIR = REPO_ROOT / "observability" / "grafana" / "dashboards"
# Declared by observability/grafana/provisioning/datasources/prometheus.yml; every panel uses it.
DATASOURCE = {"type": "prometheus", "uid": "huleedu-prometheus"}
RUNBOOKS = "docs/runbooks"
WIDTH = 24  # Grafana's grid columns


@dataclass(frozen=True)
class Panel:
    title: str
    queries: Sequence[tuple[str, str]]  # (PromQL, legend)
    unit: str
    bad: str  # what a bad value means, in words
    runbook: str | None = None  # a file in docs/runbooks/, without .md
    kind: str = "timeseries"  # or "stat"
    width: int = 12

    def description(self) -> str:
        where = f" Runbook: {RUNBOOKS}/{self.runbook}.md" if self.runbook else ""
        return f"{self.bad}{where}"


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    about: str
    panels: Sequence[Panel] = field(default_factory=list)


HTTP = "huleedu_http_requests_total"
LATENCY = "huleedu_http_request_duration_seconds_bucket"

DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard(
        "huleedu-overview",
        "HuleEdu: platform overview",
        "Availability, traffic, errors and latency of every service.",
        [
            Panel(
                "Services up",
                [('up{job="huleedu"}', "{{instance}}")],
                "none",
                "0 means Prometheus cannot scrape the service: it is down or its /metrics hangs.",
                "service-down",
                kind="stat",
                width=24,
            ),
            Panel(
                "Requests per second by service",
                [(f"sum by (service) (rate({HTTP}[5m]))", "{{service}}")],
                "reqps",
                "A sudden drop to 0 while teachers work means the service stopped answering.",
            ),
            Panel(
                "Share of 5xx answers by service",
                [
                    (
                        f'sum by (service) (rate({HTTP}{{status=~"5.."}}[5m])) / sum by (service) (rate({HTTP}[5m]))',
                        "{{service}}",
                    )
                ],
                "percentunit",
                "Above 1 % for 5 minutes HighHttpErrorRate fires: requests are failing on the server side.",
                "high-error-rate",
            ),
            Panel(
                "p99 latency by service and route",
                [
                    (
                        f"histogram_quantile(0.99, sum by (service, route, le) (rate({LATENCY}[5m])))",
                        "{{service}} {{route}}",
                    )
                ],
                "s",
                "Above 1 s HighHttpLatencyP99 fires: a slow owner, database or lock is holding requests up.",
                "high-latency",
                width=24,
            ),
            Panel(
                "Background workers restarted",
                [
                    (
                        "sum by (service, worker) (increase(huleedu_background_worker_restarts_total[15m]))",
                        "{{service}} {{worker}}",
                    )
                ],
                "none",
                "A worker restarting again and again is crashing: read the service's log for its traceback.",
            ),
            Panel(
                "Essays uploaded by file type and outcome; text extraction p95",
                [
                    (
                        "sum by (file_type, outcome) (increase(content_uploaded_files_total[1h]))",
                        "{{file_type}} {{outcome}}",
                    ),
                    (
                        "histogram_quantile(0.95, sum by (le, file_type) "
                        "(rate(content_text_extraction_seconds_bucket[15m])))",
                        "extraction p95 {{file_type}} (s)",
                    ),
                ],
                "none",
                "Rejections of one type mean a format teachers use is not read; slow extraction delays uploads.",
            ),
            Panel(
                "Batch transitions and assessment requests",
                [
                    (
                        "sum by (from_status, to_status) (increase(content_batch_transitions_total[1h]))",
                        "{{from_status}} → {{to_status}}",
                    ),
                    ("sum by (result) (increase(content_assessment_requests_total[1h]))", "request {{result}}"),
                ],
                "none",
                "Requests refused (conflict, invalid) in numbers mean teachers meet an error when they start.",
            ),
            Panel(
                "Events published to Kafka, failures and p99 publish time",
                [
                    ("sum by (service) (rate(huleedu_kafka_published_total[5m]))", "{{service}} published/s"),
                    ("sum by (service) (rate(huleedu_kafka_publish_failures_total[5m]))", "{{service}} failed/s"),
                    (
                        "histogram_quantile(0.99, sum by (le, service) "
                        "(rate(huleedu_kafka_publish_duration_seconds_bucket[5m])))",
                        "{{service}} p99 (s)",
                    ),
                ],
                "none",
                "Publish failures leave events in the outbox; a slow broker makes every producer slow.",
                "outbox-stalled",
                width=24,
            ),
        ],
    ),
    Dashboard(
        "huleedu-cj",
        "HuleEdu: CJ assessment",
        "Jobs, waves, comparisons, reliability and cost of the comparative-judgement engine.",
        [
            Panel(
                "Jobs by state",
                [("sum by (state) (cj_batch_state)", "{{state}}")],
                "none",
                "Jobs piling up in one state (comparing, finalising) mean work is not moving on.",
            ),
            Panel(
                "Stuck jobs and the oldest active job",
                [("cj_stuck_jobs", "stuck"), ("cj_oldest_active_job_age_seconds / 60", "oldest active (min)")],
                "none",
                "Any stuck job fires CjJobStuck: it made no progress for longer than the stuck-job threshold.",
                "cj-job-stuck",
            ),
            Panel(
                "Progress of running jobs",
                [("cj_batch_progress_percentage", "{{job_id}}")],
                "percent",
                "A line that stays flat for long is a stuck job.",
                "cj-job-stuck",
            ),
            Panel(
                "Waves closed per minute",
                [("sum(rate(cj_waves_closed_total[5m])) * 60", "waves")],
                "none",
                "0 while jobs are comparing means callbacks are not arriving.",
            ),
            Panel(
                "Time to decide after a wave (p50, p95)",
                [
                    ("histogram_quantile(0.5, sum by (le) (rate(cj_wave_decision_seconds_bucket[15m])))", "p50"),
                    ("histogram_quantile(0.95, sum by (le) (rate(cj_wave_decision_seconds_bucket[15m])))", "p95"),
                ],
                "s",
                "Refit, stopping rule and the next wave's plan; it grows with the batch size. Seconds for a "
                "batch of a few hundred essays mean the fit or the planner has become the bottleneck "
                "(pdm run bench-pipeline shows it by batch size).",
            ),
            Panel(
                "Reliability at completion",
                [
                    ("histogram_quantile(0.5, sum by (le) (rate(cj_reliability_at_completion_bucket[1h])))", "median"),
                    (
                        "histogram_quantile(0.1, sum by (le) (rate(cj_reliability_at_completion_bucket[1h])))",
                        "10th pct",
                    ),
                ],
                "none",
                "Below 0.70 the rank order is provisional: the judge may be failing or the budget too small.",
            ),
            Panel(
                "Comparisons by final status and error",
                [("sum by (status, error_code) (rate(cj_comparisons_final_total[5m]))", "{{status}} {{error_code}}")],
                "ops",
                "A growing share of errors means the provider or the queue is failing comparisons.",
                "lps-callbacks-failing",
            ),
            Panel(
                "LLM requests by batching mode",
                [("sum by (batching_mode) (rate(cj_llm_requests_total[5m]))", "{{batching_mode}}")],
                "ops",
                "For information: which batching modes the running jobs use.",
            ),
            Panel(
                "Comparisons answered and LLM batches started",
                [
                    ("sum by (status) (rate(cj_comparisons_total[5m]))", "comparisons {{status}}"),
                    ("sum by (batching_mode) (rate(cj_llm_batches_started_total[5m]))", "batches {{batching_mode}}"),
                ],
                "ops",
                "Comparisons stop while batches are started: the answers are not coming back.",
                "lps-callbacks-failing",
            ),
            Panel(
                "Reliability of the last refit (marginal, and SSR reported only)",
                [("cj_reliability", "marginal"), ("cj_reliability_ssr", "SSR")],
                "none",
                "The marginal figure is the one that stops a job; SSR runs high under adaptive pairing.",
            ),
            Panel(
                "Callbacks for inactive jobs",
                [("sum(increase(cj_callbacks_for_inactive_jobs_total[15m]))", "callbacks")],
                "none",
                "Callbacks after a job ended (cancelled, recovered): a few are normal, many mean late callbacks.",
            ),
            Panel(
                "Cost per completed job",
                [("histogram_quantile(0.9, sum by (le) (rate(cj_job_cost_usd_bucket[1h])))", "90th pct USD")],
                "currencyUSD",
                "Jobs costing far more than their estimate mean a model's prices or the budget changed.",
                "cost-over-budget",
            ),
        ],
    ),
    Dashboard(
        "huleedu-llm-provider",
        "HuleEdu: LLM provider",
        "The comparison queue, batching, tokens and cost, errors, circuit breakers and provider latency.",
        [
            Panel(
                "Queue depth",
                [("sum by (queue_type) (llm_provider_queue_depth)", "{{queue_type}}")],
                "none",
                "A queue that only grows means the workers or the provider cannot keep up.",
                "lps-queue-old",
            ),
            Panel(
                "Oldest queued comparison",
                [("llm_provider_queue_oldest_age_seconds", "age")],
                "s",
                "Over 5 minutes LlmQueueOldestItemOld fires: comparisons wait too long for a worker or a provider.",
                "lps-queue-old",
            ),
            Panel(
                "Callbacks by result, and expiries",
                [
                    ("sum by (result) (rate(llm_provider_comparison_callbacks_total[5m]))", "{{result}}"),
                    ("rate(llm_provider_queue_expiries_total[5m])", "expired"),
                ],
                "ops",
                "Failed or expired callbacks fire LlmCallbacksFailing: CJ loses those comparisons.",
                "lps-callbacks-failing",
            ),
            Panel(
                "Comparisons per serial-bundle call",
                [
                    (
                        "histogram_quantile(0.5, sum by (le, model) "
                        "(rate(llm_provider_serial_bundle_items_per_call_bucket[15m])))",
                        "{{model}}",
                    )
                ],
                "none",
                "For information: how many comparisons each bundled call carries.",
            ),
            Panel(
                "Serial-bundle calls and time waited in the queue (p95)",
                [
                    (
                        "sum by (provider, model) (rate(llm_provider_serial_bundle_calls_total[5m]))",
                        "{{model}} calls/s",
                    ),
                    (
                        "histogram_quantile(0.95, sum by (le, queue_processing_mode) "
                        "(rate(llm_provider_queue_wait_time_seconds_bucket[5m])))",
                        "wait p95 {{queue_processing_mode}} (s)",
                    ),
                ],
                "none",
                "Waits growing toward minutes mean the workers or the provider cannot keep up.",
                "lps-queue-old",
            ),
            Panel(
                "Batch-API jobs: comparisons per job and duration (p95)",
                [
                    (
                        "histogram_quantile(0.95, sum by (le, provider) "
                        "(rate(llm_provider_batch_api_items_per_job_bucket[1h])))",
                        "{{provider}} items",
                    ),
                    (
                        "histogram_quantile(0.95, sum by (le, provider) "
                        "(rate(llm_provider_batch_api_job_duration_seconds_bucket[1h])))",
                        "{{provider}} duration (s)",
                    ),
                ],
                "none",
                "Provider batch jobs taking many hours hold their assessments until they finish.",
            ),
            Panel(
                "Batch-API jobs by status",
                [
                    (
                        "sum by (provider, status) (increase(llm_provider_batch_api_jobs_total[1h]))",
                        "{{provider}} {{status}}",
                    )
                ],
                "none",
                "Failed or expired provider batch jobs lose their comparisons' answers until retried.",
            ),
            Panel(
                "Tokens per second by model",
                [("sum by (model, direction) (rate(llm_provider_tokens_total[5m]))", "{{model}} {{direction}}")],
                "none",
                "For information: the token flow that drives the cost.",
            ),
            Panel(
                "Cost per hour by model",
                [("sum by (provider, model) (increase(llm_provider_cost_usd_total[1h]))", "{{provider}}/{{model}}")],
                "currencyUSD",
                "Over the configured budget LlmCostOverBudget fires.",
                "cost-over-budget",
            ),
            Panel(
                "Provider errors by code",
                [("sum by (provider, code) (rate(llm_provider_provider_errors_total[5m]))", "{{provider}} {{code}}")],
                "ops",
                "Rate limits and server errors from a provider; many in a row open its circuit breaker.",
                "circuit-breaker-open",
            ),
            Panel(
                "Circuit breakers",
                [("llm_provider_circuit_breaker_state", "{{provider}}")],
                "none",
                "0 closed, 1 half-open, 2 open (LlmCircuitBreakerOpen): LPS stopped calling that provider for a while.",
                "circuit-breaker-open",
            ),
            Panel(
                "Provider latency p95",
                [
                    (
                        "histogram_quantile(0.95, sum by (le, provider, model) "
                        "(rate(llm_provider_provider_latency_seconds_bucket[5m])))",
                        "{{provider}}/{{model}}",
                    )
                ],
                "s",
                "A provider answering slowly makes the queue older and jobs longer.",
            ),
        ],
    ),
    Dashboard(
        "huleedu-kafka-outbox",
        "HuleEdu: Kafka and the outbox",
        "Consumer lag, dead-letter topics and the transactional outbox of every service.",
        [
            Panel(
                "Consumer lag",
                [("sum by (service, consumer, topic) (huleedu_consumer_lag)", "{{consumer}} {{topic}}")],
                "none",
                "Lag growing for 10 minutes fires ConsumerLagGrowing: the consumer is slower than its producers.",
                "consumer-lag-growing",
                width=24,
            ),
            Panel(
                "Records in dead-letter topics",
                [("huleedu_dlq_depth > 0", "{{topic}}")],
                "none",
                "Anything here fires DlqNotEmpty: poison messages wait to be read and replayed.",
                "dlq-not-empty",
            ),
            Panel(
                "Records sent to a DLQ",
                [("sum by (service, topic) (increase(huleedu_consumer_dlq_total[15m]))", "{{service}} {{topic}}")],
                "none",
                "Each one is a message a consumer could not process.",
                "dlq-not-empty",
            ),
            Panel(
                "Outbox pending and oldest pending age",
                [
                    ("huleedu_outbox_pending", "{{service}} pending"),
                    ("huleedu_outbox_oldest_pending_age_seconds", "{{service}} oldest (s)"),
                ],
                "none",
                "Rows older than a minute fire OutboxBacklogOld: the relay cannot publish to Kafka.",
                "outbox-stalled",
            ),
            Panel(
                "Outbox publish failures and dead rows",
                [
                    ("sum by (service) (increase(huleedu_outbox_publish_failures_total[15m]))", "{{service}} failures"),
                    ("sum by (service) (increase(huleedu_outbox_dead_total[15m]))", "{{service}} dead"),
                ],
                "none",
                "Dead rows (OutboxRowsDead) are events never published without an operator.",
                "outbox-stalled",
            ),
            Panel(
                "Outbox rows published",
                [("sum by (service) (rate(huleedu_outbox_published_total[5m]))", "{{service}}")],
                "ops",
                "0 while the pending count grows means the relay is stuck.",
                "outbox-stalled",
            ),
            Panel(
                "Events folded into the read model",
                [
                    (
                        "sum by (event, outcome) (rate(result_aggregator_events_folded_total[5m]))",
                        "{{event}} {{outcome}}",
                    )
                ],
                "ops",
                "Events the result aggregator ignores or cannot fold leave teachers' views out of date.",
            ),
            Panel(
                "Events processed and duplicates skipped",
                [
                    (
                        "sum by (service, consumer) (rate(huleedu_consumer_processed_total[5m]))",
                        "{{consumer}} processed",
                    ),
                    (
                        "sum by (service, consumer) (rate(huleedu_consumer_duplicates_total[5m]))",
                        "{{consumer}} duplicates",
                    ),
                ],
                "ops",
                "For information; failures below are the ones to watch.",
            ),
            Panel(
                "Consumer failures",
                [("sum by (service, consumer) (rate(huleedu_consumer_failures_total[5m]))", "{{consumer}}")],
                "ops",
                "A consumer failing again and again will send its records to the DLQ.",
                "dlq-not-empty",
            ),
        ],
    ),
    Dashboard(
        "huleedu-gateway",
        "HuleEdu: gateway and BFF",
        "Sign-ins, token rejections, rate limits and the dashboard's live streams.",
        [
            Panel(
                "Sign-ins by outcome",
                [("sum by (outcome) (rate(huleedu_logins_total[5m]))", "{{outcome}}")],
                "ops",
                "Many invalid credentials or locked accounts from few addresses look like password guessing.",
            ),
            Panel(
                "Token rejections by reason",
                [("sum by (reason) (rate(huleedu_token_rejections_total[5m]))", "{{reason}}")],
                "ops",
                "A burst of invalid tokens after a key rotation means clients hold tokens signed with the old key.",
            ),
            Panel(
                "Rate-limit hits",
                [("sum by (service, limit) (rate(huleedu_rate_limit_hits_total[5m]))", "{{service}} {{limit}}")],
                "ops",
                "Teachers hitting limits in normal use means the limits are too tight.",
            ),
            Panel(
                "Open live-progress streams",
                [("sum(huleedu_sse_streams_open)", "streams")],
                "none",
                "For information: one per open batch page while a batch runs.",
            ),
            Panel(
                "Sign-in checks and password changes at class management",
                [
                    ("sum by (outcome) (rate(cms_login_attempts_total[5m]))", "check {{outcome}}"),
                    ("sum by (outcome) (increase(cms_password_changes_total[1h]))", "password {{outcome}}"),
                ],
                "none",
                "Locked outcomes rising mean someone is guessing passwords of real accounts.",
            ),
            Panel(
                "Student names suggested and confirmed",
                [
                    ("sum by (outcome) (increase(cms_student_suggestions_total[1h]))", "suggestion {{outcome}}"),
                    ("sum(increase(cms_associations_confirmed_total[1h]))", "confirmed"),
                ],
                "none",
                "Mostly unmatched suggestions mean rosters and file names disagree: teachers confirm by hand.",
            ),
            Panel(
                "Gateway p99 latency by route",
                [
                    (
                        "histogram_quantile(0.99, sum by (route, le) "
                        f'(rate({LATENCY}{{service="api_gateway_service"}}[5m])))',
                        "{{route}}",
                    )
                ],
                "s",
                "Includes the owners' time: compare with the owner's own latency on the overview.",
                "high-latency",
                width=24,
            ),
        ],
    ),
    Dashboard(
        "huleedu-data-protection",
        "HuleEdu: student data protection",
        "Erasure of deleted batches, the retention policy and the outbox's pruning (docs/data-protection.md).",
        [
            Panel(
                "Items LPS erased for deleted batches",
                [("sum by (kind) (increase(llm_provider_erased_items_total[1h]))", "{{kind}}")],
                "none",
                "Deletions reaching LPS; none while teachers delete batches means its batch.deleted consumer lags.",
                "erasure-incomplete",
            ),
            Panel(
                "Purged by the retention policy",
                [("sum by (service, kind) (increase(huleedu_retention_purged_total[1d]))", "{{service}} {{kind}}")],
                "none",
                "Nothing for days with HULEEDU_RETENTION_PERIOD set means the retention loop is failing (see logs).",
                "erasure-incomplete",
            ),
            Panel(
                "Published outbox rows pruned",
                [("sum by (service) (increase(huleedu_outbox_pruned_total[1h]))", "{{service}}")],
                "none",
                "0 while rows are published means published payloads (personal data) pile up in the outbox.",
                "erasure-incomplete",
                width=24,
            ),
        ],
    ),
)


def _panel_json(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, object]:
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description(),
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}} if panel.kind == "timeseries" else {},
        "targets": [
            {"refId": chr(ord("A") + n), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
            for n, (expr, legend) in enumerate(panel.queries)
        ],
    }


def render(dashboard: Dashboard) -> dict[str, object]:
    """Grafana's dashboard model: panels laid out left to right, a new row when one is full."""
    panels = []
    x = y = 0
    for number, panel in enumerate(dashboard.panels, start=1):
        if x + panel.width > WIDTH:
            x, y = 0, y + 8
        panels.append(_panel_json(panel, number, x, y))
        x += panel.width
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.about,
        "tags": ["huleedu"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "panels": panels,
    }


def rendered() -> dict[Path, str]:
    return {DASHBOARDS_DIR / f"{d.uid}.json": json.dumps(render(d), indent=2) + "\n" for d in DASHBOARDS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or check) the Grafana dashboards.")
    parser.add_argument("--check", action="store_true", help="exit 1 when a checked-in dashboard is stale")
    args = parser.parse_args(argv)
    files = rendered()
    stale = [path for path, text in files.items() if not path.is_file() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(REPO_ROOT)} (run pdm run obs-dashboards)")
        return 1 if stale else 0
    DASHBOARDS_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
    print(f"wrote {len(files)} dashboards to {DASHBOARDS_DIR.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
