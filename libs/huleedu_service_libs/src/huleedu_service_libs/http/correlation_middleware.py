"""ASGI middleware that gives every HTTP request a correlation id, for Quart and FastAPI alike.

A valid UUID in ``X-Correlation-ID`` is kept; anything else is replaced by a new one, so a
client cannot inject arbitrary text into our logs and events. The id is bound for the whole
request (handlers, error handlers, log lines, outgoing calls) and echoed in the response.

``HttpMiddleware`` is the base of this and the other HTTP-only middlewares (metrics, error
boundary, input guard, the gateway's body limit): it passes lifespan and websocket scopes through.
"""

from __future__ import annotations

import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huleedu_service_libs.correlation import HEADER, correlation_scope, parse_correlation_id

_HEADER_BYTES = HEADER.lower().encode("latin-1")


class HttpMiddleware:
    """An ASGI middleware for HTTP requests: other scopes (lifespan, websockets) pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request: subclasses wrap ``self.app`` here."""
        await self.app(scope, receive, send)


def _request_header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class CorrelationIdMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        correlation_id = parse_correlation_id(_request_header(scope, _HEADER_BYTES))
        with correlation_scope(correlation_id or uuid.uuid4()) as bound:
            echoed = str(bound).encode("latin-1")

            async def send_with_header(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = [(k, v) for k, v in message.get("headers", ()) if bytes(k).lower() != _HEADER_BYTES]
                    message = {**message, "headers": [*headers, (_HEADER_BYTES, echoed)]}
                await send(message)

            await self.app(scope, receive, send_with_header)
