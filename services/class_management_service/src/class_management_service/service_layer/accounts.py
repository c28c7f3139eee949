"""Teacher accounts: creation, the credential check behind sign-in, password changes, profiles, the dev demo teacher."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.passwords import Passwords
from class_management_service.adapters.tables import teachers
from class_management_service.metrics import LOGIN_ATTEMPTS, PASSWORD_CHANGES
from class_management_service.service_layer.context import ServiceContext
from common_core.http.class_management import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    ChangePasswordRequest,
    UserProfile,
    VerifyCredentialsRequest,
)
from huleedu_service_libs.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
    ValidationFailedError,
)

logger = structlog.stdlib.get_logger(__name__)

DEFAULT_LOCALE = "sv-SE"
# Development only (seeded when HULEEDU_DEV_MODE=1); documented in the README.
DEMO_EMAIL = "demo@huleedu.local"
DEMO_PASSWORD = "huleedu-demo-password"  # noqa: S105 - a published dev credential, never seeded outside dev mode
DEMO_DISPLAY_NAME = "Demo Teacher"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _profile(row: Any) -> UserProfile:
    return UserProfile(
        user_id=row.id, email=row.email, display_name=row.display_name, locale=row.locale, created_at=row.created_at
    )


def check_password_rules(password: str) -> None:
    """The one rule for a new password, at creation and at every change."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")


async def create_teacher(
    session: AsyncSession,
    passwords: Passwords,
    *,
    email: str,
    display_name: str,
    password: str,
    locale: str = DEFAULT_LOCALE,
) -> UserProfile:
    """Insert a teacher in the session's transaction; :class:`ConflictError` if the email is taken."""
    check_password_rules(password)
    if not display_name.strip():
        raise ValueError("the display name is empty")
    values = {
        "id": uuid.uuid4(),
        "email": normalise_email(email),
        "display_name": display_name.strip(),
        "password_hash": await passwords.hash(password),
        "locale": locale,
    }
    try:
        async with session.begin_nested():
            row = (await session.execute(insert(teachers).values(**values).returning(teachers))).one()
    except IntegrityError:
        raise ConflictError(f"A teacher with the email {values['email']} already exists") from None
    return _profile(row)


async def verify_credentials(ctx: ServiceContext, request: VerifyCredentialsRequest) -> UserProfile:
    """The teacher for these credentials, or 401; 429 while the account is locked."""
    email = normalise_email(request.email)
    lock = await ctx.login_guard.state(email)
    if lock.locked:
        LOGIN_ATTEMPTS.labels("locked").inc()
        raise _locked_error(lock.retry_after_s)
    async with ctx.sessions() as session:
        row = (await session.execute(select(teachers).where(teachers.c.email == email))).one_or_none()
    if not await ctx.passwords.verify(row.password_hash if row else None, request.password) or row is None:
        LOGIN_ATTEMPTS.labels("invalid").inc()
        after = await ctx.login_guard.record_failure(email)
        if after.locked:
            raise _locked_error(after.retry_after_s)
        raise UnauthorizedError("Invalid email or password")
    await ctx.login_guard.clear(email)
    if ctx.passwords.needs_rehash(row.password_hash):
        new_hash = await ctx.passwords.hash(request.password)
        async with ctx.sessions() as session, session.begin():
            await session.execute(update(teachers).where(teachers.c.id == row.id).values(password_hash=new_hash))
    LOGIN_ATTEMPTS.labels("success").inc()
    return _profile(row)


def _locked_error(retry_after_s: int, attempts: str = "sign-in attempts") -> RateLimitedError:
    minutes = max(1, round(retry_after_s / 60))
    return RateLimitedError(
        f"Too many failed {attempts} for this account; it is locked. Try again in about {minutes} minute(s).",
        retry_after_s=retry_after_s,
        details={"retry_after_seconds": retry_after_s},
    )


