"""What every request meets before its route: the per-IP limit and the body size limit.

Both run inside the shared error boundary (``setup_fastapi_app(edge_middleware=...)``), so a
refusal gets the error body, the correlation id and a metric; and before the input guard, so a
huge JSON body is refused before anything buffers it. Uploads (multipart) are exempt from the
body limit: the upload routes enforce the content service's larger limits while streaming.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api_gateway_service.domain.rate_limits import Limit
from api_gateway_service.service_layer.ports import RequestLimiter
from huleedu_service_libs.errors import PayloadTooLargeError
from huleedu_service_libs.http.correlation_middleware import HttpMiddleware
from huleedu_service_libs.http.metrics import HEALTH_PATH, METRICS_PATH

# Probes and scrapes come from the platform itself, often from one address.
_UNLIMITED_PATHS = frozenset({HEALTH_PATH, METRICS_PATH})


def client_ip(scope: Scope) -> str:
    # The socket's peer: X-Forwarded-For is the client's to write, so it is not trusted here.
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class IpLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RequestLimiter, limit: Limit) -> None:
        self.app = app
        self.limiter = limiter
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in _UNLIMITED_PATHS:
            await self.limiter.hit(self.limit, client_ip(scope))
        await self.app(scope, receive, send)


class BodyLimitMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        if headers.get("content-type", "").lower().startswith("multipart/form-data"):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        received = 0

        # Counted as it arrives too: a chunked body declares no length.
        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, counting_receive, send)

    def _too_large(self) -> PayloadTooLargeError:
        return PayloadTooLargeError(
            f"The request body is larger than {self.max_bytes} bytes", details={"max_bytes": self.max_bytes}
        )
