"""In-memory fakes at the adapter boundary (repositories, outbox, unit of work, passwords, sign-in lock,
essay texts, CJ's shared assignments) for the use-case tests.

The fake unit of work behaves like the PostgreSQL one where the use cases depend on it: the
state and the events of a block are kept only when it ends normally, and an exception rolls
both back. Events land in ``committed_events`` only on commit, like outbox rows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel

from class_management_service.config import Settings
from class_management_service.domain.model import (
    Batch,
    ConfirmedAuthor,
    Essay,
    LockState,
    MatchOutcome,
    NewStudent,
    OwnedRecords,
    PendingBatch,
    SchoolClass,
    Student,
    Teacher,
)
from class_management_service.domain.name_matching import RosterStudent
from class_management_service.service_layer.associations import BatchEventHandlers
from class_management_service.service_layer.context import ServiceContext
from class_management_service.service_layer.matching import StudentMatcher
from common_core.http.class_management import SharedAssignmentRef
from huleedu_service_libs.errors import ServiceUnavailableError
from huleedu_service_libs.testing.fake_transactions import FakeTransactions, TickingClock


@dataclass
class StoredBatch:
    owner_id: str
    class_id: uuid.UUID | None
    registered_at: datetime


@dataclass
class State:
    teachers: dict[uuid.UUID, Teacher] = field(default_factory=dict)
    # Classes and students without the derived fields (student count, class ids).
    classes: dict[uuid.UUID, SchoolClass] = field(default_factory=dict)
    students: dict[uuid.UUID, Student] = field(default_factory=dict)
    roster: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)  # (class id, student id)
    batches: dict[uuid.UUID, StoredBatch] = field(default_factory=dict)
    essays: dict[uuid.UUID, Essay] = field(default_factory=dict)  # arrival order
    erased: set[uuid.UUID] = field(default_factory=set)  # the tombstones of deleted batches
    locked_students: list[uuid.UUID] = field(default_factory=list)  # every student row locked, in order


class FakeClassRepository:
    def __init__(self, state: State, clock: TickingClock) -> None:
        self.state = state
        self._clock = clock

    def _with_count(self, school_class: SchoolClass) -> SchoolClass:
        count = sum(class_id == school_class.class_id for class_id, _ in self.state.roster)
        return replace(school_class, student_count=count)

    def _with_classes(self, student: Student) -> Student:
        class_ids = sorted(c for c, s in self.state.roster if s == student.student_id)
        return replace(student, class_ids=tuple(class_ids))

    async def insert_class(self, class_id: uuid.UUID, owner_id: str, name: str, course_code: str) -> SchoolClass:
        now = self._clock()
        self.state.classes[class_id] = SchoolClass(class_id, owner_id, name, course_code, 0, now, now)
        return self.state.classes[class_id]

    async def owned_class(self, owner_id: str, class_id: uuid.UUID) -> SchoolClass | None:
        found = self.state.classes.get(class_id)
        return self._with_count(found) if found is not None and found.owner_id == owner_id else None

    async def owned_class_ids(self, owner_id: str, class_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {c for c in class_ids if c in self.state.classes and self.state.classes[c].owner_id == owner_id}

    async def list_classes(self, owner_id: str) -> list[SchoolClass]:
        owned = [self._with_count(c) for c in self.state.classes.values() if c.owner_id == owner_id]
        return sorted(owned, key=lambda c: (c.name, str(c.class_id)))

    async def update_class(self, class_id: uuid.UUID, changes: Mapping[str, object]) -> None:
        updated = replace(self.state.classes[class_id], **changes, updated_at=self._clock())  # type: ignore[arg-type]
        self.state.classes[class_id] = updated

    async def delete_class(self, class_id: uuid.UUID) -> None:
        del self.state.classes[class_id]
        self.state.roster = {(c, s) for c, s in self.state.roster if c != class_id}

    async def insert_student(self, student_id: uuid.UUID, owner_id: str, new: NewStudent) -> None:
        now = self._clock()
        self.state.students[student_id] = Student(
            student_id, owner_id, new.first_name, new.last_name, new.email, (), now, now
        )
        for class_id in new.class_ids:
            if class_id not in self.state.classes:
                raise AssertionError("class_students foreign key: the use case placed a student in no class")
            self.state.roster.add((class_id, student_id))

    async def owned_student(self, owner_id: str, student_id: uuid.UUID) -> Student | None:
        found = self.state.students.get(student_id)
        return self._with_classes(found) if found is not None and found.owner_id == owner_id else None

    async def lock_students(self, student_ids: Sequence[uuid.UUID]) -> None:
        return None  # one transaction at a time in the fakes

    async def list_students(self, owner_id: str, *, class_id: uuid.UUID | None = None) -> list[Student]:
        owned = [
            self._with_classes(s)
            for s in self.state.students.values()
            if s.owner_id == owner_id and (class_id is None or (class_id, s.student_id) in self.state.roster)
        ]
        return sorted(owned, key=lambda s: (s.last_name, s.first_name, str(s.student_id)))

    async def update_student(self, student_id: uuid.UUID, changes: Mapping[str, object]) -> None:
        updated = replace(self.state.students[student_id], **changes, updated_at=self._clock())  # type: ignore[arg-type]
        self.state.students[student_id] = updated

    async def delete_student(self, student_id: uuid.UUID) -> None:
        del self.state.students[student_id]
        self.state.roster = {(c, s) for c, s in self.state.roster if s != student_id}
        for essay in list(self.state.essays.values()):  # ON DELETE SET NULL
            if student_id in (essay.suggested_student_id, essay.confirmed_student_id):
                self.state.essays[essay.essay_id] = replace(
                    essay,
                    suggested_student_id=None
                    if essay.suggested_student_id == student_id
                    else essay.suggested_student_id,
                    confirmed_student_id=None
                    if essay.confirmed_student_id == student_id
                    else essay.confirmed_student_id,
                )

    async def add_to_roster(self, class_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        if (class_id, student_id) in self.state.roster:
            return False
        self.state.roster.add((class_id, student_id))
        return True

    async def remove_from_roster(self, class_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        if (class_id, student_id) not in self.state.roster:
            return False
        self.state.roster.remove((class_id, student_id))
        return True

    async def roster(self, class_id: uuid.UUID) -> list[RosterStudent]:
        placed = sorted(s for c, s in self.state.roster if c == class_id)
        return [RosterStudent(s, self.state.students[s].first_name, self.state.students[s].last_name) for s in placed]

    async def lock_student(self, student_id: uuid.UUID) -> None:
        self.state.locked_students.append(student_id)

    async def delete_everything_of(self, owner_id: str) -> OwnedRecords:
        class_ids = sorted((c for c, found in self.state.classes.items() if found.owner_id == owner_id), key=str)
        student_ids = sorted((s for s, found in self.state.students.items() if found.owner_id == owner_id), key=str)
        for student_id in student_ids:
            await self.delete_student(student_id)
        for class_id in class_ids:
            await self.delete_class(class_id)
        return OwnedRecords(tuple(class_ids), tuple(student_ids))


class FakeAssociationRepository:
    def __init__(self, state: State, clock: TickingClock) -> None:
        self.state = state
        self._clock = clock
        self.locked: list[uuid.UUID] = []  # every batch locked, in order

    def _batch(self, batch_id: uuid.UUID, stored: StoredBatch) -> Batch:
        school_class = self.state.classes.get(stored.class_id) if stored.class_id else None
        if school_class is None or school_class.owner_id != stored.owner_id:
            return Batch(batch_id, stored.owner_id, None, None)
        return Batch(batch_id, stored.owner_id, school_class.class_id, school_class.name)

    async def lock_batch(self, batch_id: uuid.UUID) -> None:
        self.locked.append(batch_id)

    async def record_batch(self, batch_id: uuid.UUID, owner_id: str, class_id: uuid.UUID | None) -> bool:
        if batch_id in self.state.batches:
            return False
        self.state.batches[batch_id] = StoredBatch(owner_id, class_id, self._clock())
        return True

    async def batch(self, batch_id: uuid.UUID) -> Batch | None:
        stored = self.state.batches.get(batch_id)
        return None if stored is None else self._batch(batch_id, stored)

    async def owned_batches(self, owner_id: str, batch_ids: Sequence[uuid.UUID]) -> list[Batch]:
        return [
            self._batch(b, self.state.batches[b])
            for b in batch_ids
            if b in self.state.batches and self.state.batches[b].owner_id == owner_id
        ]

    async def insert_essay(
        self, essay_id: uuid.UUID, batch_id: uuid.UUID, *, filename: str, text_ref: str, author_hint: str | None
    ) -> Essay | None:
        if essay_id in self.state.essays:
            return None
        essay = Essay(
            essay_id, batch_id, filename, text_ref, author_hint, None, self._clock(), None, None, None, None, None
        )
        self.state.essays[essay_id] = essay
        return essay

    async def essays_of(self, batch_id: uuid.UUID) -> list[Essay]:
        return [e for e in self.state.essays.values() if e.batch_id == batch_id]

    async def essay_ids_in(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {e for e in essay_ids if e in self.state.essays and self.state.essays[e].batch_id == batch_id}

    async def unconfirmed_essays(self, batch_id: uuid.UUID) -> list[Essay]:
        return [e for e in await self.essays_of(batch_id) if e.confirmed_student_id is None]

    async def save_match(self, essay_id: uuid.UUID, outcome: MatchOutcome) -> None:
        essay = self.state.essays[essay_id]
        if essay.confirmed_student_id is not None:
            return
        self.state.essays[essay_id] = replace(essay, **outcome.essay_fields())

    async def confirm(
        self, choices: Mapping[uuid.UUID, uuid.UUID], *, confirmed_by: str, confirmed_at: datetime
    ) -> None:
        for essay_id, student_id in choices.items():
            essay = self.state.essays[essay_id]
            self.state.essays[essay_id] = replace(essay, confirmed_student_id=student_id, confirmed_at=confirmed_at)

    async def confirmed_authors(self, batch_id: uuid.UUID) -> list[ConfirmedAuthor]:
        authors = [
            ConfirmedAuthor(e.essay_id, s.student_id, s.first_name, s.last_name)
            for e in await self.essays_of(batch_id)
            if e.confirmed_student_id is not None and (s := self.state.students[e.confirmed_student_id])
        ]
        return sorted(authors, key=lambda a: (a.last_name, a.first_name, str(a.essay_id)))

    async def pending_batches(self, owner_id: str, limit: int, offset: int) -> tuple[list[PendingBatch], int]:
        pending = []
        newest_first = sorted(self.state.batches.items(), key=lambda b: (b[1].registered_at, str(b[0])), reverse=True)
        for batch_id, stored in newest_first:
            batch = self._batch(batch_id, stored)
            waiting = await self.unconfirmed_essays(batch_id)
            if stored.owner_id != owner_id or batch.class_id is None or batch.class_name is None or not waiting:
                continue
            suggested = sum(e.suggested_student_id is not None for e in waiting)
            pending.append(
                PendingBatch(batch_id, batch.class_id, batch.class_name, suggested, len(waiting) - suggested)
            )
        return pending[offset : offset + limit], len(pending)

    async def is_erased(self, batch_id: uuid.UUID) -> bool:
        return batch_id in self.state.erased

    async def erase_batch(self, batch_id: uuid.UUID) -> int:
        self.state.erased.add(batch_id)
        self.state.batches.pop(batch_id, None)
        erased = [essay_id for essay_id, essay in self.state.essays.items() if essay.batch_id == batch_id]
        for essay_id in erased:
            del self.state.essays[essay_id]
        return len(erased)

    async def essays_confirmed_as(self, student_id: uuid.UUID) -> list[Essay]:
        confirmed = [e for e in self.state.essays.values() if e.confirmed_student_id == student_id]
        return sorted(confirmed, key=lambda e: (str(e.batch_id), e.received_at, str(e.essay_id)))

    async def delete_essays(self, essay_ids: Sequence[uuid.UUID]) -> int:
        return sum(self.state.essays.pop(essay_id, None) is not None for essay_id in essay_ids)

    async def batch_ids_of(self, owner_id: str) -> list[uuid.UUID]:
        return sorted((b for b, stored in self.state.batches.items() if stored.owner_id == owner_id), key=str)

    async def due_for_retention(self, cutoff: datetime, limit: int, *, with_batches: bool) -> list[uuid.UUID]:
        holding = {e.batch_id for e in self.state.essays.values()}
        due = {b for b, s in self.state.batches.items() if s.registered_at < cutoff and (with_batches or b in holding)}
        for batch_id in holding - set(self.state.batches):  # essays whose batch never arrived
            if max(e.received_at for e in self.state.essays.values() if e.batch_id == batch_id) < cutoff:
                due.add(batch_id)
        return sorted(due, key=str)[:limit]


class FakeAccountRepository:
    def __init__(self, state: State, clock: TickingClock) -> None:
        self.state = state
        self._clock = clock

    async def insert_teacher(
        self, teacher_id: uuid.UUID, *, email: str, display_name: str, password_hash: str, locale: str
    ) -> Teacher | None:
        if any(t.email == email for t in self.state.teachers.values()):
            return None
        teacher = Teacher(teacher_id, email, display_name, password_hash, locale, self._clock())
        self.state.teachers[teacher_id] = teacher
        return teacher

    async def teacher_by_email(self, email: str) -> Teacher | None:
        return next((t for t in self.state.teachers.values() if t.email == email), None)

    async def teacher_by_id(self, teacher_id: uuid.UUID) -> Teacher | None:
        return self.state.teachers.get(teacher_id)

    async def rehash_password(self, teacher_id: uuid.UUID, new_hash: str) -> None:
        self.state.teachers[teacher_id] = replace(self.state.teachers[teacher_id], password_hash=new_hash)

    async def replace_password(self, teacher_id: uuid.UUID, old_hash: str, new_hash: str) -> bool:
        if self.state.teachers[teacher_id].password_hash != old_hash:
            return False
        await self.rehash_password(teacher_id, new_hash)
        return True

    async def delete_teacher(self, teacher_id: uuid.UUID) -> bool:
        return self.state.teachers.pop(teacher_id, None) is not None


@dataclass(frozen=True)
class EmittedEvent:
    payload: BaseModel
    key: str


class FakeOutbox:
    """What is forgotten is dropped from the committed events too, when the block commits; an event
    emitted after the ``forget`` in the same block stays (the PostgreSQL outbox deletes rows in order)."""

    def __init__(self) -> None:
        self.pending: list[EmittedEvent] = []
        self.forgotten: set[str] = set()
        self.forgotten_naming: list[tuple[str, set[str]]] = []  # (key, ids named in the payload)

    async def emit(self, payload: BaseModel, *, key: str) -> None:
        self.pending.append(EmittedEvent(payload, key))

    async def forget(self, *, key: str) -> None:
        self.forgotten.add(key)
        self.pending[:] = [event for event in self.pending if event.key != key]

    async def forget_all(self, keys: Sequence[str]) -> None:
        for key in keys:
            await self.forget(key=key)

    async def forget_naming(self, *, key: str, ids: Sequence[uuid.UUID]) -> None:
        self.forgotten_naming.append((key, {str(i) for i in ids}))
        self.pending[:] = [event for event in self.pending if not self.names(event, key, {str(i) for i in ids})]

    @staticmethod
    def names(event: EmittedEvent, key: str, ids: set[str]) -> bool:
        return event.key == key and any(i in event.payload.model_dump_json() for i in ids)

    def keeps(self, event: EmittedEvent) -> bool:
        """Whether an event committed before this block survives what the block forgot."""
        named = any(self.names(event, key, ids) for key, ids in self.forgotten_naming)
        return event.key not in self.forgotten and not named


@dataclass
class FakeUnitOfWork:
    classes: FakeClassRepository
    associations: FakeAssociationRepository
    accounts: FakeAccountRepository
    events: FakeOutbox


class FakeUnitOfWorkFactory(FakeTransactions[State, EmittedEvent]):
    """Hands out units of work over one shared in-memory state; commit keeps, an exception rolls back."""

    def __init__(self) -> None:
        super().__init__(State())
        self.clock = TickingClock()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[FakeUnitOfWork]:
        uow = FakeUnitOfWork(
            FakeClassRepository(self.state, self.clock),
            FakeAssociationRepository(self.state, self.clock),
            FakeAccountRepository(self.state, self.clock),
            FakeOutbox(),
        )
        async with self.transaction(uow.events.pending):
            yield uow
            # Reached only when the block ends normally, before its own events are added.
            self.committed_events[:] = [e for e in self.committed_events if uow.events.keeps(e)]


class FakePasswords:
    """A readable "hash"; ``weak`` hashes need a rehash, ``before_hash`` runs before each new hash."""

    def __init__(self) -> None:
        self.weak: set[str] = set()
        self.before_hash: Callable[[], None] = lambda: None

    async def hash(self, password: str) -> str:
        self.before_hash()
        return f"hashed:{password}"

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        return stored_hash is not None and stored_hash in (f"hashed:{password}", f"weak:{password}")

    def needs_rehash(self, stored_hash: str) -> bool:
        return stored_hash.startswith("weak:")


class FakeSignInLock:
    def __init__(self, max_failures: int = 3, window_s: int = 900) -> None:
        self.failures: dict[str, int] = {}
        self.max_failures = max_failures
        self.window_s = window_s

    async def state(self, email: str) -> LockState:
        locked = self.failures.get(email, 0) >= self.max_failures
        return LockState(locked, self.window_s if locked else 0)

    async def record_failure(self, email: str) -> LockState:
        self.failures[email] = self.failures.get(email, 0) + 1
        return await self.state(email)

    async def clear(self, email: str) -> None:
        self.failures.pop(email, None)


class FakeEssayTexts:
    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.asked: list[str] = []

    async def essay_text(self, text_ref: str) -> str | None:
        self.asked.append(text_ref)
        return self.texts.get(text_ref)


class FakeSharedAssignments:
    """CJ's answer: ``shared`` per user, or ``down`` (it cannot be asked)."""

    def __init__(self) -> None:
        self.shared: dict[str, list[SharedAssignmentRef]] = {}
        self.down = False
        self.asked: list[str] = []

    async def shared_assignments(self, user_id: str) -> list[SharedAssignmentRef]:
        self.asked.append(user_id)
        if self.down:
            raise ServiceUnavailableError("CJ assessment service could not be asked")
        return self.shared.get(user_id, [])


