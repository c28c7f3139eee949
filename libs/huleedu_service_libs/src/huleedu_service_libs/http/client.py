"""Outgoing internal HTTP: a client with explicit timeouts and auth, and idempotent-only retries.

Every request the client sends carries ``X-Internal-API-Key``, ``X-Service-ID`` and the
current ``X-Correlation-ID`` (ARCHITECTURE §4). The client itself never retries; call
:func:`request_with_retries` for calls that are safe to repeat.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import structlog

from huleedu_service_libs.errors import HuleEduError
from huleedu_service_libs.http.internal_auth import internal_headers

logger = structlog.stdlib.get_logger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
_RETRYABLE_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout)


def make_http_client(
    base_url: str,
    *,
    service_id: str,
    api_key: str,
    timeout_s: float = 10.0,
    connect_timeout_s: float = 3.0,
    pool_timeout_s: float = 5.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """A client for another service's internal API; close it (``aclose``) on shutdown.

    ``timeout_s`` bounds each read and write; connecting and waiting for a pooled
    connection have their own, shorter bounds so that a dead peer fails fast.
    """

    async def add_internal_headers(request: httpx.Request) -> None:
        # Per request, not per client: the correlation id belongs to the work in progress.
        request.headers.update(internal_headers(service_id, api_key))

    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(connect=connect_timeout_s, read=timeout_s, write=timeout_s, pool=pool_timeout_s),
        event_hooks={"request": [add_internal_headers]},
        transport=transport,
    )


def passed_on(response: httpx.Response, error: type[HuleEduError], fallback_message: str) -> HuleEduError:
    """A peer's refusal as this service's ``error``: the message and details of the peer's error body.

    ``fallback_message`` stands in when the body has no message (or is not the platform's error JSON).
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    found = body.get("error") if isinstance(body, dict) else None
    body_error: dict[str, Any] = found if isinstance(found, dict) else {}
    details = body_error.get("details")
    message = str(body_error.get("message") or fallback_message)
    return error(message, details=details if isinstance(details, dict) else None)


def _retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def _backoff_s(attempt: int, base_s: float, max_s: float) -> float:
    # Jitter spreads the retries of many callers that failed together; not a security use.
    return min(max_s, base_s * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)  # noqa: S311


def retry_after_s(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, given as a number or as an HTTP date; ``None`` if absent or invalid."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def request_with_retries(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    max_attempts: int = 3,
    backoff_s: float = 0.2,
    max_backoff_s: float = 5.0,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request, retrying idempotent methods on connection failures, 429 and 5xx.

    A POST or PATCH is sent exactly once: repeating it could do the work twice. Waits
    grow exponentially up to ``max_backoff_s``; a ``Retry-After`` is honoured, and one
    longer than ``max_backoff_s`` ends the retries and returns that response. The last
    response (or connection error) is returned (or raised) as is.
    """
    method = method.upper()
    attempts = max_attempts if method in IDEMPOTENT_METHODS else 1
    attempt = 1
    while True:
        try:
            response = await client.request(method, url, **kwargs)
        except _RETRYABLE_ERRORS as exc:
            if attempt >= attempts:
                raise
            delay = _backoff_s(attempt, backoff_s, max_backoff_s)
            reason = type(exc).__name__
        else:
            if attempt >= attempts or not _retryable_status(response.status_code):
                return response
            requested = retry_after_s(response)
            if requested is not None and requested > max_backoff_s:
                return response
            delay = requested if requested is not None else _backoff_s(attempt, backoff_s, max_backoff_s)
            reason = str(response.status_code)
            await response.aclose()
        logger.warning("http_retry", method=method, url=url, attempt=attempt, reason=reason, delay_s=round(delay, 3))
        await asyncio.sleep(delay)
        attempt += 1
