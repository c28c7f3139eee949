"""The adapter boundary of the use cases: a repository and an outbox, inside one unit of work, the
two peers that own what a batch may point at (CMS's classes, CJ's assignments), and the access log.

PostgreSQL and HTTP implement these in ``adapters/``; the unit tests use in-memory fakes
(tests/service_layer/conftest.py). Every repository method runs inside the unit of work's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

from common_core.http.access import AccessSubject
from common_core.http.content import TextKind
from common_core.http.estimates import AssessmentEstimate, AssessmentEstimateRequest
from common_core.status import BatchStatus
from content_service.domain.model import AssessmentRequest, Batch, Essay, Text
from huleedu_service_libs.access_log import Accessor


class ContentRepository(Protocol):
    async def insert_batch(
        self,
        *,
        batch_id: uuid.UUID,
        owner_id: str,
        title: str,
        course_code: str,
        class_id: uuid.UUID | None,
        assignment_id: uuid.UUID | None,
    ) -> Batch:
        """A new batch in ``draft``."""

    async def owned_batch(self, owner_id: str, batch_id: uuid.UUID, *, for_update: bool = False) -> Batch | None:
        """The batch if ``owner_id`` owns it; another teacher's batch is as absent as a missing one.

        ``for_update`` locks it until the unit of work ends, which serialises commands on one batch.
        """

    async def batch_for_update(self, batch_id: uuid.UUID) -> Batch | None:
        """Any owner's batch, locked (the CJ events consumer acts for no particular teacher)."""

    async def list_batches(self, owner_id: str, limit: int, offset: int) -> tuple[list[Batch], int]:
        """One page of the owner's batches, newest first, and how many the owner has in all."""

    async def essay_counts(self, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]: ...

    async def set_status(self, batch_id: uuid.UUID, status: BatchStatus) -> Batch: ...

    async def set_title(self, batch_id: uuid.UUID, title: str) -> Batch: ...

    async def delete_batch_and_texts(self, batch_id: uuid.UUID) -> None:
        """Delete the batch, its essays and requests, and the essay texts nothing else uses."""

    async def delete_essays_and_texts(
        self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID] | None = None
    ) -> tuple[int, int]:
        """Delete the batch's essays (all, or only ``essay_ids``) and the essay texts nothing else uses;
        (essays, texts) deleted. Ids that are not (or no longer) the batch's essays are skipped."""

    async def owned_batches_for_update(self, owner_id: str, limit: int) -> list[Batch]:
        """Up to ``limit`` of ``owner_id``'s batches in any state, locked until the unit of work ends."""

    async def due_for_retention(self, cutoff: datetime, limit: int) -> list[Batch]:
        """Up to ``limit`` batches (locked) not being assessed, last changed before ``cutoff``, with essays."""

    async def mark_texts_purged(self, batch_id: uuid.UUID) -> None:
        """The batch stays (for its aggregates) but its essays and texts are gone."""

    async def essays_of(self, batch_id: uuid.UUID) -> list[Essay]:
        """The batch's essays in upload order."""

    async def insert_essay(
        self,
        *,
        essay_id: uuid.UUID,
        batch_id: uuid.UUID,
        filename: str,
        text_id: str,
        word_count: int,
        author_hint: str | None,
    ) -> Essay: ...

    async def store_text(self, text_id: str, kind: TextKind, content: str, word_count: int) -> Text:
        """Insert the text unless its content address exists; the stored text either way (first kind wins)."""

    async def add_text_owner(self, text_id: str, owner_id: str) -> None:
        """Remember that ``owner_id`` stored the text (once per owner); it stays while any owner does."""

    async def release_owned_texts(self, owner_id: str) -> int:
        """Forget ``owner_id`` as an owner of texts, and delete those of its texts that no other owner stored
        and no essay holds; how many texts were deleted."""

    async def texts_by_id(self, text_ids: Sequence[str]) -> dict[str, Text]: ...

    async def owned_essay_texts(self, owner_id: str, text_ids: Sequence[str]) -> dict[str, Text]:
        """The texts among ``text_ids`` that are essays in ``owner_id``'s batches; any other text is absent."""

    async def owned_essays_holding(self, owner_id: str, text_ids: Sequence[str]) -> list[uuid.UUID]:
        """The essays of ``owner_id``'s batches whose text is one of ``text_ids``."""

    async def request_by_key(self, batch_id: uuid.UUID, key: str) -> AssessmentRequest | None: ...

    async def latest_request(self, batch_id: uuid.UUID) -> AssessmentRequest | None: ...

    async def request_count(self, batch_id: uuid.UUID) -> int: ...

    async def insert_request(
        self,
        *,
        request_id: uuid.UUID,
        batch_id: uuid.UUID,
        idempotency_key: str | None,
        request_fingerprint: str,
        essay_count: int,
    ) -> AssessmentRequest: ...


class EventOutbox(Protocol):
    async def emit(self, payload: BaseModel, *, batch_id: uuid.UUID, event_id: uuid.UUID) -> None:
        """Queue ``payload`` for Kafka in the unit of work's transaction, keyed by its batch."""

    async def forget(self, batch_id: uuid.UUID) -> None:
        """Erase the batch's events that were already sent (or given up on); those still owed stay."""


class UnitOfWork(Protocol):
    """One transaction: committed when the ``async with`` block ends normally, rolled back otherwise."""

    @property
    def repo(self) -> ContentRepository: ...

    @property
    def events(self) -> EventOutbox: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class AccessRecorder(Protocol):
    """The access log (``huleedu_service_libs.access_log.AccessLog``): its own transactions, not the unit of work's."""

    async def record(self, owner_id: str, accessor: Accessor, subjects: Iterable[tuple[AccessSubject, str]]) -> int:
        """One entry per subject read; raises when it cannot write (the read then fails, unrecorded never)."""

    async def forget_owner(self, owner_id: str) -> int: ...


class ClassLookup(Protocol):
    async def owns_class(self, owner_id: str, class_id: uuid.UUID) -> bool:
        """Whether the class is ``owner_id``'s (``False`` for another teacher's or an unknown one).

        Raises ``ServiceUnavailableError`` when class management cannot answer: unchecked is not allowed.
        """

    async def student_names(self, owner_id: str, batch_id: uuid.UUID) -> dict[uuid.UUID, str]:
        """The confirmed student's full name of each essay of the batch that has one (essay id -> name).

        Raises ``ServiceUnavailableError`` when class management cannot answer: an assessment does not
        start without the names it must redact.
        """


class AssignmentLookup(Protocol):
    async def may_use_assignment(self, owner_id: str, assignment_id: uuid.UUID) -> bool:
        """Whether ``owner_id`` may assess with the assignment (their own or a shared one).

        Raises ``ServiceUnavailableError`` when CJ cannot answer.
        """


class AssessmentEstimator(Protocol):
    async def estimate(self, owner_id: str, request: AssessmentEstimateRequest) -> AssessmentEstimate:
        """What CJ says an assessment of this size would take, for ``owner_id`` (who must be allowed its assignment).

        Raises ``NotFoundError`` for an assignment the teacher may not use, ``ValidationFailedError`` or
        ``ConflictError`` with CJ's reason, and ``ServiceUnavailableError`` when CJ cannot answer.
        """
