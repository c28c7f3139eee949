"""Account use cases over the fakes: creation, sign-in with its lock, password changes, profiles."""

import uuid
from dataclasses import replace

import pytest

from class_management_service.service_layer import accounts
from common_core.http.class_management import ChangePasswordRequest, VerifyCredentialsRequest
from huleedu_service_libs.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
    ValidationFailedError,
)

PASSWORD, NEW = "lång-och-säker-lösen", "ännu längre och säkrare"


async def _teacher(service, email: str = "Karin@Skola.se ", password: str = PASSWORD):
    async with service.uow() as uow:
        return await accounts.create_teacher(
            uow, service.passwords, email=email, display_name=" Karin ", password=password
        )


async def _sign_in(service, password: str, email: str = "karin@skola.se"):
    request = VerifyCredentialsRequest(email=email, password=password)
    return await accounts.verify_credentials(service.uow, service.passwords, service.guard, request)


async def _change(service, caller: str, old: str, new: str = NEW) -> None:
    request = ChangePasswordRequest(old_password=old, new_password=new)
    await accounts.change_password(service.uow, service.passwords, service.guard, caller, request)


async def test_a_teacher_is_created_with_a_normalised_email_once(service):
    profile = await _teacher(service)
    assert (profile.email, profile.display_name, profile.locale) == ("karin@skola.se", "Karin", "sv-SE")
    assert service.uow.state.teachers[profile.user_id].password_hash == f"hashed:{PASSWORD}"

    with pytest.raises(ConflictError, match="already exists"):
        await _teacher(service, email="KARIN@skola.se")
    with pytest.raises(ValueError, match="at least"):
        await _teacher(service, email="other@skola.se", password="kort")
    assert len(service.uow.state.teachers) == 1


async def test_sign_in_answers_the_profile_and_locks_after_repeated_failures(service):
    profile = await _teacher(service)
    assert (await _sign_in(service, PASSWORD)).user_id == profile.user_id

    for _ in range(service.guard.max_failures - 1):
        with pytest.raises(UnauthorizedError):
            await _sign_in(service, "fel lösenord")
    with pytest.raises(RateLimitedError):
        await _sign_in(service, "fel lösenord")
    # Locked: even the right password is refused until the lock expires.
    with pytest.raises(RateLimitedError):
        await _sign_in(service, PASSWORD)
    with pytest.raises(UnauthorizedError):
        await _sign_in(service, PASSWORD, email="okand@skola.se")


async def test_a_successful_sign_in_rehashes_a_weak_hash_and_clears_the_failures(service):
    profile = await _teacher(service)
    teachers = service.uow.state.teachers
    teachers[profile.user_id] = replace(teachers[profile.user_id], password_hash=f"weak:{PASSWORD}")
    with pytest.raises(UnauthorizedError):
        await _sign_in(service, "fel lösenord")

    await _sign_in(service, PASSWORD)

    assert service.uow.state.teachers[profile.user_id].password_hash == f"hashed:{PASSWORD}"
    assert service.guard.failures == {}


async def test_a_password_change_needs_the_old_password_and_counts_wrong_ones(service):
    caller = str((await _teacher(service)).user_id)
    with pytest.raises(ForbiddenError, match="not correct"):
        await _change(service, caller, "fel lösenord")
    assert service.guard.failures == {"karin@skola.se": 1}
    with pytest.raises(ValidationFailedError, match="same as the old"):
        await _change(service, caller, PASSWORD, PASSWORD)

    await _change(service, caller, PASSWORD)

    assert service.uow.state.teachers[uuid.UUID(caller)].password_hash == f"hashed:{NEW}"
    assert service.guard.failures == {}
    assert (await _sign_in(service, NEW)).user_id == uuid.UUID(caller)


async def test_of_two_changes_at_once_the_second_changes_nothing(service):
    teacher_id = (await _teacher(service)).user_id
    teachers = service.uow.state.teachers

    def another_change_lands_first() -> None:
        teachers[teacher_id] = replace(teachers[teacher_id], password_hash="hashed:someone else's")

    service.passwords.before_hash = another_change_lands_first
    with pytest.raises(ConflictError, match="same moment"):
        await _change(service, str(teacher_id), PASSWORD)
    assert teachers[teacher_id].password_hash == "hashed:someone else's"


async def test_a_password_change_without_an_account_is_not_found(service):
    for caller in ("not-a-uuid", str(uuid.uuid4())):
        with pytest.raises(NotFoundError):
            await _change(service, caller, PASSWORD)


async def test_a_profile_is_only_the_callers_own(service):
    karin = await _teacher(service)
    async with service.uow() as uow:
        assert (await accounts.get_profile(uow, str(karin.user_id), karin.user_id)) == karin
        with pytest.raises(NotFoundError):
            await accounts.get_profile(uow, str(uuid.uuid4()), karin.user_id)


async def test_a_colleague_lookup_answers_the_stored_email_it_matched(service):
    colleague = await _teacher(service, email=" Ann@X.org ")
    async with service.uow() as uow:
        found = await accounts.lookup_colleague(uow, str(uuid.uuid4()), " ANN@x.ORG ")
        assert found.model_dump() == {"user_id": colleague.user_id, "email": "ann@x.org"}
        with pytest.raises(NotFoundError, match="No teacher account uses this email address"):
            await accounts.lookup_colleague(uow, str(uuid.uuid4()), "bob@x.org")


async def test_the_demo_teacher_is_seeded_once(service):
    for expected in (True, False):
        async with service.uow() as uow:
            assert await accounts.ensure_demo_teacher(uow, service.passwords) is expected
    assert [t.email for t in service.uow.state.teachers.values()] == [accounts.DEMO_EMAIL]
