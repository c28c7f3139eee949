"""Deleting a teacher account over the in-memory fakes: everything the account owns goes in one unit of work
with one TeacherAccountDeletedV1, or nothing changes (a wrong password, the lock, shared assignments in CJ,
CJ that cannot be asked); another teacher's things stay; the demo teacher comes back at the next start."""

import uuid

import pytest

from class_management_service.service_layer import account_deletion, accounts
from common_core.events.classes import (
    ClassCreatedV1,
    EssayStudentAssociationsConfirmedV1,
    StudentCreatedV1,
    TeacherAccountDeletedV1,
)
from common_core.http.class_management import AccountDeletionRequest, SharedAssignmentRef
from huleedu_service_libs.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
)
from services.class_management_service.tests.service_layer.test_associations import Batch

PASSWORD = "lång-och-säker-lösen"


class Teachers:
    """Karin and Lars, each with a class of two students and a batch with a confirmed essay."""

    def __init__(self, service) -> None:
        self.service = service

    async def teacher(self, email: str) -> str:
        async with self.service.uow() as uow:
            profile = await accounts.create_teacher(
                uow, self.service.passwords, email=email, display_name="T", password=PASSWORD
            )
        owner = str(profile.user_id)
        batch = Batch(self.service)
        await batch.build_class(owner)
        await batch.register(owner=owner)
        essay = await batch.upload("Karlsson Tuva")
        await batch.confirm(owner, a=(essay, batch.students["Tuva"]))
        return owner

    async def build(self) -> None:
        self.karin = await self.teacher("karin@skola.se")
        self.lars = await self.teacher("lars@skola.se")
        # Written so far: the classes, students and confirmations of both, in the outbox until forgotten.
        self.history = list(self.service.uow.committed_events)

    async def delete(self, owner: str, password: str = PASSWORD) -> None:
        ctx = self.service.ctx
        await account_deletion.delete_account(
            ctx.unit_of_work,
            ctx.passwords,
            ctx.login_guard,
            ctx.shared_assignments,
            self.service.access_log,
            owner,
            AccountDeletionRequest(password=password),
        )

    def owned_by(self, owner: str) -> dict[str, int]:
        state = self.service.uow.state
        owned_batches = {b for b, stored in state.batches.items() if stored.owner_id == owner}
        return {
            "classes": sum(c.owner_id == owner for c in state.classes.values()),
            "students": sum(s.owner_id == owner for s in state.students.values()),
            "batches": len(owned_batches),
            "essays": sum(e.batch_id in owned_batches for e in state.essays.values()),
            "account": int(uuid.UUID(owner) in state.teachers),
        }


@pytest.fixture
async def teachers(service) -> Teachers:
    built = Teachers(service)
    await built.build()
    return built


EVERYTHING = {"classes": 1, "students": 2, "batches": 1, "essays": 1, "account": 1}
NOTHING = dict.fromkeys(EVERYTHING, 0)


async def test_deleting_an_account_removes_everything_it_owns_and_announces_it_once(teachers, service):
    assert {e.user_id for e in service.uow.events_of(ClassCreatedV1)} == {teachers.karin, teachers.lars}

    await teachers.delete(teachers.karin)

    assert teachers.owned_by(teachers.karin) == NOTHING
    assert teachers.owned_by(teachers.lars) == EVERYTHING
    assert len(service.uow.state.erased) == 1  # Karin's batch's tombstone: its late events store nothing
    [deleted] = service.uow.events_of(TeacherAccountDeletedV1)
    assert deleted.user_id == teachers.karin
    # Karin's class, student and confirmation events are forgotten; Lars's stay.
    assert {e.user_id for e in service.uow.events_of(ClassCreatedV1)} == {teachers.lars}
    assert {e.user_id for e in service.uow.events_of(StudentCreatedV1)} == {teachers.lars}
    assert {e.user_id for e in service.uow.events_of(EssayStudentAssociationsConfirmedV1)} == {teachers.lars}
    assert service.cj.asked == [teachers.karin]

    # The account is gone: a second deletion is a 404, and so is any account route.
    with pytest.raises(NotFoundError):
        await teachers.delete(teachers.karin)
    assert len(service.uow.events_of(TeacherAccountDeletedV1)) == 1