class FakeAccessLog:
    """The access log's owners (its own transactions): how many entries each has; ``down`` fails every call."""

    def __init__(self) -> None:
        self.entries: dict[str, int] = {}
        self.down = False

    async def forget_owner(self, owner_id: str) -> int:
        if self.down:
            raise ConnectionError("the access log could not be written")
        return self.entries.pop(owner_id, 0)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "postgresql://unused/never-connected",
        "HULEEDU_INTERNAL_API_KEY": "unit-test-key",
        **overrides,
    }
    return Settings(**values)


@dataclass
class Service:
    """The use cases' context over the fakes, and the fakes themselves for the assertions."""

    ctx: ServiceContext
    uow: FakeUnitOfWorkFactory
    passwords: FakePasswords
    guard: FakeSignInLock
    texts: FakeEssayTexts
    handlers: BatchEventHandlers
    cj: FakeSharedAssignments
    access_log: FakeAccessLog


@pytest.fixture
def service() -> Service:
    settings = make_settings()
    uow, passwords, guard, texts = FakeUnitOfWorkFactory(), FakePasswords(), FakeSignInLock(), FakeEssayTexts()
    matcher = StudentMatcher(settings, texts)
    cj = FakeSharedAssignments()
    ctx = ServiceContext(settings, uow, passwords, guard, matcher, cj)
    return Service(ctx, uow, passwords, guard, texts, BatchEventHandlers(matcher), cj, FakeAccessLog())
