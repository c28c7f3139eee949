"""The one way a client's request reaches an internal service (ARCHITECTURE §4).

Headers are built, not merged. A client header reaches a service only if it is on a short list
of harmless ones (content negotiation, ``Idempotency-Key``, ``Last-Event-ID``); everything else
stays at the gateway: whatever ``X-User-ID``, ``X-Org-ID``, ``X-Service-ID`` or ``X-Internal-*``
a client sent, in any case and however often repeated (a service reads the first of repeated
headers, so one left over would be an impersonation), and its bearer token. The gateway then
adds the internal key, its own service id, the correlation id and the caller's ``X-User-ID``
from the validated token.

What the service answers passes back unchanged, its status and error body included. Only the
gateway's own failures to get an answer are its own: a service that does not answer in time is
a 504, one that cannot be reached a 503, a broken answer a 502, each with the standard body.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from pydantic import BaseModel
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse

from huleedu_service_libs.errors import (
    DependencyTimeoutError,
    ExternalServiceError,
    ServiceUnavailableError,
    ValidationFailedError,
)
from huleedu_service_libs.http.identity import USER_ID_HEADER
from huleedu_service_libs.http.internal_auth import internal_headers

logger = structlog.stdlib.get_logger(__name__)

GATEWAY_SERVICE_ID = "api_gateway_service"

CLIENT_HEADERS_PASSED_ON = frozenset(
    {"accept", "accept-language", "content-type", "content-length", "idempotency-key", "last-event-id"}
)
# The body is passed back decoded, so Content-Encoding and Content-Length are the gateway's own.
RESPONSE_HEADERS_PASSED_BACK = frozenset(
    {"content-type", "retry-after", "location", "cache-control", "etag", "last-modified", "content-disposition"}
)
_BODY_HEADERS = frozenset({"content-type", "content-length"})
_UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Downstream:
    """An internal service: its name (for error messages) and base URL."""

    name: str
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


def outgoing_headers(
    client_headers: Iterable[tuple[str, str]], *, user_id: str | None, api_key: str
) -> list[tuple[str, str]]:
    """The headers a downstream request carries: the harmless client ones, then the gateway's own.

    ``user_id`` None: a request on nobody's behalf (the dashboard's public files) names no user.
    """
    passed_on = [(name, value) for name, value in client_headers if name.lower() in CLIENT_HEADERS_PASSED_ON]
    own = internal_headers(GATEWAY_SERVICE_ID, api_key)
    if user_id is not None:
        own[USER_ID_HEADER] = user_id
    return passed_on + list(own.items())


def _query(params: Mapping[str, Any] | Sequence[tuple[str, str]] | None) -> httpx.QueryParams:
    """A route's named parameters (``None``: left out) or a client's query passed on as it came."""
    if params is None:
        return httpx.QueryParams()
    if isinstance(params, Mapping):
        return httpx.QueryParams({key: value for key, value in params.items() if value is not None})
    return httpx.QueryParams(list(params))


def _without_body_headers(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in headers if name.lower() not in _BODY_HEADERS)


def _headers_passed_back(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.lower() in RESPONSE_HEADERS_PASSED_BACK}


@dataclass(frozen=True)
class Proxy:
    """Sends requests on behalf of one authenticated caller, or of nobody; built per request by a dependency."""

    # Its timeouts bound every call; connecting has its own short bound, so a dead service fails fast.
    client: httpx.AsyncClient
    api_key: str
    # The read and write bound of calls that work before answering: an upload's vetting, an estimate.
    long_timeout_s: float
    # None for the dashboard's public files: no user is named downstream.
    user_id: str | None
    client_headers: tuple[tuple[str, str], ...]

    async def send(
        self,
        service: Downstream,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, str]] | None = None,
        body: BaseModel | None = None,
        content: AsyncIterable[bytes] | None = None,
        long: bool = False,
        stream: bool = False,
        read_timeout_s: float | None = None,
    ) -> httpx.Response:
        """The service's answer, read unless ``stream``; the gateway's error when there is none.

        ``body`` is sent as the JSON the gateway validated (fields the client left out stay out),
        never the client's raw bytes, so the service parses exactly what the gateway checked.
        ``content`` is a stream passed on as it arrives, with the client's content type.
        ``read_timeout_s`` replaces the read bound alone: the longest silence a stream may keep.
        """
        # The client's body headers describe the client's body; only a streamed one is passed on as is.
        headers = self.client_headers if content is not None else _without_body_headers(self.client_headers)
        encoded: bytes | None = None
        if body is not None:
            encoded = body.model_dump_json(exclude_unset=True).encode()
            headers = (*headers, ("content-type", "application/json"))
        try:
            request = self.client.build_request(
                method,
                service.url(path),
                params=_query(params),
                headers=outgoing_headers(headers, user_id=self.user_id, api_key=self.api_key),
                content=encoded if encoded is not None else content,
                timeout=self._long_timeout() if long else self._read_timeout(read_timeout_s),
            )
        except httpx.InvalidURL as exc:
            # Only the dashboard's routes pass a client's path and query on as they came.
            raise ValidationFailedError(f"The request cannot be passed on: {exc}") from None
        try:
            return await self.client.send(request, stream=stream)
        except ClientDisconnect:
            # The client went away mid-body: its mistake, and no answer reaches it; not a gateway error.
            raise ValidationFailedError("The request body broke off before it was complete") from None
        except _UNREACHABLE as exc:
            logger.warning("downstream_unreachable", service=service.name, error_type=type(exc).__name__)
            raise ServiceUnavailableError(
                f"{service.name} is unavailable; try again shortly", details={"service": service.name}
            ) from None
        except httpx.TimeoutException as exc:
            logger.warning("downstream_timeout", service=service.name, error_type=type(exc).__name__)
            raise DependencyTimeoutError(
                f"{service.name} did not answer in time; try again shortly", details={"service": service.name}
            ) from None
        except httpx.TransportError as exc:
            logger.warning("downstream_broken_answer", service=service.name, error_type=type(exc).__name__)
            raise ExternalServiceError(
                f"{service.name} gave a broken answer; try again shortly", details={"service": service.name}
            ) from None

    def _long_timeout(self) -> httpx.Timeout:
        usual = self.client.timeout
        return httpx.Timeout(
            connect=usual.connect, read=self.long_timeout_s, write=self.long_timeout_s, pool=usual.pool
        )

    def _read_timeout(self, read_timeout_s: float | None) -> httpx.Timeout:
        usual = self.client.timeout
        if read_timeout_s is None:
            return usual
        return httpx.Timeout(connect=usual.connect, read=read_timeout_s, write=usual.write, pool=usual.pool)

    async def forward(self, service: Downstream, method: str, path: str, **kwargs: Any) -> Response:
        """Send, and answer the client with whatever the service answered."""
        return relay(await self.send(service, method, path, **kwargs))

    async def forward_stream(self, service: Downstream, method: str, path: str, **kwargs: Any) -> Response:
        """Like :meth:`forward`, but the answer is streamed back as it arrives (Server-Sent Events)."""
        response = await self.send(service, method, path, stream=True, **kwargs)
        return StreamingResponse(
            _passed_on_then_closed(response), status_code=response.status_code, headers=_headers_passed_back(response)
        )


async def _passed_on_then_closed(response: httpx.Response) -> AsyncIterator[bytes]:
    # Closed however the stream ends, a client that went away included, so no connection leaks.
    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    finally:
        await response.aclose()


def relay(response: httpx.Response) -> Response:
    """The service's read answer as the client's: status, body and the meaningful headers."""
    return Response(response.content, status_code=response.status_code, headers=_headers_passed_back(response))
