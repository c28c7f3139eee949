"""Settings base for every service (pydantic-settings).

Service-specific settings take the service's prefix (``CONTENT_SERVICE_DATABASE_URL``); the
shared infrastructure names are the same for every service (``HULEEDU_KAFKA_BOOTSTRAP_SERVERS``,
``HULEEDU_REDIS_URL``, ``HULEEDU_INTERNAL_API_KEY``, ``HULEEDU_DEV_MODE``)::

    class ContentSettings(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="CONTENT_SERVICE_", extra="ignore")
        service_name: str = "content_service"
        max_upload_bytes: int = 5_000_000
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from huleedu_service_libs.retention import RetentionPolicy, parse_period

# Only ever used when HULEEDU_DEV_MODE is explicitly on; a real deployment must set its own key.
DEV_INTERNAL_API_KEY = "dev-only-internal-key"


class ServiceSettings(BaseSettings):
    # populate_by_name: code and tests may pass fields by name (dev_mode=True) as well as by env name.
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = Field(min_length=1)
    dev_mode: bool = Field(
        default=False,
        validation_alias=AliasChoices("HULEEDU_DEV_MODE"),
        description="Explicit development mode: allows the built-in dev internal key and console logs.",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092", validation_alias=AliasChoices("HULEEDU_KAFKA_BOOTSTRAP_SERVERS")
    )
    redis_url: str = Field(default="redis://127.0.0.1:56379/0", validation_alias=AliasChoices("HULEEDU_REDIS_URL"))
    internal_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("HULEEDU_INTERNAL_API_KEY"))
    database_url: str = Field(default="", description="SQLAlchemy async URL of the service's own database.")
    retention_period: str = Field(
        default="never",
        validation_alias=AliasChoices("HULEEDU_RETENTION_PERIOD"),
        description="How long after a batch finished its essay texts are kept: never (default) or e.g. 365d.",
    )
    retention_keep_aggregates: bool = Field(
        default=True,
        validation_alias=AliasChoices("HULEEDU_RETENTION_KEEP_AGGREGATES"),
        description="After the retention period, keep anonymous aggregates (true) or erase the batch entirely.",
    )
    retention_check_interval_s: float = Field(
        default=3600.0, gt=0, validation_alias=AliasChoices("HULEEDU_RETENTION_CHECK_INTERVAL_S")
    )
    outbox_published_retention_s: float = Field(
        default=3600.0,
        ge=0,
        validation_alias=AliasChoices("HULEEDU_OUTBOX_PUBLISHED_RETENTION_S"),
        description="How long a published outbox row is kept before the relay deletes it (its payload "
        "holds personal data).",
    )
    log_format: Literal["json", "console"] = Field(default="json", validation_alias=AliasChoices("HULEEDU_LOG_FORMAT"))
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("HULEEDU_LOG_LEVEL"))
    http_host: str = Field(default="127.0.0.1", description="Interface `serve` binds to (0.0.0.0 in containers).")
    http_port: int = Field(default=8000, ge=1, le=65535, description="Port `serve` listens on; per service.")
    shutdown_grace_seconds: float = Field(
        default=10.0, gt=0, description="How long `serve` lets in-flight requests and workers finish on SIGTERM."
    )

    @field_validator("retention_period")
    @classmethod
    def _a_retention_period(cls, value: str) -> str:
        parse_period(value)  # refuses what it cannot read, at start-up, naming the setting
        return value

    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(
            period_s=parse_period(self.retention_period),
            keep_aggregates=self.retention_keep_aggregates,
            check_interval_s=self.retention_check_interval_s,
        )

    @model_validator(mode="after")
    def _internal_key_outside_dev_mode(self) -> ServiceSettings:
        key = self.internal_api_key.get_secret_value() if self.internal_api_key else ""
        if not key and not self.dev_mode:
            raise ValueError(
                "HULEEDU_INTERNAL_API_KEY is not set; set it, or set HULEEDU_DEV_MODE=1 for local development"
            )
        return self

    def effective_internal_api_key(self) -> str:
        """The key for /internal routes: the configured one, else the dev key (dev mode only)."""
        if self.internal_api_key and self.internal_api_key.get_secret_value():
            return self.internal_api_key.get_secret_value()
        return DEV_INTERNAL_API_KEY
