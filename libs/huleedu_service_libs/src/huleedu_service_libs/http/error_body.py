"""Every failure becomes the one error body (ARCHITECTURE §4), framework-free.

The Quart and FastAPI adapters turn an :class:`ErrorReply` into their own response type, so
both frameworks answer with the same status, body and headers for the same failure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import structlog

from common_core.http.errors import ErrorDetail, ErrorResponse
from huleedu_service_libs.correlation import current_correlation_id
from huleedu_service_libs.errors import ErrorCode, HuleEduError, RateLimitedError

logger = structlog.stdlib.get_logger(__name__)

_CODE_BY_STATUS: dict[int, ErrorCode] = {
    400: ErrorCode.VALIDATION_ERROR,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
    504: ErrorCode.TIMEOUT,
}
_FIELD_ERRORS_IN_MESSAGE = 3
# An error body quotes bad input, but never all of it: a 1 MB value must not come back as a
# 2 MB error. Messages and detail strings are cut, and lists keep their first items.
MAX_MESSAGE_CHARS = 500
MAX_DETAIL_CHARS = 200
MAX_DETAIL_ITEMS = 20
_MAX_DETAIL_DEPTH = 4


@dataclass(frozen=True)
class ErrorReply:
    status: int
    response: ErrorResponse
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return self.response.model_dump(mode="json")


def code_for_status(status: int) -> ErrorCode:
    if status in _CODE_BY_STATUS:
        return _CODE_BY_STATUS[status]
    return ErrorCode.BAD_REQUEST if status < 500 else ErrorCode.INTERNAL_ERROR


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return _cut(value, MAX_DETAIL_CHARS)
    if depth >= _MAX_DETAIL_DEPTH:
        return value if isinstance(value, int | float | bool) or value is None else "…"
    if isinstance(value, Mapping):
        items = list(value.items())[:MAX_DETAIL_ITEMS]
        return {_cut(str(key), MAX_DETAIL_CHARS): _clip(item, depth + 1) for key, item in items}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clip(item, depth + 1) for item in list(value)[:MAX_DETAIL_ITEMS]]
    return value


def _response(code: str, message: str, service: str, details: Mapping[str, Any] | None = None) -> ErrorResponse:
    correlation_id = current_correlation_id()
    return ErrorResponse(
        error=ErrorDetail(
            code=code,
            message=_cut(message, MAX_MESSAGE_CHARS),
            correlation_id=str(correlation_id) if correlation_id else None,
            service=service,
            details=_clip(dict(details or {})),
        )
    )


def reply_for_error(exc: HuleEduError, service: str) -> ErrorReply:
    """A deliberate error: its own code, status, message and details."""
    if exc.http_status >= 500:
        logger.error("request_failed", code=str(exc.code), message=_cut(exc.message, MAX_MESSAGE_CHARS), exc_info=exc)
    else:
        logger.info(
            "request_rejected", code=str(exc.code), message=_cut(exc.message, MAX_MESSAGE_CHARS), status=exc.http_status
        )
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitedError) and exc.retry_after_s is not None:
        # Retry-After takes whole seconds; rounding down would invite a retry that is still too early.
        headers["Retry-After"] = str(max(0, math.ceil(exc.retry_after_s)))
    return ErrorReply(exc.http_status, _response(exc.code, exc.message, service, exc.details), headers)


def reply_for_unexpected(exc: BaseException, service: str) -> ErrorReply:
    """A bug or an unplanned failure: logged with its traceback, answered without any of it."""
    logger.error("unhandled_exception", error_type=type(exc).__name__, exc_info=exc)
    message = "An unexpected error occurred; quote the correlation id when reporting it."
    return ErrorReply(500, _response(ErrorCode.INTERNAL_ERROR, message, service))


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic errors without their ``input``: a rejected body may hold a password or an essay."""
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": str(error.get("msg", "invalid value")),
            "type": str(error.get("type", "value_error")),
        }
        for error in errors
    ]


def reply_for_validation(errors: Iterable[Mapping[str, Any]], service: str) -> ErrorReply:
    fields = field_errors(errors)
    summary = "; ".join(
        f"{item['field']}: {item['message']}" if item["field"] else item["message"]
        for item in fields[:_FIELD_ERRORS_IN_MESSAGE]
    )
    if len(fields) > _FIELD_ERRORS_IN_MESSAGE:
        summary += f" (+{len(fields) - _FIELD_ERRORS_IN_MESSAGE} more)"
    logger.info("request_rejected", code=str(ErrorCode.VALIDATION_ERROR), fields=[f["field"] for f in fields])
    response = _response(ErrorCode.VALIDATION_ERROR, f"Invalid request: {summary}", service, {"fields": fields})
    return ErrorReply(400, response)


def reply_for_http_status(
    status: int, description: object, service: str, headers: Mapping[str, str] | None = None
) -> ErrorReply:
    """A framework's own HTTP error (unknown route, wrong method, malformed body, too large)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    # A 5xx description may carry internals; a 4xx one tells the caller what to fix.
    message = phrase
    details: dict[str, Any] = {}
    if status < 500 and isinstance(description, str) and description:
        message = description
    elif status < 500 and description is not None and not isinstance(description, str):
        details = {"detail": description}
    return ErrorReply(status, _response(code_for_status(status), message, service, details), dict(headers or {}))
