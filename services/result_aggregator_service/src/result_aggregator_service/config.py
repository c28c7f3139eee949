"""Settings, env prefix ``RESULT_AGGREGATOR_SERVICE_`` (shared ones come from ``ServiceSettings``).

Inherited, under this prefix: ``RESULT_AGGREGATOR_SERVICE_DATABASE_URL``,
``RESULT_AGGREGATOR_SERVICE_HTTP_HOST``, ``RESULT_AGGREGATOR_SERVICE_HTTP_PORT`` (8006 here) and
``RESULT_AGGREGATOR_SERVICE_SHUTDOWN_GRACE_SECONDS``. The service's own:
``RESULT_AGGREGATOR_SERVICE_CONSUME_EVENTS``, ``RESULT_AGGREGATOR_SERVICE_CONSUMER_GROUP`` and
``RESULT_AGGREGATOR_SERVICE_TERM_START_MONTHS``. env.example documents each.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from huleedu_service_libs.settings import ServiceSettings

SERVICE_NAME = "result_aggregator_service"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESULT_AGGREGATOR_SERVICE_", extra="ignore")

    service_name: str = SERVICE_NAME
    http_port: int = Field(default=8006, ge=1, le=65535)
    consume_events: bool = Field(
        default=True,
        description="Run the Kafka consumer that folds events. Off for query-only replicas and the benchmark.",
    )
    consumer_group: str = Field(
        default="result_aggregator_service.read_model",
        min_length=1,
        description="Kafka consumer group; a new group starts from the earliest offsets still retained.",
    )
    term_start_months: list[int] = Field(
        default=[1, 8],
        description="Months (1-12) in which school terms start, for 'essays assessed this term'.",
    )

    @field_validator("term_start_months")
    @classmethod
    def _months(cls, value: list[int]) -> list[int]:
        if not value or any(not 1 <= month <= 12 for month in value):
            raise ValueError("term_start_months needs at least one month, each 1-12")
        return sorted(set(value))