async def test_the_access_log_of_the_account_goes_with_it_or_the_account_stays(teachers, service):
    service.access_log.entries = {teachers.karin: 3, teachers.lars: 2}
    service.access_log.down = True

    with pytest.raises(ConnectionError):
        await teachers.delete(teachers.karin)
    # The log could not be forgotten: the account's transaction rolled back, so the teacher can try again.
    assert teachers.owned_by(teachers.karin) == EVERYTHING
    assert service.uow.committed_events == teachers.history

    service.access_log.down = False
    await teachers.delete(teachers.karin)
    assert teachers.owned_by(teachers.karin) == NOTHING
    assert service.access_log.entries == {teachers.lars: 2}


async def test_a_wrong_password_is_a_403_that_counts_toward_the_lock_and_changes_nothing(teachers, service):
    for _ in range(service.guard.max_failures - 1):
        with pytest.raises(ForbiddenError) as raised:
            await teachers.delete(teachers.karin, "fel lösenord")
        assert raised.value.details["reason"] == "wrong_password"
        assert raised.value.details["fields"][0]["field"] == "password"
    with pytest.raises(RateLimitedError):
        await teachers.delete(teachers.karin, "fel lösenord")
    # Locked: even the right password is refused, and CJ was never asked.
    with pytest.raises(RateLimitedError):
        await teachers.delete(teachers.karin)

    assert teachers.owned_by(teachers.karin) == EVERYTHING
    assert service.cj.asked == []
    assert service.uow.committed_events == teachers.history


async def test_shared_assignments_refuse_the_deletion_naming_each_one(teachers, service):
    shared = [
        SharedAssignmentRef(assignment_id=uuid.uuid4(), title="Argumentative essay, year 9"),
        SharedAssignmentRef(assignment_id=uuid.uuid4(), title="Debattartikel åk 8"),
    ]
    service.cj.shared[teachers.karin] = shared

    with pytest.raises(ConflictError) as raised:
        await teachers.delete(teachers.karin)

    message = raised.value.message
    assert "Argumentative essay, year 9" in message
    assert "Debattartikel åk 8" in message
    assert "Hand over or stop sharing these first" in message
    assert raised.value.details["shared_assignments"] == [ref.model_dump(mode="json") for ref in shared]
    assert teachers.owned_by(teachers.karin) == EVERYTHING
    assert service.uow.committed_events == teachers.history

    # Once they are handed over, the account can go.
    service.cj.shared.clear()
    await teachers.delete(teachers.karin)
    assert teachers.owned_by(teachers.karin) == NOTHING


async def test_when_cj_cannot_be_asked_nothing_is_deleted(teachers, service):
    service.cj.down = True

    with pytest.raises(ServiceUnavailableError):
        await teachers.delete(teachers.karin)

    assert teachers.owned_by(teachers.karin) == EVERYTHING
    assert service.uow.committed_events == teachers.history


async def test_the_demo_teacher_may_be_deleted_and_is_seeded_again_at_the_next_start(service):
    async with service.uow() as uow:
        assert await accounts.ensure_demo_teacher(uow, service.passwords)
        demo = await uow.accounts.teacher_by_email(accounts.DEMO_EMAIL)
    assert demo is not None
    ctx = service.ctx
    request = AccountDeletionRequest(password=accounts.DEMO_PASSWORD)
    await account_deletion.delete_account(
        ctx.unit_of_work,
        ctx.passwords,
        ctx.login_guard,
        ctx.shared_assignments,
        service.access_log,
        str(demo.teacher_id),
        request,
    )

    async with service.uow() as uow:
        assert await uow.accounts.teacher_by_email(accounts.DEMO_EMAIL) is None
        assert await accounts.ensure_demo_teacher(uow, service.passwords)  # the next start
        again = await uow.accounts.teacher_by_email(accounts.DEMO_EMAIL)
    assert again is not None
    assert again.teacher_id != demo.teacher_id
