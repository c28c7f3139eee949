"""API gateway settings (env prefix ``API_GATEWAY_SERVICE_``; shared ones in ``ServiceSettings``).

Every setting has a dev-mode default and a line in ``env.example``:

- ``API_GATEWAY_SERVICE_DATABASE_URL``: the gateway's own database (refresh tokens; inherited field).
- ``API_GATEWAY_SERVICE_HTTP_HOST`` / ``API_GATEWAY_SERVICE_HTTP_PORT``: where ``serve`` listens (port 8000).
- ``API_GATEWAY_SERVICE_SHUTDOWN_GRACE_SECONDS``: how long ``serve`` lets requests finish on SIGTERM (inherited).
- ``API_GATEWAY_SERVICE_<PEER>_URL``: the internal services the gateway forwards to.
- ``API_GATEWAY_SERVICE_DOWNSTREAM_TIMEOUT_S`` / ``..._DOWNSTREAM_CONNECT_TIMEOUT_S``: bounds of every
  downstream call (a client is waiting).
- ``API_GATEWAY_SERVICE_LONG_DOWNSTREAM_TIMEOUT_S``: the read/write bound of the calls that work before
  answering (uploads, estimates).
- ``API_GATEWAY_SERVICE_EVENT_STREAM_IDLE_TIMEOUT_S``: the read bound of a live-progress stream from the BFF,
  between two chunks (longer than the BFF's heartbeat).
- ``API_GATEWAY_SERVICE_ESSAY_UPLOAD_MAX_FILES``, ``..._MAX_FILE_BYTES``, ``..._MAX_BYTES`` and the same
  three for anchor uploads: the owners' upload limits (content's essays, CJ's bulk anchors), enforced
  while the upload streams through.
- ``API_GATEWAY_SERVICE_JWT_ALGORITHM`` and the other ``JWT`` settings: how access tokens are signed and
  checked; ``..._ACCESS_TOKEN_TTL_S`` and ``..._REFRESH_TOKEN_TTL_S``: how long the two tokens live.
- ``API_GATEWAY_SERVICE_*_LIMIT`` / ``..._RATE_LIMIT_WINDOW_S``: requests per window per IP, per user, and
  sign-ins per IP; ``..._REDIS_KEY_PREFIX``: the prefix of the limit counters.
- ``API_GATEWAY_SERVICE_CORS_ORIGINS``: browser origins allowed to call the API (none by default).
- ``API_GATEWAY_SERVICE_MAX_BODY_BYTES``: the largest non-upload request body (413 beyond).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from huleedu_service_libs.settings import ServiceSettings

# Only ever used when HULEEDU_DEV_MODE is explicitly on; a real deployment must configure its own.
DEV_JWT_SECRET = "dev-only-jwt-secret-not-for-production-use"  # noqa: S105 - refused outside dev mode
MIN_JWT_SECRET_LENGTH = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash output


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="API_GATEWAY_SERVICE_", extra="ignore")

    service_name: str = "api_gateway_service"
    http_port: int = Field(default=8000, ge=1, le=65535)

    content_service_url: str = Field(default="http://127.0.0.1:8002", description="Batches, essays, assessments.")
    class_management_service_url: str = Field(
        default="http://127.0.0.1:8003", description="Sign-in, profiles, classes, students, associations."
    )
    cj_assessment_service_url: str = Field(default="http://127.0.0.1:8004", description="Assignments, anchors, jobs.")
    llm_provider_service_url: str = Field(default="http://127.0.0.1:8005", description="The model catalogue.")
    result_aggregator_service_url: str = Field(default="http://127.0.0.1:8006", description="Batch lists, results.")
    bff_teacher_service_url: str = Field(default="http://127.0.0.1:8001", description="The dashboard's API.")
    downstream_timeout_s: float = Field(default=10.0, gt=0, description="Read/write timeout of a downstream call.")
    downstream_connect_timeout_s: float = Field(
        default=3.0, gt=0, description="Connect timeout of a downstream call: a dead service fails fast."
    )
    long_downstream_timeout_s: float = Field(
        default=90.0,
        gt=0,
        description="Read/write timeout of calls that work before answering: an upload's vetting, an estimate's "
        "simulation (the content service itself waits up to 60 s for CJ's estimate).",
    )
    event_stream_idle_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="Read timeout of a live-progress stream (a BFF path ending in /events): the longest silence "
        "between two chunks. The BFF sends a heartbeat every 15 s, so only a stalled stream is cut.",
    )
    essay_upload_max_files: int = Field(default=50, ge=1, description="Files in one essay upload (content's limit).")
    essay_upload_max_file_bytes: int = Field(
        default=5_000_000, ge=1, description="Largest essay file, in bytes (content's limit)."
    )
    essay_upload_max_bytes: int = Field(
        default=100_000_000, ge=1, description="Largest essay upload request, in bytes (content's limit)."
    )
    anchor_upload_max_files: int = Field(default=30, ge=1, description="Files in one bulk anchor upload (CJ's limit).")
    anchor_upload_max_file_bytes: int = Field(
        default=5_000_000, ge=1, description="Largest anchor file, in bytes (CJ's limit)."
    )
    anchor_upload_max_bytes: int = Field(
        default=150_200_000,
        ge=1,
        description="Largest bulk anchor request, in bytes: every file at its largest plus the grades file "
        "(CJ's limit).",
    )

    jwt_algorithm: Literal["HS256", "RS256"] = Field(default="HS256", description="How access tokens are signed.")
    jwt_secret: SecretStr | None = Field(default=None, description="HS256 key; required outside dev mode for HS256.")
    jwt_private_key: SecretStr | None = Field(
        default=None, description="RS256 private key (PEM); required for RS256. The public half goes to the JWKS."
    )
    jwt_key_id: str = Field(default="gateway-1", min_length=1, description="The `kid` of the RS256 key in the JWKS.")
    jwt_issuer: str = Field(default="huleedu-api-gateway", min_length=1, description="`iss` of every access token.")
    jwt_audience: str = Field(default="huleedu-api", min_length=1, description="`aud` of every access token.")
    jwt_leeway_s: int = Field(default=0, ge=0, le=60, description="Clock skew tolerated on exp and nbf.")
    access_token_ttl_s: int = Field(default=900, ge=30, description="Lifetime of an access token.")
    refresh_token_ttl_s: int = Field(default=14 * 24 * 3600, ge=60, description="Lifetime of a refresh token.")

    redis_key_prefix: str = Field(default="gateway:", description="Prefix of every Redis key this service writes.")
    rate_limit_window_s: int = Field(default=60, ge=1, description="The window the request limits count in.")
    ip_request_limit: int = Field(default=600, ge=1, description="Requests per window from one IP address.")
    user_request_limit: int = Field(default=600, ge=1, description="Requests per window from one signed-in teacher.")
    login_ip_limit: int = Field(default=10, ge=1, description="Sign-in attempts per window from one IP address.")
    cors_origins: list[str] = Field(default_factory=list, description="Allowed browser origins; none by default.")
    max_body_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest request body other than an upload (413 beyond)."
    )

    @model_validator(mode="after")
    def _signing_key_outside_dev_mode(self) -> Settings:
        if self.jwt_algorithm == "RS256" and not _secret(self.jwt_private_key):
            raise ValueError("API_GATEWAY_SERVICE_JWT_ALGORITHM=RS256 needs API_GATEWAY_SERVICE_JWT_PRIVATE_KEY")
        secret = _secret(self.jwt_secret)
        if self.jwt_algorithm == "HS256" and not secret and not self.dev_mode:
            raise ValueError(
                "API_GATEWAY_SERVICE_JWT_SECRET is not set; set it, or set HULEEDU_DEV_MODE=1 for local development"
            )
        if secret and len(secret) < MIN_JWT_SECRET_LENGTH:
            raise ValueError(f"API_GATEWAY_SERVICE_JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters")
        return self

    def effective_jwt_secret(self) -> str:
        """The HS256 key: the configured one, else the dev secret (dev mode only, see the validator)."""
        return _secret(self.jwt_secret) or DEV_JWT_SECRET


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""
