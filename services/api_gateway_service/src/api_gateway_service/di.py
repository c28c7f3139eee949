"""Dishka wiring: the shared database and Redis, plus the gateway's HTTP client, tokens, limits and sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import redis.asyncio as aioredis
from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_gateway_service.adapters.accounts import Accounts
from api_gateway_service.adapters.ended_sessions import EndedSessions
from api_gateway_service.adapters.rate_limits import RateLimiter
from api_gateway_service.adapters.refresh_tokens import SessionStore
from api_gateway_service.config import Settings
from api_gateway_service.domain.access_tokens import AccessTokens, SigningKeys
from api_gateway_service.entrypoints.context import GatewayContext, GatewayLimits
from api_gateway_service.service_layer.sign_in import SignIn

# Waiting for a pooled connection is the gateway's own congestion: fail fast rather than queue.
POOL_TIMEOUT_S = 5.0


class GatewayProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def http(self, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
        # No base URL and no default headers: every call names its service, and the proxy builds
        # each request's headers itself, so nothing a client sent can ride along by default.
        timeout = httpx.Timeout(
            connect=settings.downstream_connect_timeout_s,
            read=settings.downstream_timeout_s,
            write=settings.downstream_timeout_s,
            pool=POOL_TIMEOUT_S,
        )
        client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        yield client
        await client.aclose()

    @provide(scope=Scope.APP)
    def keys(self, settings: Settings) -> SigningKeys:
        if settings.jwt_algorithm == "RS256" and settings.jwt_private_key is not None:
            return SigningKeys.rs256(settings.jwt_private_key.get_secret_value(), settings.jwt_key_id)
        return SigningKeys.hs256(settings.effective_jwt_secret())

    @provide(scope=Scope.APP)
    def tokens(self, settings: Settings, keys: SigningKeys) -> AccessTokens:
        return AccessTokens(
            keys, settings.jwt_issuer, settings.jwt_audience, settings.access_token_ttl_s, settings.jwt_leeway_s
        )

    @provide(scope=Scope.APP)
    def limiter(self, settings: Settings, redis: aioredis.Redis) -> RateLimiter:
        return RateLimiter(redis, settings.redis_key_prefix, settings.service_name)

    @provide(scope=Scope.APP)
    def sign_in(
        self,
        settings: Settings,
        tokens: AccessTokens,
        sessions: async_sessionmaker[AsyncSession],
        redis: aioredis.Redis,
    ) -> SignIn:
        # Remembered as long as any access token of the session can still be accepted.
        remember_s = settings.access_token_ttl_s + settings.jwt_leeway_s
        ended = EndedSessions(redis, settings.redis_key_prefix, remember_s)
        return SignIn(tokens, SessionStore(sessions, settings.refresh_token_ttl_s), ended)

    @provide(scope=Scope.APP)
    def context(
        self,
        settings: Settings,
        http: httpx.AsyncClient,
        keys: SigningKeys,
        tokens: AccessTokens,
        limiter: RateLimiter,
        sign_in: SignIn,
    ) -> GatewayContext:
        accounts = Accounts(http, settings.class_management_service_url, settings.effective_internal_api_key())
        limits = GatewayLimits.from_settings(settings)
        return GatewayContext(settings, http, keys, tokens, limiter, limits, sign_in, accounts)
