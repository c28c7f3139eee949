"""Sessions: a verified teacher gets an access token and a refresh token; a refresh exchanges the pair."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from api_gateway_service.adapters.refresh_tokens import IssuedRefreshToken, SessionStore
from api_gateway_service.domain.access_tokens import AccessTokens
from common_core.http.gateway import TokenResponse


@dataclass(frozen=True)
class SignIn:
    tokens: AccessTokens
    sessions: SessionStore

    async def start(self, user_id: str) -> TokenResponse:
        now = _now()
        return self._pair(await self.sessions.start(user_id, now), now)

    async def refresh(self, refresh_token: str) -> TokenResponse:
        now = _now()
        return self._pair(await self.sessions.rotate(refresh_token, now), now)

    async def end(self, refresh_token: str) -> None:
        await self.sessions.end(refresh_token, _now())

    async def end_others(self, user_id: str, session_id: str) -> None:
        await self.sessions.end_others(user_id, uuid.UUID(session_id), _now())

    def _pair(self, refresh: IssuedRefreshToken, now: datetime) -> TokenResponse:
        access = self.tokens.issue(refresh.user_id, str(refresh.family_id), now)
        return TokenResponse(access_token=access.token, refresh_token=refresh.token, expires_in=access.expires_in)


def _now() -> datetime:
    # Whole seconds: the JWT's iat/nbf/exp are whole seconds, and the database keeps the same instant.
    return datetime.now(UTC).replace(microsecond=0)
