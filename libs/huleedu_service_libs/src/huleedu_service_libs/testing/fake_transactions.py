"""Commit-or-roll-back bookkeeping for the in-memory fake units of work of the use-case tests.

A service's fake unit of work hands its fake repositories one shared state object. Like the
PostgreSQL unit of work, a block's changes and its events must be kept only when the block ends
normally; an exception rolls both back. ``FakeTransactions`` does that part once (and
``TickingClock`` is the clock the fake repositories stamp their rows with):

    class FakeUnitOfWorkFactory(FakeTransactions[State, EmittedEvent]):
        @asynccontextmanager
        async def __call__(self) -> AsyncIterator[FakeUnitOfWork]:
            uow = FakeUnitOfWork(FakeRepository(self.state), FakeOutbox())
            async with self.transaction(uow.events.pending):
                yield uow
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar


class Emitted(Protocol):
    """An event a fake outbox queued: the event model itself is its ``payload``."""

    @property
    def payload(self) -> object: ...


class TickingClock:
    """The fake repositories' clock: a second later at every call, so "newest first" and "latest" are well defined."""

    def __init__(self, start: datetime = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)) -> None:
        self._now = start

    def __call__(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


StateT = TypeVar("StateT")
EventT = TypeVar("EventT", bound=Emitted)
ModelT = TypeVar("ModelT")


class FakeTransactions(Generic[StateT, EventT]):
    """One in-memory state shared by every transaction, with what was committed and rolled back.

    ``state`` keeps its identity (the fake repositories hold it), so it must be an object with a
    ``__dict__`` (a dataclass without slots, say): a rollback puts back, in place, the attributes
    of a deep copy taken when the transaction began.
    """

    def __init__(self, state: StateT) -> None:
        self.state = state
        self.committed_events: list[EventT] = []
        self.commits = 0
        self.rollbacks = 0

    @asynccontextmanager
    async def transaction(self, pending: Sequence[EventT] = ()) -> AsyncIterator[None]:
        """Keep the block's changes to ``state`` and its ``pending`` events (read when the block ends)
        if it ends normally; on any exception restore ``state`` as it was and re-raise."""
        before = copy.deepcopy(self.state)
        try:
            yield
        except BaseException:
            vars(self.state).update(vars(before))
            self.rollbacks += 1
            raise
        self.committed_events += pending
        self.commits += 1

    def events_of(self, model: type[ModelT]) -> list[ModelT]:
        """The committed events' payloads that are ``model``s, in commit order."""
        return [event.payload for event in self.committed_events if isinstance(event.payload, model)]
