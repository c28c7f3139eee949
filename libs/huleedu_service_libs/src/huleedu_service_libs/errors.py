"""One error hierarchy for every service: a code, an HTTP status, and whether a retry can help.

The HTTP mapping to the single error body (ARCHITECTURE §4) lives in
``huleedu_service_libs.http``; the consumer runner uses :func:`is_retryable` to choose between
retrying a record and sending it to the dead-letter topic.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"
    # Framework-raised 4xx that no deliberate error covers (unsupported media type, bad method).
    BAD_REQUEST = "BAD_REQUEST"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    EXTERNAL_SERVICE_ERROR = "EXTERNAL_SERVICE_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    TIMEOUT = "TIMEOUT"
    # Why the gateway refused an access token (401 each), so a client and a log can tell them apart.
    TOKEN_MISSING = "TOKEN_MISSING"
    TOKEN_MALFORMED = "TOKEN_MALFORMED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_NOT_YET_VALID = "TOKEN_NOT_YET_VALID"
    TOKEN_BAD_SIGNATURE = "TOKEN_BAD_SIGNATURE"
    TOKEN_WRONG_ISSUER = "TOKEN_WRONG_ISSUER"
    TOKEN_WRONG_AUDIENCE = "TOKEN_WRONG_AUDIENCE"
    TOKEN_ALG_NONE = "TOKEN_ALG_NONE"
    TOKEN_ALG_MISMATCH = "TOKEN_ALG_MISMATCH"
    TOKEN_CLAIM_MISSING = "TOKEN_CLAIM_MISSING"
    TOKEN_REVOKED = "TOKEN_REVOKED"
    # Why the gateway refused a refresh token (401 each).
    REFRESH_TOKEN_INVALID = "REFRESH_TOKEN_INVALID"
    REFRESH_TOKEN_EXPIRED = "REFRESH_TOKEN_EXPIRED"
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"
    REFRESH_TOKEN_REVOKED = "REFRESH_TOKEN_REVOKED"


class HuleEduError(Exception):
    """Base of every deliberate error. Subclasses fix the code, status and retryability."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL_ERROR
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class ValidationFailedError(HuleEduError):
    code = ErrorCode.VALIDATION_ERROR
    http_status = 400


class UnauthorizedError(HuleEduError):
    code = ErrorCode.UNAUTHORIZED
    http_status = 401


class ForbiddenError(HuleEduError):
    code = ErrorCode.FORBIDDEN
    http_status = 403


class NotFoundError(HuleEduError):
    code = ErrorCode.NOT_FOUND
    http_status = 404


class ConflictError(HuleEduError):
    code = ErrorCode.CONFLICT
    http_status = 409


class PayloadTooLargeError(HuleEduError):
    code = ErrorCode.PAYLOAD_TOO_LARGE
    http_status = 413


class RateLimitedError(HuleEduError):
    code = ErrorCode.RATE_LIMITED
    http_status = 429
    retryable = True

    def __init__(self, message: str, *, retry_after_s: float | None = None, details: dict[str, Any] | None = None):
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class ExternalServiceError(HuleEduError):
    """A downstream service or provider failed; a retry may succeed."""

    code = ErrorCode.EXTERNAL_SERVICE_ERROR
    http_status = 502
    retryable = True


class ServiceUnavailableError(HuleEduError):
    code = ErrorCode.SERVICE_UNAVAILABLE
    http_status = 503
    retryable = True


class DependencyTimeoutError(HuleEduError):
    code = ErrorCode.TIMEOUT
    http_status = 504
    retryable = True


def is_retryable(exc: BaseException) -> bool:
    """Whether trying the same work again later can succeed.

    Deliberate errors say so themselves; otherwise network, timeout and lost-connection
    failures (of the socket, the database driver or Kafka) are retryable, and anything else,
    such as a validation or programming error, is permanent.
    """
    if isinstance(exc, HuleEduError):
        return exc.retryable
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | ConnectionError | OSError):
        return True
    # Driver and client errors are recognised by duck typing to keep this module import-light:
    # SQLAlchemy marks lost connections, aiokafka marks retriable errors.
    if getattr(exc, "connection_invalidated", False):
        return True
    if type(exc).__name__ in {"OperationalError", "InterfaceError"}:
        return True
    if _sqlstate(exc) in TRANSIENT_SQLSTATES:
        return True
    return bool(getattr(exc, "retriable", False))


# PostgreSQL conflicts that a second attempt resolves: deadlock_detected, serialization_failure,
# lock_not_available (lock_timeout / NOWAIT). Treating them as permanent sends valid records to the DLQ.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, through SQLAlchemy's wrapper and the driver's adapter."""
    seen: BaseException | None = exc
    for _ in range(4):  # the SQLAlchemy error -> the adapted DBAPI error -> the asyncpg error
        if seen is None:
            return None
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str):
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None
