"""Sign-in sessions in the gateway's database: opaque refresh tokens, stored only as their sha256.

Every refresh exchanges the presented token for a new one in the same family. A token is good
for one exchange: presenting it again means two parties hold it (a stolen copy, or the owner
after a thief already used it), and since the gateway cannot tell which one is the owner, the
whole family is revoked and both must sign in again (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).

The token row and its family are read ``FOR UPDATE``, so two exchanges of the same token at
once are serialised: the second sees the first's rotation and counts as a reuse.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_gateway_service.adapters.tables import refresh_tokens, token_families
from api_gateway_service.domain.access_tokens import TokenRejectedError
from huleedu_service_libs.errors import ErrorCode

REFRESH_TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    # A plain sha256 suffices: the token is 256 random bits, so there is nothing to guess or salt.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedRefreshToken:
    token: str
    user_id: str
    family_id: uuid.UUID


class RefreshTokenReusedError(TokenRejectedError):
    """A used refresh token came back: its family is revoked (committed before this is raised)."""

    def __init__(self, family_id: uuid.UUID) -> None:
        super().__init__(
            ErrorCode.REFRESH_TOKEN_REUSED,
            "This refresh token was already used; the session is ended for safety, sign in again",
        )
        self.family_id = family_id


@dataclass(frozen=True)
class _PresentedToken:
    family_id: uuid.UUID
    user_id: str
    expires_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None


class SessionStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl_s: int) -> None:
        self._sessions = sessions
        self._ttl = timedelta(seconds=ttl_s)

    async def start(self, user_id: str, now: datetime) -> IssuedRefreshToken:
        """A new sign-in: a new family with its first token."""
        family_id = uuid.uuid4()
        async with self._sessions() as session, session.begin():
            await session.execute(token_families.insert().values(family_id=family_id, user_id=user_id, created_at=now))
            token = await self._add_token(session, family_id, now)
        return IssuedRefreshToken(token, user_id, family_id)

    async def rotate(self, presented: str, now: datetime) -> IssuedRefreshToken:
        """Exchange ``presented`` for a new token of its family; 401 with the reason otherwise."""
        outcome: IssuedRefreshToken | TokenRejectedError
        async with self._sessions() as session, session.begin():
            row = await self._locked(session, presented)
            if row is None:
                outcome = _invalid()
            elif row.revoked_at is not None:
                outcome = TokenRejectedError(ErrorCode.REFRESH_TOKEN_REVOKED, "This session has ended; sign in again")
            elif row.rotated_at is not None:
                await _revoke_family(session, row.family_id, "reuse", now)
                outcome = RefreshTokenReusedError(row.family_id)
            elif row.expires_at <= now:
                outcome = TokenRejectedError(ErrorCode.REFRESH_TOKEN_EXPIRED, "The session has expired; sign in again")
            else:
                await session.execute(
                    update(refresh_tokens)
                    .where(refresh_tokens.c.token_hash == token_hash(presented))
                    .values(rotated_at=now)
                )
                token = await self._add_token(session, row.family_id, now)
                outcome = IssuedRefreshToken(token, row.user_id, row.family_id)
        # Raised after the block, so a reuse's revocation is committed, not rolled back with the error.
        if isinstance(outcome, TokenRejectedError):
            raise outcome
        return outcome

    async def end(self, presented: str, now: datetime) -> uuid.UUID:
        """Logout: revoke the token's family (ending an ended session again changes nothing); its id."""
        async with self._sessions() as session, session.begin():
            row = await self._locked(session, presented)
            if row is None:
                raise _invalid()
            if row.revoked_at is None:
                await _revoke_family(session, row.family_id, "logout", now)
            return row.family_id

    async def end_others(self, user_id: str, keep: uuid.UUID, now: datetime) -> list[uuid.UUID]:
        """Revoke every live session of the teacher except ``keep`` (after a password change); their ids."""
        async with self._sessions() as session, session.begin():
            ended = await session.execute(
                update(token_families)
                .where(
                    token_families.c.user_id == user_id,
                    token_families.c.family_id != keep,
                    token_families.c.revoked_at.is_(None),
                )
                .values(revoked_at=now, revoked_reason="password_change")
                .returning(token_families.c.family_id)
            )
            return list(ended.scalars())

    async def forget_user(self, user_id: str) -> list[uuid.UUID]:
        """Delete every session of the teacher, live or not, with its refresh tokens (the account is gone);
        the ids of those that were live, whose access tokens must stop working."""
        async with self._sessions() as session, session.begin():
            families = token_families.c
            live = await session.scalars(
                select(families.family_id).where(families.user_id == user_id, families.revoked_at.is_(None))
            )
            ended = list(live)
            await session.execute(delete(token_families).where(families.user_id == user_id))
            return ended

    async def _add_token(self, session: AsyncSession, family_id: uuid.UUID, now: datetime) -> str:
        token = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
        await session.execute(
            refresh_tokens.insert().values(
                token_hash=token_hash(token), family_id=family_id, issued_at=now, expires_at=now + self._ttl
            )
        )
        return token

    async def _locked(self, session: AsyncSession, presented: str) -> _PresentedToken | None:
        query = (
            select(
                refresh_tokens.c.family_id,
                refresh_tokens.c.expires_at,
                refresh_tokens.c.rotated_at,
                token_families.c.user_id,
                token_families.c.revoked_at,
            )
            .join(token_families, token_families.c.family_id == refresh_tokens.c.family_id)
            .where(refresh_tokens.c.token_hash == token_hash(presented))
            .with_for_update()
        )
        row = (await session.execute(query)).one_or_none()
        return None if row is None else _PresentedToken(**row._mapping)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, reason: str, now: datetime) -> None:
    await session.execute(
        update(token_families)
        .where(token_families.c.family_id == family_id, token_families.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def _invalid() -> TokenRejectedError:
    return TokenRejectedError(ErrorCode.REFRESH_TOKEN_INVALID, "The refresh token is not valid; sign in again")
