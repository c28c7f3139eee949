"""HTTP machinery shared by the services (ARCHITECTURE §4 and §5).

Framework-free pieces are re-exported here. The framework wiring lives in
``huleedu_service_libs.http.quart_support`` and ``huleedu_service_libs.http.fastapi_support``
and is not imported here, so a FastAPI service never loads Quart and the other way round.
"""

from huleedu_service_libs.http.client import make_http_client, request_with_retries
from huleedu_service_libs.http.error_body import ErrorReply
from huleedu_service_libs.http.health import (
    HealthCheck,
    HealthReport,
    publisher_check,
    redis_check,
    run_health_checks,
    sqlalchemy_check,
)
from huleedu_service_libs.http.identity import IdentityContext
from huleedu_service_libs.http.internal_auth import InternalAuth, internal_headers

__all__ = [
    "ErrorReply",
    "HealthCheck",
    "HealthReport",
    "IdentityContext",
    "InternalAuth",
    "internal_headers",
    "make_http_client",
    "publisher_check",
    "redis_check",
    "request_with_retries",
    "run_health_checks",
    "sqlalchemy_check",
]