async def change_password(ctx: ServiceContext, caller_id: str, request: ChangePasswordRequest) -> None:
    """Replace the caller's password after checking the old one.

    A wrong old password counts toward the same lock as a failed sign-in: it is the same secret
    being guessed, and a stolen session must not be able to guess its way to a permanent takeover.
    It is a 403, not a 401: the caller is signed in, and a 401 would tell the app its session is gone.
    """
    _check_new_password(request)
    row = await _teacher_row(ctx.sessions, caller_id)
    lock = await ctx.login_guard.state(row.email)
    if lock.locked:
        PASSWORD_CHANGES.labels("locked").inc()
        raise _locked_error(lock.retry_after_s, "password attempts")
    if not await ctx.passwords.verify(row.password_hash, request.old_password):
        PASSWORD_CHANGES.labels("wrong_old_password").inc()
        after = await ctx.login_guard.record_failure(row.email)
        if after.locked:
            raise _locked_error(after.retry_after_s, "password attempts")
        raise ForbiddenError(
            "The current password is not correct",
            details={"reason": "wrong_old_password", "fields": [{"field": "old_password", "message": "not correct"}]},
        )
    new_hash = await ctx.passwords.hash(request.new_password)
    async with ctx.sessions() as session, session.begin():
        # Only over the hash just checked: of two changes at once, the second one fails instead of
        # silently replacing a password its caller never knew.
        changed = await session.execute(
            update(teachers)
            .where(teachers.c.id == row.id, teachers.c.password_hash == row.password_hash)
            .values(password_hash=new_hash, updated_at=func.now())
            .returning(teachers.c.id)
        )
        if changed.first() is None:
            raise ConflictError("Another request changed the password at the same moment; this one changed nothing")
    await ctx.login_guard.clear(row.email)
    PASSWORD_CHANGES.labels("changed").inc()
    logger.info("password_changed", user_id=caller_id)


def _check_new_password(request: ChangePasswordRequest) -> None:
    """Checked before the old password, so that a malformed request costs no guess."""
    problem = None
    try:
        check_password_rules(request.new_password)
    except ValueError as exc:
        problem = str(exc)
    if problem is None and request.new_password == request.old_password:
        problem = "the new password is the same as the old one"
    if problem is not None:
        raise ValidationFailedError(
            f"new_password: {problem}", details={"fields": [{"field": "new_password", "message": problem}]}
        )


async def _teacher_row(sessions: async_sessionmaker[AsyncSession], caller_id: str) -> Any:
    """The caller's account; a signed-in user without one (or an id that is not a teacher id) is a 404."""
    try:
        teacher_id = uuid.UUID(caller_id)
    except ValueError:
        raise NotFoundError("No teacher account for this user") from None
    async with sessions() as session:
        row = (await session.execute(select(teachers).where(teachers.c.id == teacher_id))).one_or_none()
    if row is None:
        raise NotFoundError("No teacher account for this user")
    return row


async def get_profile(sessions: async_sessionmaker[AsyncSession], caller_id: str, user_id: uuid.UUID) -> UserProfile:
    """The caller's own profile; another teacher's is as absent as an unknown one."""
    if str(user_id) != caller_id:
        raise NotFoundError(f"No user {user_id}")
    async with sessions() as session:
        row = (await session.execute(select(teachers).where(teachers.c.id == user_id))).one_or_none()
    if row is None:
        raise NotFoundError(f"No user {user_id}")
    return _profile(row)


async def ensure_demo_teacher(sessions: async_sessionmaker[AsyncSession], passwords: Passwords) -> bool:
    """Create the demo teacher unless it exists; ``True`` if it was created now."""
    async with sessions() as session, session.begin():
        exists = (await session.execute(select(teachers.c.id).where(teachers.c.email == DEMO_EMAIL))).first()
        if exists is not None:
            return False
        try:
            await create_teacher(
                session, passwords, email=DEMO_EMAIL, display_name=DEMO_DISPLAY_NAME, password=DEMO_PASSWORD
            )
        except ConflictError:
            return False  # another replica seeded it at the same moment
    return True
