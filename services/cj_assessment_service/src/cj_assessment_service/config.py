"""Settings of the CJ assessment service (env prefix ``CJ_ASSESSMENT_SERVICE_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from huleedu_service_libs.settings import ServiceSettings

DEFAULT_INSTRUCTIONS = (
    "Compare the two essays as answers to the same task. Decide which one is better overall: how well it "
    "answers the task, its content and organisation, and its language."
)


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CJ_ASSESSMENT_SERVICE_", extra="ignore")

    service_name: str = "cj_assessment_service"
    http_port: int = Field(default=8004, ge=1, le=65535)

    # Peers (internal HTTP).
    content_service_url: str = "http://127.0.0.1:8002"
    llm_provider_service_url: str = "http://127.0.0.1:8005"
    http_timeout_s: float = Field(default=10.0, gt=0, description="Read/write timeout of calls to peers.")

    # Kafka consumer groups are "<prefix>.requests" and "<prefix>.callbacks".
    consumer_group_prefix: str = "cj_assessment_service"

    # Assignments.
    assignments_shared_by_default: bool = Field(
        default=True, description="Whether a new assignment may be used by every teacher unless it says otherwise."
    )
    admin_user_ids: str = Field(default="", description="Comma-separated user ids that may edit any assignment.")
    default_grade_scale: str = Field(default="swedish_f_a", description="Grade scale of jobs without an assignment.")
    default_instructions: str = DEFAULT_INSTRUCTIONS
    max_upload_bytes: int = Field(default=5_000_000, gt=0, description="Largest anchor file accepted.")
    max_anchor_files: int = Field(
        default=30, ge=1, description="Most anchor files one bulk upload may carry (400 beyond, before any is read)."
    )

    # Waves and stopping (the budget's own limits come with each request).
    min_comparisons_per_essay: int = Field(
        default=6, ge=0, description="Comparisons every essay needs before the reliability stop may fire."
    )
    batch_api_wave_multiplier: int = Field(
        default=3, ge=1, description="provider_batch_api waves are this many times the normal wave size."
    )
    serial_bundle_wave_multiplier: int = Field(
        default=2,
        ge=1,
        description="serial_bundle waves are this many times the normal wave size (2: every essay in about two "
        "pairs, so the pairs of a bundle can share essays).",
    )
    max_pair_attempts: int = Field(default=3, ge=1, description="Tries per pair when error callbacks are retryable.")
    max_failed_fraction: float = Field(
        default=0.5, gt=0, le=1, description="A job fails once more than this share of its pairs ended in errors."
    )

    progress_interval_s: float = Field(
        default=2.0,
        gt=0,
        description="Within a wave, progress is published at most this often per job (every wave close publishes).",
    )

    # Submitting waves to LPS.
    submit_backoff_base_s: float = Field(default=1.0, gt=0)
    submit_backoff_cap_s: float = Field(default=60.0, gt=0)
    submitter_poll_s: float = Field(default=2.0, gt=0, description="How often unsubmitted pairs are looked for.")

    # Stuck-job monitor.
    monitor_interval_s: float = Field(default=30.0, gt=0)
    stuck_after_s: float = Field(default=900.0, gt=0, description="No activity for this long makes a job stuck.")
    stuck_max_resubmits: int = Field(default=2, ge=0, description="Re-submits of unacknowledged pairs before acting.")
    forced_recovery_max_missing_fraction: float = Field(
        default=0.1, ge=0, le=1, description="Largest share of missing answers a forced-recovery completion accepts."
    )

    # Estimates before a run (docs/estimates.md).
    estimate_simulation_runs: int = Field(
        default=3, ge=1, le=25, description="Simulated runs per estimate; the typical figures are their median."
    )
    estimate_simulation_max_items: int = Field(
        default=100,
        ge=10,
        description="Larger batches (essays plus anchors) are simulated at this size and scaled up, to stay fast "
        "(docs/estimates.md: comparisons per item at 100 items are those at 250 within the runs' seed noise).",
    )
    estimate_simulation_max_waves: int = Field(
        default=40,
        ge=1,
        description="A simulated run still comparing after this many waves counts as the budget spent.",
    )
    estimate_wave_overhead_s: float = Field(
        default=0.5,
        ge=0,
        description="Seconds per wave outside the provider and CJ's fits (outbox, Kafka and queue hand-offs).",
    )

    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.admin_user_ids.split(",") if part.strip())
