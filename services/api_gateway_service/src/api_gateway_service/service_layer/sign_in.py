"""Sessions: a verified teacher gets an access token and a refresh token; a refresh exchanges the pair.

Ending a session (logout, another session's password change, a refresh-token reuse) revokes it
in the database and adds it to the ended sessions, so its access tokens stop working too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from api_gateway_service.adapters.ended_sessions import EndedSessions
from api_gateway_service.adapters.refresh_tokens import IssuedRefreshToken, RefreshTokenReusedError, SessionStore
from api_gateway_service.domain.access_tokens import AccessTokens
from common_core.http.gateway import TokenResponse


@dataclass(frozen=True)
class SignIn:
    tokens: AccessTokens
    sessions: SessionStore
    ended: EndedSessions

    async def start(self, user_id: str) -> TokenResponse:
        now = _now()
        return self._pair(await self.sessions.start(user_id, now), now)

    async def refresh(self, refresh_token: str) -> TokenResponse:
        now = _now()
        try:
            issued = await self.sessions.rotate(refresh_token, now)
        except RefreshTokenReusedError as reuse:
            await self.ended.add([str(reuse.family_id)])
            raise
        return self._pair(issued, now)

    async def end(self, refresh_token: str) -> None:
        ended = await self.sessions.end(refresh_token, _now())
        await self.ended.add([str(ended)])

    async def end_others(self, user_id: str, session_id: str) -> None:
        ended = await self.sessions.end_others(user_id, uuid.UUID(session_id), _now())
        await self.ended.add(str(family_id) for family_id in ended)

    async def forget_user(self, user_id: str) -> None:
        """The account was deleted: every session ends, and the gateway keeps nothing of them."""
        await self.ended.add(str(family_id) for family_id in await self.sessions.forget_user(user_id))

    async def has_ended(self, session_id: str) -> bool:
        return await self.ended.contains(session_id)

    def _pair(self, refresh: IssuedRefreshToken, now: datetime) -> TokenResponse:
        access = self.tokens.issue(refresh.user_id, str(refresh.family_id), now)
        return TokenResponse(access_token=access.token, refresh_token=refresh.token, expires_in=access.expires_in)


def _now() -> datetime:
    # Whole seconds: the JWT's iat/nbf/exp are whole seconds, and the database keeps the same instant.
    return datetime.now(UTC).replace(microsecond=0)
