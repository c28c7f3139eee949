"""The adapter boundary of the use cases: three repositories and an outbox inside one unit of work,
and the collaborators outside the database (password hashing, the sign-in lock, essay texts, CJ's
shared assignments, the access log's own transactions).

PostgreSQL, Redis and HTTP implement these in ``adapters/``; the unit tests use in-memory fakes
(tests/service_layer/conftest.py). Every repository method runs inside the unit of work's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

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
from common_core.http.class_management import SharedAssignmentRef


class ClassRepository(Protocol):
    """Classes, students and rosters. Reads by id are owner-scoped: another teacher's row is absent."""

    async def insert_class(self, class_id: uuid.UUID, owner_id: str, name: str, course_code: str) -> SchoolClass: ...

    async def owned_class(self, owner_id: str, class_id: uuid.UUID) -> SchoolClass | None: ...

    async def owned_class_ids(self, owner_id: str, class_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """The ids among ``class_ids`` that are ``owner_id``'s classes."""

    async def list_classes(self, owner_id: str) -> list[SchoolClass]:
        """By name, then id."""

    async def update_class(self, class_id: uuid.UUID, changes: Mapping[str, object]) -> None:
        """Set the given columns and ``updated_at``."""

    async def delete_class(self, class_id: uuid.UUID) -> None:
        """The class and its roster entries; the students stay."""

    async def insert_student(self, student_id: uuid.UUID, owner_id: str, new: NewStudent) -> None:
        """The student, placed in ``new.class_ids`` (the owner's classes: the use case checked)."""

    async def owned_student(self, owner_id: str, student_id: uuid.UUID) -> Student | None: ...

    async def lock_students(self, student_ids: Sequence[uuid.UUID]) -> None:
        """Hold the students (key-share) until the transaction ends: an erasure waits for it, or has gone first."""

    async def list_students(self, owner_id: str, *, class_id: uuid.UUID | None = None) -> list[Student]:
        """By last name, first name, id; only the class's students when ``class_id`` is given."""

    async def update_student(self, student_id: uuid.UUID, changes: Mapping[str, object]) -> None:
        """Set the given columns and ``updated_at``."""

    async def delete_student(self, student_id: uuid.UUID) -> None:
        """The student and their roster places; essays linked to them lose the link."""

    async def add_to_roster(self, class_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        """``False`` when the student was in the class already."""

    async def remove_from_roster(self, class_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        """``False`` when the student was not in the class."""

    async def roster(self, class_id: uuid.UUID) -> list[RosterStudent]:
        """Every student in the class, by id (ownership is the caller's business)."""

    async def lock_student(self, student_id: uuid.UUID) -> None:
        """Hold the student's row until the unit of work ends: a confirmation naming the student waits for
        an erasure in progress (and then fails), and one already made is seen by the erasure."""

    async def delete_everything_of(self, owner_id: str) -> OwnedRecords:
        """Delete the owner's classes and students with their rosters; the ids of what went."""


class AssociationRepository(Protocol):
    """Batches (from batch.registered), their essays (from essay.uploaded) and the essay-to-student links."""

    async def lock_batch(self, batch_id: uuid.UUID) -> None:
        """Serialise this unit of work with any other handling the same batch, until it ends.

        batch.registered and essay.uploaded can be handled at once by two replicas; without the
        lock each would miss the other's uncommitted row, and the essay would never be matched.
        """

    async def record_batch(self, batch_id: uuid.UUID, owner_id: str, class_id: uuid.UUID | None) -> bool:
        """``False`` if the batch was known already (a batch's class never changes)."""

    async def batch(self, batch_id: uuid.UUID) -> Batch | None:
        """Any owner's batch (the consumer acts for no particular teacher)."""

    async def owned_batches(self, owner_id: str, batch_ids: Sequence[uuid.UUID]) -> list[Batch]:
        """The ones among ``batch_ids`` that are ``owner_id``'s, in no particular order."""

    async def insert_essay(
        self, essay_id: uuid.UUID, batch_id: uuid.UUID, *, filename: str, text_ref: str, author_hint: str | None
    ) -> Essay | None:
        """The stored essay, or ``None`` if it was stored already (a producer retry)."""

    async def essays_of(self, batch_id: uuid.UUID) -> list[Essay]:
        """In arrival order, then id."""

    async def essay_ids_in(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """The ids among ``essay_ids`` that are essays of the batch."""

    async def unconfirmed_essays(self, batch_id: uuid.UUID) -> list[Essay]: ...

    async def save_match(self, essay_id: uuid.UUID, outcome: MatchOutcome) -> None:
        """Write the suggestion unless the essay was confirmed meanwhile: the teacher's decision wins."""

    async def confirm(
        self, choices: Mapping[uuid.UUID, uuid.UUID], *, confirmed_by: str, confirmed_at: datetime
    ) -> None:
        """Set each essay's (key) confirmed student (value)."""

    async def confirmed_authors(self, batch_id: uuid.UUID) -> list[ConfirmedAuthor]:
        """By last name, first name, essay id."""

    async def pending_batches(self, owner_id: str, limit: int, offset: int) -> tuple[list[PendingBatch], int]:
        """One page of the owner's batches with unconfirmed essays, newest first, and how many there are."""

    async def is_erased(self, batch_id: uuid.UUID) -> bool:
        """Whether batch.deleted erased the batch: none of its later events may store anything."""

    async def erase_batch(self, batch_id: uuid.UUID) -> int:
        """Record the batch's id as erased, then delete its class link and its essays with everything on
        them (file names, author hints, openings, suggestions, confirmations). How many essays went;
        safe to repeat."""

    async def essays_confirmed_as(self, student_id: uuid.UUID) -> list[Essay]:
        """The essays the teacher confirmed as the student's, in every batch: by batch id, arrival, id."""

    async def delete_essays(self, essay_ids: Sequence[uuid.UUID]) -> int:
        """Delete these essays with everything on them; how many went."""

    async def batch_ids_of(self, owner_id: str) -> list[uuid.UUID]:
        """Every batch of the owner CMS knows, by id."""

    async def due_for_retention(self, cutoff: datetime, limit: int, *, with_batches: bool) -> list[uuid.UUID]:
        """Up to ``limit`` batch ids whose essays are due: registered before ``cutoff``, or never registered
        and with every essay received before it. Only batches that still hold essays, unless
        ``with_batches`` (the batch rows go too, so every old batch is due)."""


class AccountRepository(Protocol):
    async def insert_teacher(
        self, teacher_id: uuid.UUID, *, email: str, display_name: str, password_hash: str, locale: str
    ) -> Teacher | None:
        """The new teacher, or ``None`` (and the unit of work still usable) when the email is taken."""

    async def teacher_by_email(self, email: str) -> Teacher | None: ...

    async def teacher_by_id(self, teacher_id: uuid.UUID) -> Teacher | None: ...

    async def rehash_password(self, teacher_id: uuid.UUID, new_hash: str) -> None:
        """The same password under stronger hashing parameters."""

    async def replace_password(self, teacher_id: uuid.UUID, old_hash: str, new_hash: str) -> bool:
        """Only over ``old_hash``: ``False`` when another change replaced it first."""

    async def delete_teacher(self, teacher_id: uuid.UUID) -> bool:
        """``False`` when the account was gone already (deleted at the same moment)."""


class EventOutbox(Protocol):
    async def emit(self, payload: BaseModel, *, key: str) -> None:
        """Queue ``payload`` for Kafka in the unit of work's transaction, keyed by ``key``."""

    async def forget(self, *, key: str) -> None:
        """Delete every event written under ``key``, queued or already published (an erased batch's)."""

    async def forget_all(self, keys: Sequence[str]) -> None:
        """``forget`` for each of ``keys`` (an erased account's classes, students and batches)."""

    async def forget_naming(self, *, key: str, ids: Sequence[uuid.UUID]) -> None:
        """Delete the events under ``key`` whose payload names any of ``ids`` (erased essays' confirmations)."""


class UnitOfWork(Protocol):
    """One transaction: committed when the ``async with`` block ends normally, rolled back otherwise."""

    @property
    def classes(self) -> ClassRepository: ...

    @property
    def associations(self) -> AssociationRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def events(self) -> EventOutbox: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``None`` (no such account) never does, but takes as long."""

    def needs_rehash(self, stored_hash: str) -> bool: ...


class SignInLock(Protocol):
    """Failed attempts per email; raises ``ServiceUnavailableError`` when it cannot count (fail closed)."""

    async def state(self, email: str) -> LockState: ...

    async def record_failure(self, email: str) -> LockState:
        """Count one failure; the state says whether this one locked the account."""

    async def clear(self, email: str) -> None: ...


class SharedAssignmentSource(Protocol):
    async def shared_assignments(self, user_id: str) -> list[SharedAssignmentRef]:
        """The assignments the user owns and shares (CJ); ``ServiceUnavailableError`` when it cannot be asked."""


class EssayTextSource(Protocol):
    async def essay_text(self, text_ref: str) -> str | None:
        """The essay's text, or ``None`` when it cannot be read (best effort: never raises)."""


class AccessLogOwners(Protocol):
    async def forget_owner(self, owner_id: str) -> int:
        """Delete every access-log entry about the owner's data, in a transaction of its own; how many went."""
