"""The sign-in route and the bearer check count what they decide: logins by outcome, token refusals by reason.

The routes run in a bare FastAPI app whose gateway context is made of stand-ins, so no Redis, database
or CMS is needed; the metric is read from the process registry before and after each request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from api_gateway_service.domain.access_tokens import AccessClaims, TokenRejectedError
from api_gateway_service.domain.rate_limits import Limit
from api_gateway_service.entrypoints.auth_routes import router
from api_gateway_service.entrypoints.context import GatewayLimits
from common_core.http.gateway import TokenResponse
from huleedu_service_libs.errors import ErrorCode, RateLimitedError

LOGIN = {"email": "teacher@example.org", "password": "a password"}


@dataclass
class _Limiter:
    refuse: bool = False

    async def hit(self, limit: Limit, caller: str) -> None:
        if self.refuse:
            raise RateLimitedError("too many", retry_after_s=30)


@dataclass
class _Accounts:
    status: int = 200

    async def verify(self, email: str, password: str) -> httpx.Response:
        body = {"user_id": "00000000-0000-0000-0000-000000000001"} if self.status == 200 else {}
        return httpx.Response(self.status, json=body)

    async def profile(self, user_id: str) -> httpx.Response:
        return httpx.Response(200, json={})


@dataclass
class _SignIn:
    ended: bool = False

    async def start(self, user_id: str) -> TokenResponse:
        return TokenResponse(access_token="a", refresh_token="r", expires_in=60)

    async def has_ended(self, session_id: str) -> bool:
        return self.ended


@dataclass
class _Tokens:
    refusal: ErrorCode | None = None

    def validate(self, token: str) -> AccessClaims:
        if self.refusal is not None:
            raise TokenRejectedError(self.refusal, "refused")
        return AccessClaims("teacher-1", "token-1", "session-1")


@dataclass
class _Context:
    limiter: _Limiter = field(default_factory=_Limiter)
    accounts: _Accounts = field(default_factory=_Accounts)
    sign_in: _SignIn = field(default_factory=_SignIn)
    tokens: _Tokens = field(default_factory=_Tokens)
    limits: GatewayLimits = field(
        default_factory=lambda: GatewayLimits(Limit("ip", 9, 60), Limit("user", 9, 60), Limit("login_ip", 9, 60))
    )


async def send(context: _Context, method: str, path: str, **kwargs: Any) -> httpx.Response:
    app = FastAPI()
    app.include_router(router)
    app.state.gateway = context
    # The shared error handlers are not installed here: a refusal surfaces as the exception itself.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        return await http.request(method, path, **kwargs)


def logins(outcome: str) -> float:
    return REGISTRY.get_sample_value("huleedu_logins_total", {"outcome": outcome}) or 0.0


def rejections(reason: str) -> float:
    return REGISTRY.get_sample_value("huleedu_token_rejections_total", {"reason": reason}) or 0.0


@pytest.mark.parametrize(
    ("context", "outcome"),
    [
        (_Context(), "success"),
        (_Context(accounts=_Accounts(401)), "invalid_credentials"),
        (_Context(accounts=_Accounts(429)), "locked"),
        (_Context(limiter=_Limiter(refuse=True)), "rate_limited"),
    ],
)
async def test_each_sign_in_counts_its_outcome_once(context: _Context, outcome: str):
    before = {name: logins(name) for name in ("success", "invalid_credentials", "locked", "rate_limited")}
    await send(context, "POST", "/v1/auth/login", json=LOGIN)
    after = {name: logins(name) for name in before}
    assert {name: after[name] - before[name] for name in before} == {
        name: 1.0 if name == outcome else 0.0 for name in before
    }


@pytest.mark.parametrize(
    ("context", "headers", "reason"),
    [
        (_Context(), {}, "missing"),
        (_Context(tokens=_Tokens(ErrorCode.TOKEN_EXPIRED)), {"Authorization": "Bearer x"}, "expired"),
        (_Context(tokens=_Tokens(ErrorCode.TOKEN_BAD_SIGNATURE)), {"Authorization": "Bearer x"}, "invalid"),
        (_Context(sign_in=_SignIn(ended=True)), {"Authorization": "Bearer x"}, "revoked"),
    ],
)
async def test_each_refused_token_counts_its_reason(context: _Context, headers: dict[str, str], reason: str):
    before = rejections(reason)
    await send(context, "GET", "/v1/me", headers=headers)
    assert rejections(reason) == before + 1


async def test_an_accepted_token_is_not_counted():
    before = {name: rejections(name) for name in ("missing", "expired", "invalid", "revoked")}
    response = await send(_Context(), "GET", "/v1/me", headers={"Authorization": "Bearer x"})
    assert response.status_code == 200
    assert {name: rejections(name) for name in before} == before
