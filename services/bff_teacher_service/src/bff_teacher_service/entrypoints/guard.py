"""Only the gateway reaches the views: the key and its service id are checked before routing.

Before routing, so a caller without the key learns nothing from the router either: not which
paths exist (404) nor which methods a path takes (405 with ``Allow``).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from huleedu_service_libs.http.internal_auth import API_KEY_HEADER, SERVICE_ID_HEADER, InternalAuth

VIEW_PREFIX = "/bff/"
GATEWAY = "api_gateway_service"


class GatewayOnlyMiddleware:
    def __init__(self, app: ASGIApp, auth: InternalAuth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"] + "/").startswith(VIEW_PREFIX):
            headers = Headers(scope=scope)
            self.auth.authorize(headers.get(API_KEY_HEADER), headers.get(SERVICE_ID_HEADER))
        await self.app(scope, receive, send)
