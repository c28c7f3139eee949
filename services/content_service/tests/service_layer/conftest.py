"""In-memory fakes at the adapter boundary (repository, outbox, unit of work) for the use-case tests.

The fake unit of work behaves like the PostgreSQL one where the use cases depend on it: the
state and the events of a block are kept only when it ends normally, and an exception rolls
both back. Events land in ``committed_events`` only on commit, like outbox rows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel

from common_core.http.content import TextKind
from common_core.http.estimates import AmountRange, AssessmentEstimate, AssessmentEstimateRequest, CountRange
from common_core.status import BatchStatus
from content_service.config import Settings
from content_service.domain.batch_states import ACTIVE_STATES
from content_service.domain.model import AssessmentRequest, Batch, Essay, Text
from content_service.service_layer.context import ContentContext
from huleedu_service_libs.errors import ServiceUnavailableError
from huleedu_service_libs.testing.fake_access_log import FakeAccessLog
from huleedu_service_libs.testing.fake_transactions import FakeTransactions, TickingClock


@dataclass
class State:
    batches: dict[uuid.UUID, Batch] = field(default_factory=dict)
    essays: list[Essay] = field(default_factory=list)  # upload order
    texts: dict[str, Text] = field(default_factory=dict)
    text_owners: set[tuple[str, str]] = field(default_factory=set)  # (text_id, owner_id)
    requests: list[AssessmentRequest] = field(default_factory=list)
    forgotten_event_keys: list[uuid.UUID] = field(default_factory=list)  # batches whose sent events were erased


@dataclass(frozen=True)
class EmittedEvent:
    payload: BaseModel
    batch_id: uuid.UUID
    event_id: uuid.UUID


class FakeRepository:
    def __init__(self, state: State, clock: TickingClock) -> None:
        self.state = state
        self._clock = clock
        self.locked: list[uuid.UUID] = []  # every batch read for update, in order

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
        now = self._clock()
        batch = Batch(batch_id, owner_id, title, course_code, class_id, assignment_id, BatchStatus.DRAFT, now, now)
        self.state.batches[batch_id] = batch
        return batch

    async def owned_batch(self, owner_id: str, batch_id: uuid.UUID, *, for_update: bool = False) -> Batch | None:
        batch = self.state.batches.get(batch_id)
        if batch is None or batch.owner_id != owner_id:
            return None
        if for_update:
            self.locked.append(batch_id)
        return batch

    async def batch_for_update(self, batch_id: uuid.UUID) -> Batch | None:
        self.locked.append(batch_id)
        return self.state.batches.get(batch_id)

    async def list_batches(self, owner_id: str, limit: int, offset: int) -> tuple[list[Batch], int]:
        owned = sorted(
            (b for b in self.state.batches.values() if b.owner_id == owner_id), key=lambda b: b.created_at, reverse=True
        )
        return owned[offset : offset + limit], len(owned)

    async def essay_counts(self, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        counts: dict[uuid.UUID, int] = {}
        for essay in self.state.essays:
            if essay.batch_id in batch_ids:
                counts[essay.batch_id] = counts.get(essay.batch_id, 0) + 1
        return counts

    async def set_status(self, batch_id: uuid.UUID, status: BatchStatus) -> Batch:
        batch = replace(self.state.batches[batch_id], status=status, updated_at=self._clock())
        self.state.batches[batch_id] = batch
        return batch

    async def set_title(self, batch_id: uuid.UUID, title: str) -> Batch:
        batch = replace(self.state.batches[batch_id], title=title, updated_at=self._clock())
        self.state.batches[batch_id] = batch
        return batch

    async def delete_batch_and_texts(self, batch_id: uuid.UUID) -> None:
        await self.delete_essays_and_texts(batch_id)
        del self.state.batches[batch_id]
        self.state.requests = [r for r in self.state.requests if r.batch_id != batch_id]

    async def delete_essays_and_texts(
        self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID] | None = None
    ) -> tuple[int, int]:
        def goes(essay: Essay) -> bool:
            return essay.batch_id == batch_id and (essay_ids is None or essay.essay_id in essay_ids)

        gone = [e.text_id for e in self.state.essays if goes(e)]
        self.state.essays = [e for e in self.state.essays if not goes(e)]
        still_used = {e.text_id for e in self.state.essays}
        owned = {text_id for text_id, _ in self.state.text_owners}
        unused = {t for t in gone if t not in still_used | owned and self.state.texts[t].kind is TextKind.ESSAY}
        for text_id in unused:
            del self.state.texts[text_id]
        return len(gone), len(unused)

    async def due_for_retention(self, cutoff: datetime, limit: int) -> list[Batch]:
        due = [
            b
            for b in self.state.batches.values()
            if b.updated_at < cutoff and b.texts_purged_at is None and b.status not in ACTIVE_STATES
        ]
        return sorted(due, key=lambda b: b.updated_at)[:limit]

    async def owned_batches_for_update(self, owner_id: str, limit: int) -> list[Batch]:
        owned = sorted((b for b in self.state.batches.values() if b.owner_id == owner_id), key=lambda b: b.batch_id)
        self.locked += [b.batch_id for b in owned[:limit]]
        return owned[:limit]

    async def mark_texts_purged(self, batch_id: uuid.UUID) -> None:
        self.state.batches[batch_id] = replace(self.state.batches[batch_id], texts_purged_at=self._clock())

    async def essays_of(self, batch_id: uuid.UUID) -> list[Essay]:
        return [e for e in self.state.essays if e.batch_id == batch_id]

    async def insert_essay(
        self,
        *,
        essay_id: uuid.UUID,
        batch_id: uuid.UUID,
        filename: str,
        text_id: str,
        word_count: int,
        author_hint: str | None,
    ) -> Essay:
        if any(e.batch_id == batch_id and e.text_id == text_id for e in self.state.essays):
            raise AssertionError("uq_essays_batch_text: the use case stored a duplicate")
        essay = Essay(essay_id, batch_id, filename, text_id, word_count, author_hint, self._clock())
        self.state.essays.append(essay)
        return essay

    async def store_text(self, text_id: str, kind: TextKind, content: str, word_count: int) -> Text:
        return self.state.texts.setdefault(text_id, Text(text_id, kind, content, word_count))

    async def add_text_owner(self, text_id: str, owner_id: str) -> None:
        self.state.text_owners.add((text_id, owner_id))

    async def release_owned_texts(self, owner_id: str) -> int:
        released = {text_id for text_id, owner in self.state.text_owners if owner == owner_id}
        self.state.text_owners -= {(text_id, owner_id) for text_id in released}
        still_used = {text_id for text_id, _ in self.state.text_owners} | {e.text_id for e in self.state.essays}
        unused = released - still_used
        for text_id in unused:
            del self.state.texts[text_id]
        return len(unused)

    async def texts_by_id(self, text_ids: Sequence[str]) -> dict[str, Text]:
        return {text_id: self.state.texts[text_id] for text_id in text_ids if text_id in self.state.texts}

    async def owned_essay_texts(self, owner_id: str, text_ids: Sequence[str]) -> dict[str, Text]:
        owned = {e.text_id for e in self.state.essays if self.state.batches[e.batch_id].owner_id == owner_id}
        return {text_id: self.state.texts[text_id] for text_id in text_ids if text_id in owned}

    async def owned_essays_holding(self, owner_id: str, text_ids: Sequence[str]) -> list[uuid.UUID]:
        return [
            e.essay_id
            for e in self.state.essays
            if e.text_id in text_ids and self.state.batches[e.batch_id].owner_id == owner_id
        ]

    async def request_by_key(self, batch_id: uuid.UUID, key: str) -> AssessmentRequest | None:
        return next((r for r in self.state.requests if r.batch_id == batch_id and r.idempotency_key == key), None)

    async def latest_request(self, batch_id: uuid.UUID) -> AssessmentRequest | None:
        return next((r for r in reversed(self.state.requests) if r.batch_id == batch_id), None)

    async def request_count(self, batch_id: uuid.UUID) -> int:
        return sum(r.batch_id == batch_id for r in self.state.requests)

    async def insert_request(
        self,
        *,
        request_id: uuid.UUID,
        batch_id: uuid.UUID,
        idempotency_key: str | None,
        request_fingerprint: str,
        essay_count: int,
    ) -> AssessmentRequest:
        if any(r.request_id == request_id for r in self.state.requests):
            raise AssertionError("assessment_requests primary key: the same request id twice")
        request = AssessmentRequest(
            request_id, batch_id, idempotency_key, request_fingerprint, essay_count, self._clock()
        )
        self.state.requests.append(request)
        return request


class FakeOutbox:
    def __init__(self, state: State, fail_for: type[BaseModel] | None) -> None:
        self.pending: list[EmittedEvent] = []
        self._state = state
        self._fail_for = fail_for

    async def forget(self, batch_id: uuid.UUID) -> None:
        self._state.forgotten_event_keys.append(batch_id)

    async def emit(self, payload: BaseModel, *, batch_id: uuid.UUID, event_id: uuid.UUID) -> None:
        if self._fail_for is not None and isinstance(payload, self._fail_for):
            raise ConnectionResetError("the database went away while writing the outbox row")
        self.pending.append(EmittedEvent(payload, batch_id, event_id))


@dataclass
class FakeUnitOfWork:
    repo: FakeRepository
    events: FakeOutbox


class FakeUnitOfWorkFactory(FakeTransactions[State, EmittedEvent]):
    """Hands out units of work over one shared in-memory state; commit keeps, an exception rolls back."""

    def __init__(self) -> None:
        super().__init__(State())
        self.clock = TickingClock()
        self.fail_emit_for: type[BaseModel] | None = None
        self.last_repo: FakeRepository | None = None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[FakeUnitOfWork]:
        uow = FakeUnitOfWork(FakeRepository(self.state, self.clock), FakeOutbox(self.state, self.fail_emit_for))
        self.last_repo = uow.repo
        async with self.transaction(uow.events.pending):
            yield uow


class FakeDirectory:
    """CMS's classes or CJ's assignments as content service sees them: which ids a teacher may use.

    ``down`` answers like an adapter whose peer does not answer; ``asked`` records every question.
    """

    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.usable: set[tuple[str, uuid.UUID]] = set()
        self.down = False
        self.asked: list[tuple[str, uuid.UUID]] = []
        # CMS's confirmed essay -> student names, by (teacher, batch).
        self.names: dict[tuple[str, uuid.UUID], dict[uuid.UUID, str]] = {}

    def allow(self, owner_id: str, item_id: uuid.UUID) -> uuid.UUID:
        self.usable.add((owner_id, item_id))
        return item_id

    async def _may_use(self, owner_id: str, item_id: uuid.UUID) -> bool:
        self.asked.append((owner_id, item_id))
        if self.down:
            raise ServiceUnavailableError(f"{self.peer} is not answering")
        return (owner_id, item_id) in self.usable

    async def owns_class(self, owner_id: str, class_id: uuid.UUID) -> bool:
        return await self._may_use(owner_id, class_id)

    async def student_names(self, owner_id: str, batch_id: uuid.UUID) -> dict[uuid.UUID, str]:
        if self.down:
            raise ServiceUnavailableError(f"{self.peer} is not answering")
        return dict(self.names.get((owner_id, batch_id), {}))

    async def may_use_assignment(self, owner_id: str, assignment_id: uuid.UUID) -> bool:
        return await self._may_use(owner_id, assignment_id)


class FakeEstimator:
    """CJ's estimate as content service sees it: answers with ``answer`` (or raises ``error``), records questions."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, AssessmentEstimateRequest]] = []
        self.error: Exception | None = None

    async def estimate(self, owner_id: str, request: AssessmentEstimateRequest) -> AssessmentEstimate:
        self.asked.append((owner_id, request))
        if self.error is not None:
            raise self.error
        span = CountRange(minimum=1, typical=2, maximum=3)
        return AssessmentEstimate(
            essay_count=request.essay_count,
            anchor_count=0,
            total_words=request.total_words,
            provider=request.llm.provider,
            model=request.llm.model,
            batching_mode=request.llm.batching_mode,
            provider_configured=True,
            comparisons=span,
            waves=span,
            llm_calls=span,
            input_tokens=span,
            output_tokens=span,
            cost_usd=AmountRange(minimum=0.0, typical=0.0, maximum=0.0),
            duration_seconds=AmountRange(minimum=1.0, typical=2.0, maximum=3.0),
        )


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "postgresql://unused/never-connected",
        "min_words": 10,
        "max_words": 400,
        "max_essays_per_batch": 20,
        "max_files_per_upload": 12,
        "HULEEDU_INTERNAL_API_KEY": "unit-test-key",
        **overrides,
    }
    return Settings(**values)


@dataclass
class Service:
    """The use cases' context over the fakes, and the fakes themselves for the assertions."""

    ctx: ContentContext
    uow: FakeUnitOfWorkFactory
    classes: FakeDirectory
    assignments: FakeDirectory
    estimates: FakeEstimator
    access_log: FakeAccessLog

    def with_settings(self, **overrides: Any) -> Service:
        settings = make_settings(**overrides)
        ctx = ContentContext(settings, self.uow, self.classes, self.assignments, self.estimates, self.access_log)
        return Service(ctx, self.uow, self.classes, self.assignments, self.estimates, self.access_log)


@pytest.fixture
def service() -> Service:
    uow = FakeUnitOfWorkFactory()
    classes, assignments = FakeDirectory("class management service"), FakeDirectory("CJ assessment service")
    estimates, access_log = FakeEstimator(), FakeAccessLog()
    ctx = ContentContext(make_settings(), uow, classes, assignments, estimates, access_log)
    return Service(ctx, uow, classes, assignments, estimates, access_log)
