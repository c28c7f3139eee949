"""Teacher accounts: creation, the credential check behind sign-in, password changes, profiles, the dev demo teacher."""

from __future__ import annotations

import uuid

import structlog

from class_management_service.domain.model import Teacher
from class_management_service.metrics import LOGIN_ATTEMPTS, PASSWORD_CHANGES
from class_management_service.service_layer.ports import PasswordHasher, SignInLock, UnitOfWork, UnitOfWorkFactory
from common_core.http.class_management import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    AccountLookupResponse,
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


def _profile(teacher: Teacher) -> UserProfile:
    return UserProfile(
        user_id=teacher.teacher_id,
        email=teacher.email,
        display_name=teacher.display_name,
        locale=teacher.locale,
        created_at=teacher.created_at,
    )


def check_password_rules(password: str) -> None:
    """The one rule for a new password, at creation and at every change."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")


async def create_teacher(
    uow: UnitOfWork,
    passwords: PasswordHasher,
    *,
    email: str,
    display_name: str,
    password: str,
    locale: str = DEFAULT_LOCALE,
) -> UserProfile:
    """Add a teacher in the unit of work; :class:`ConflictError` if the email is taken."""
    check_password_rules(password)
    if not display_name.strip():
        raise ValueError("the display name is empty")
    normalised = normalise_email(email)
    teacher = await uow.accounts.insert_teacher(
        uuid.uuid4(),
        email=normalised,
        display_name=display_name.strip(),
        password_hash=await passwords.hash(password),
        locale=locale,
    )
    if teacher is None:
        raise ConflictError(f"A teacher with the email {normalised} already exists")
    return _profile(teacher)


async def verify_credentials(
    units: UnitOfWorkFactory, passwords: PasswordHasher, guard: SignInLock, request: VerifyCredentialsRequest
) -> UserProfile:
    """The teacher for these credentials, or 401; 429 while the account is locked.

    The password is checked outside any transaction: each check costs ~50 ms of CPU.
    """
    email = normalise_email(request.email)
    lock = await guard.state(email)
    if lock.locked:
        LOGIN_ATTEMPTS.labels("locked").inc()
        raise locked_error(lock.retry_after_s)
    async with units() as uow:
        teacher = await uow.accounts.teacher_by_email(email)
    if not await passwords.verify(teacher.password_hash if teacher else None, request.password) or teacher is None:
        LOGIN_ATTEMPTS.labels("invalid").inc()
        after = await guard.record_failure(email)
        if after.locked:
            raise locked_error(after.retry_after_s)
        raise UnauthorizedError("Invalid email or password")
    await guard.clear(email)
    if passwords.needs_rehash(teacher.password_hash):
        new_hash = await passwords.hash(request.password)
        async with units() as uow:
            await uow.accounts.rehash_password(teacher.teacher_id, new_hash)
    LOGIN_ATTEMPTS.labels("success").inc()
    return _profile(teacher)


def locked_error(retry_after_s: int, attempts: str = "sign-in attempts") -> RateLimitedError:
    minutes = max(1, round(retry_after_s / 60))
    return RateLimitedError(
        f"Too many failed {attempts} for this account; it is locked. Try again in about {minutes} minute(s).",
        retry_after_s=retry_after_s,
        details={"retry_after_seconds": retry_after_s},
    )


async def change_password(
    units: UnitOfWorkFactory,
    passwords: PasswordHasher,
    guard: SignInLock,
    caller_id: str,
    request: ChangePasswordRequest,
) -> None:
    """Replace the caller's password after checking the old one.

    A wrong old password counts toward the same lock as a failed sign-in: it is the same secret
    being guessed, and a stolen session must not be able to guess its way to a permanent takeover.
    It is a 403, not a 401: the caller is signed in, and a 401 would tell the app its session is gone.
    """
    _check_new_password(request)
    async with units() as uow:
        teacher = await own_account(uow, caller_id)
    lock = await guard.state(teacher.email)
    if lock.locked:
        PASSWORD_CHANGES.labels("locked").inc()
        raise locked_error(lock.retry_after_s, "password attempts")
    if not await passwords.verify(teacher.password_hash, request.old_password):
        PASSWORD_CHANGES.labels("wrong_old_password").inc()
        after = await guard.record_failure(teacher.email)
        if after.locked:
            raise locked_error(after.retry_after_s, "password attempts")
        raise ForbiddenError(
            "The current password is not correct",
            details={"reason": "wrong_old_password", "fields": [{"field": "old_password", "message": "not correct"}]},
        )
    new_hash = await passwords.hash(request.new_password)
    async with units() as uow:
        # Only over the hash just checked: of two changes at once, the second one fails instead of
        # silently replacing a password its caller never knew.
        if not await uow.accounts.replace_password(teacher.teacher_id, teacher.password_hash, new_hash):
            raise ConflictError("Another request changed the password at the same moment; this one changed nothing")
    await guard.clear(teacher.email)
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


async def own_account(uow: UnitOfWork, caller_id: str) -> Teacher:
    """The caller's account; a signed-in user without one (or an id that is not a teacher id) is a 404."""
    try:
        teacher_id = uuid.UUID(caller_id)
    except ValueError:
        raise NotFoundError("No teacher account for this user") from None
    teacher = await uow.accounts.teacher_by_id(teacher_id)
    if teacher is None:
        raise NotFoundError("No teacher account for this user")
    return teacher


async def get_profile(uow: UnitOfWork, caller_id: str, user_id: uuid.UUID) -> UserProfile:
    """The caller's own profile; another teacher's is as absent as an unknown one."""
    if str(user_id) != caller_id:
        raise NotFoundError(f"No user {user_id}")
    teacher = await uow.accounts.teacher_by_id(user_id)
    if teacher is None:
        raise NotFoundError(f"No user {user_id}")
    return _profile(teacher)


async def lookup_colleague(uow: UnitOfWork, caller_id: str, email: str) -> AccountLookupResponse:
    """A colleague's account id by email, for a signed-in teacher adding a moderator (issue 24).

    The id and the email as stored, so that callers show the address this rule matched instead of copying
    :func:`normalise_email`; nothing else of the colleague, and for an unknown email a 404 that names no account.
    """
    teacher = await uow.accounts.teacher_by_email(normalise_email(email))
    if teacher is None:
        raise NotFoundError("No teacher account uses this email address")
    return AccountLookupResponse(user_id=teacher.teacher_id, email=teacher.email)


async def ensure_demo_teacher(uow: UnitOfWork, passwords: PasswordHasher) -> bool:
    """Create the demo teacher unless it exists; ``True`` if it was created now."""
    if await uow.accounts.teacher_by_email(DEMO_EMAIL) is not None:
        return False
    try:
        await create_teacher(uow, passwords, email=DEMO_EMAIL, display_name=DEMO_DISPLAY_NAME, password=DEMO_PASSWORD)
    except ConflictError:
        return False  # another replica seeded it at the same moment
    return True
