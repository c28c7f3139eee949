"""What a request handler reaches through the app: the gateway's settings, HTTP client, tokens and limits.

``create_app`` puts one :class:`GatewayContext` on ``app.state.gateway``, and the shared
``httpx.AsyncClient`` also on ``app.state.http`` (for the proxy). Both come from the Dishka
container, which closes them when the app shuts down.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from fastapi import Request

from api_gateway_service.config import Settings
from api_gateway_service.domain.access_tokens import AccessTokens, SigningKeys
from api_gateway_service.domain.rate_limits import Limit
from api_gateway_service.service_layer.ports import Accounts, RequestLimiter
from api_gateway_service.service_layer.sign_in import SignIn


@dataclass(frozen=True)
class GatewayLimits:
    per_ip: Limit
    per_user: Limit
    login_per_ip: Limit

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayLimits:
        window = settings.rate_limit_window_s
        return cls(
            per_ip=Limit("ip", settings.ip_request_limit, window),
            per_user=Limit("user", settings.user_request_limit, window),
            login_per_ip=Limit("login_ip", settings.login_ip_limit, window),
        )


@dataclass(frozen=True)
class GatewayContext:
    settings: Settings
    http: httpx.AsyncClient
    keys: SigningKeys
    tokens: AccessTokens
    limiter: RequestLimiter
    limits: GatewayLimits
    sign_in: SignIn
    accounts: Accounts


def gateway_context(request: Request) -> GatewayContext:
    context: GatewayContext = request.app.state.gateway
    return context


def http_client(request: Request) -> httpx.AsyncClient:
    """The app's one downstream client (a FastAPI dependency); its timeouts come from the settings."""
    return gateway_context(request).http
