"""Service-to-service authentication for ``/internal/...`` routes (ARCHITECTURE §4).

The caller sends the shared key and its own service id; the callee compares the key in
constant time and checks the id against an allow-list. A missing or wrong key is 401, a
caller not on the list is 403. The framework guards live in ``quart_support`` and
``fastapi_support``; both call :meth:`InternalAuth.authorize`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from huleedu_service_libs.correlation import HEADER as CORRELATION_HEADER
from huleedu_service_libs.correlation import current_correlation_id
from huleedu_service_libs.errors import ForbiddenError, UnauthorizedError

API_KEY_HEADER = "X-Internal-API-Key"
SERVICE_ID_HEADER = "X-Service-ID"
INTERNAL_PATH_PREFIX = "/internal"


def internal_headers(service_id: str, api_key: str) -> dict[str, str]:
    """Headers for a call to another service's internal API, with the current correlation id."""
    headers = {API_KEY_HEADER: api_key, SERVICE_ID_HEADER: service_id}
    correlation_id = current_correlation_id()
    if correlation_id is not None:
        headers[CORRELATION_HEADER] = str(correlation_id)
    return headers


def is_internal_path(path: str) -> bool:
    return path == INTERNAL_PATH_PREFIX or path.startswith(INTERNAL_PATH_PREFIX + "/")


def keys_match(given: str, expected: str) -> bool:
    """Constant-time equality that also hides the expected key's length.

    ``compare_digest`` on the raw strings returns early when the lengths differ; comparing
    fixed-size digests makes every comparison take the same path.
    """
    given_digest = hashlib.sha256(given.encode("utf-8")).digest()
    expected_digest = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(given_digest, expected_digest)


class InternalAuth:
    """The callee's side: one key, and the services allowed to call this app's internal API."""

    def __init__(self, api_key: str, allowed_services: Iterable[str] = ()) -> None:
        if not api_key:
            raise ValueError("an internal API key is required; there is no default key")
        self._api_key = api_key
        self.allowed_services = frozenset(allowed_services)

    def authorize(self, api_key: str | None, service_id: str | None, *, allowed: Iterable[str] | None = None) -> str:
        """The caller's service id, or :class:`UnauthorizedError` / :class:`ForbiddenError`.

        ``allowed`` narrows the app-wide list for one route; an empty list admits no one, so a
        route nobody configured fails closed.
        """
        if not api_key:
            raise UnauthorizedError(f"Missing {API_KEY_HEADER} header")
        if not keys_match(api_key, self._api_key):
            raise UnauthorizedError(f"Invalid {API_KEY_HEADER}")
        permitted = self.allowed_services if allowed is None else self.allowed_services & frozenset(allowed)
        if not service_id or service_id not in permitted:
            raise ForbiddenError(
                f"Service {service_id or '(none)'!r} may not call this internal route",
                details={"service_id": service_id},
            )
        return service_id
