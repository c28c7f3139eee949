"""Teacher BFF settings (env prefix ``BFF_TEACHER_SERVICE_``; shared ones in ``ServiceSettings``).

Every setting has a dev-mode default and a line in ``env.example``. The internal key is the shared
``HULEEDU_INTERNAL_API_KEY`` (required outside dev mode, see ``ServiceSettings``): the BFF checks it
on every view call from the gateway and sends it on every call to an owner.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from huleedu_service_libs.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BFF_TEACHER_SERVICE_", extra="ignore")

    service_name: str = "bff_teacher_service"
    http_port: int = Field(default=8001, ge=1, le=65535)

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
    dashboard_batch_count: int = Field(default=10, ge=1, le=100, description="Recent batches on the dashboard.")
