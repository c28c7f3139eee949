"""Teacher BFF settings (env prefix ``BFF_TEACHER_SERVICE_``; shared ones in ``ServiceSettings``).

Every setting has a dev-mode default and a line in ``env.example``. The internal key is the shared
``HULEEDU_INTERNAL_API_KEY`` (required outside dev mode, see ``ServiceSettings``): the BFF checks it
on every view call from the gateway and sends it on every call to an owner.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from huleedu_service_libs.settings import ServiceSettings

# The package is installed editable from the repository (the dev stack and the Docker image alike),
# so the repository is four folders above this file, wherever the service is started from.
REPO_ROOT = Path(__file__).resolve().parents[4]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BFF_TEACHER_SERVICE_", extra="ignore")

    service_name: str = "bff_teacher_service"
    http_port: int = Field(default=8001, ge=1, le=65535)

    content_service_url: str = Field(default="http://127.0.0.1:8002", description="Essays, texts, estimates.")
    class_management_service_url: str = Field(default="http://127.0.0.1:8003", description="Classes and students.")
    cj_assessment_service_url: str = Field(default="http://127.0.0.1:8004", description="Assignments and jobs.")
    llm_provider_service_url: str = Field(default="http://127.0.0.1:8005", description="The model catalogue.")
    result_aggregator_service_url: str = Field(default="http://127.0.0.1:8006", description="Batch lists, summary.")
    owner_timeout_s: float = Field(
        default=3.0,
        gt=0,
        description="Bound of each call to an owner, connect to last byte: a slow optional part becomes a gap "
        "instead of a slow page.",
    )
    estimate_timeout_s: float = Field(
        default=75.0,
        gt=0,
        description="Bound of the run estimate: content waits up to 60 s for CJ's simulation of an unseen batch size.",
    )
    dashboard_batch_count: int = Field(default=10, ge=1, le=100, description="Recent batches on the dashboard.")
    dashboard_dist_dir: Path = Field(
        default=REPO_ROOT / "frontend" / "dist",
        description="The built dashboard (Vite's output) served at / and every path the API does not use; a "
        "relative path is taken from the repository root, not the working directory.",
    )
    sse_heartbeat_s: float = Field(
        default=15.0,
        gt=0,
        description="Seconds between heartbeat comments on a quiet live-progress stream, so that proxies and the "
        "gateway (its stream idle timeout must be longer) keep it open and a dead client is noticed.",
    )
    sse_max_streams_per_user: int = Field(
        default=5,
        ge=1,
        description="Live-progress streams one teacher may hold open on one BFF instance at once (429 beyond).",
    )

    @field_validator("dashboard_dist_dir")
    @classmethod
    def _from_the_repository(cls, value: Path) -> Path:
        return value if value.is_absolute() else REPO_ROOT / value
