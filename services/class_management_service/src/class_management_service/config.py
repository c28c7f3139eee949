"""Settings of class management service (env prefix ``CLASS_MANAGEMENT_SERVICE_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from huleedu_service_libs.settings import ServiceSettings

SERVICE_NAME = "class_management_service"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLASS_MANAGEMENT_SERVICE_", extra="ignore")

    service_name: str = SERVICE_NAME
    http_port: int = Field(default=8003, ge=1, le=65535)
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:55432/class_management_service",
        description="SQLAlchemy async URL of the service's own database.",
    )
    content_service_url: str = Field(
        default="http://127.0.0.1:8002", description="Content service, for the opening lines of uploaded essays."
    )
    content_service_timeout_s: float = Field(default=5.0, gt=0)
    cj_assessment_service_url: str = Field(
        default="http://127.0.0.1:8004",
        description="CJ assessment service, asked which assignments a teacher shares before the account is deleted.",
    )
    read_essay_openings: bool = Field(
        default=True,
        description="Match students against an essay's first lines too (fetched from content service).",
    )
    essay_opening_lines: int = Field(default=3, ge=1, le=20, description="Non-empty lines read from an essay's top.")
    match_min_confidence: float = Field(
        default=0.6, ge=0.0, le=1.0, description="A student is suggested only at or above this confidence."
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins per email within the window before the account locks."
    )
    login_lockout_seconds: int = Field(
        default=900, ge=1, description="The failure window, and how long a locked account stays locked."
    )
    redis_key_prefix: str = Field(default="cms:", description="Prefix of every Redis key this service writes.")
    seed_demo_teacher: bool = Field(
        default=True, description="In dev mode only: create the demo teacher at start-up and log its credentials."
    )
    consumer_group: str = Field(
        default="class_management_service.events", description="Kafka consumer group for batch and essay events."
    )
