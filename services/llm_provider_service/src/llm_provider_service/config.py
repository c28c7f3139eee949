"""Settings of the LLM provider service; every one has a dev default and a line in env.example."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from common_core.llm import BatchingMode, LLMProvider
from huleedu_service_libs.settings import ServiceSettings

MAX_BUNDLE_SIZE = 32


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LLM_PROVIDER_SERVICE_", extra="ignore")

    service_name: str = "llm_provider_service"
    http_port: int = Field(default=8005, ge=1, le=65535)

    # Defaults applied when a comparison carries no override.
    default_provider: LLMProvider = LLMProvider.MOCK
    default_model: str = "mock-judge"
    default_batching_mode: BatchingMode = BatchingMode.PER_REQUEST
    serial_bundle_size: int = Field(default=8, ge=1, le=MAX_BUNDLE_SIZE)
    justification_max_chars: int = Field(default=600, ge=40, le=4000)

    # The Redis queue.
    redis_key_prefix: str = "lps:"
    queue_capacity: int = Field(default=50_000, ge=1)
    queue_full_retry_after_s: float = Field(default=30.0, gt=0)
    item_ttl_s: float = Field(default=6 * 3600.0, gt=0)
    lease_s: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=20)
    retry_base_s: float = Field(default=1.0, ge=0)
    retry_cap_s: float = Field(default=60.0, ge=0)
    workers_enabled: bool = True
    worker_idle_poll_s: float = Field(default=0.2, gt=0)
    maintenance_interval_s: float = Field(default=1.0, gt=0)
    default_max_concurrency: int = Field(default=8, ge=1)
    outbox_relays: int = Field(default=4, ge=1, le=8)

    # provider_batch_api jobs.
    batch_api_max_items: int = Field(default=5000, ge=1, le=50_000)
    batch_api_poll_interval_s: float = Field(default=30.0, gt=0)
    batch_api_max_age_s: float = Field(default=25 * 3600.0, gt=0)

    # Circuit breaker per provider.
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_cooldown_s: float = Field(default=30.0, gt=0)

    # Provider HTTP.
    provider_timeout_s: float = Field(default=120.0, gt=0)
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    google_api_key: SecretStr | None = None
    openrouter_api_key: SecretStr | None = None
    openai_compatible_api_key: SecretStr | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    anthropic_base_url: str = "https://api.anthropic.com"
    google_base_url: str = "https://generativelanguage.googleapis.com"
    openrouter_base_url: str = "https://openrouter.ai/api/v1"
    openai_compatible_base_url: str = "http://127.0.0.1:11434/v1"

    # The mock judge (the offline default).
    mock_profile: str = Field(default="heuristic", pattern="^(heuristic|coin|first_position|error_injection)$")
    mock_seed: str = "huleedu"
    mock_noise_scale: float = Field(default=0.35, ge=0)
    mock_position_bias: float = Field(default=0.0, description="Logit added in favour of Essay A.")
    mock_latency_ms_mean: float = Field(default=0.0, ge=0)
    mock_latency_ms_jitter: float = Field(default=0.0, ge=0)
    mock_max_concurrency: int | None = Field(
        default=None, ge=1, description="The mock judge's concurrent calls per process; None: the model table's (64)."
    )
    mock_rate_429: float = Field(default=0.0, ge=0, le=1)
    mock_rate_500: float = Field(default=0.0, ge=0, le=1)
    mock_rate_timeout: float = Field(default=0.0, ge=0, le=1)
    mock_rate_malformed: float = Field(default=0.0, ge=0, le=1)

    @property
    def text_ttl_s(self) -> float:
        """How long a stored text lives: past its item's TTL, a lease and the retry delays."""
        return self.item_ttl_s + 2 * self.lease_s + self.retry_cap_s + 3600

    @property
    def erasure_tombstone_s(self) -> float:
        """How long an erased batch is remembered: the longest a comparison of it can still be at work,
        in the queue (its texts' lifetime) or in a provider batch job (its age limit, a poll and a lease)."""
        poll = self.batch_api_poll_interval_s
        return max(self.text_ttl_s, self.batch_api_max_age_s + poll + max(60.0, 4 * poll))

    def api_key(self, provider: LLMProvider) -> str | None:
        secret = {
            LLMProvider.OPENAI: self.openai_api_key,
            LLMProvider.ANTHROPIC: self.anthropic_api_key,
            LLMProvider.GOOGLE: self.google_api_key,
            LLMProvider.OPENROUTER: self.openrouter_api_key,
            LLMProvider.OPENAI_COMPATIBLE: self.openai_compatible_api_key,
        }.get(provider)
        return secret.get_secret_value() if secret is not None and secret.get_secret_value() else None
