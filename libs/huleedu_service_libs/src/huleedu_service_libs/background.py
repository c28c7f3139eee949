"""The one way a service assembles its background loops: consumers, the outbox relay, and its own loops.

Every service used to build its ``WorkerGroup`` by hand, five different ways. The builder gives each
loop a name, supervision (``supervision.SupervisedWorker``: restart after a backoff, counted in
``huleedu_background_worker_restarts_total``) and a place in the stop order, and the result is what
``/healthz``'s ``workers`` check reads::

    background = (
        BackgroundBuilder(settings.service_name, policy, stop_timeout_s=settings.shutdown_grace_seconds)
        .consumer("requests_consumer", messaging, "cj.requests", {CJAssessmentRequestedV1: on_request})
        .loop("submitter", lambda: Submitter(deps))
        .relay(messaging)
        .build()
    )

Stages: loops added before ``.then(...)`` stop first, then its hook runs, then the next stage stops.
LPS uses it to let comparisons in flight finish while the callback writer and relays still deliver.
Stages start in the reverse order, so whatever delivers is up before whatever produces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.envelope import EventEnvelope
from common_core.events.registry import EventRegistry
from huleedu_service_libs.kafka.consumer import ConsumerRunner, Handler, HandlerContext
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import OutboxRelay
from huleedu_service_libs.outbox.relay import DEFAULT_PUBLISHED_RETENTION_S
from huleedu_service_libs.supervision import RestartPolicy, SupervisedWorker, Worker, WorkerGroup

RELAY = "outbox_relay"


@dataclass(frozen=True)
class Messaging:
    """What a service's consumers and relay share: its publisher, database, tables and topic registry.

    ``registry`` maps payload models to topics; tests pass one that points at fresh topics.
    """

    bootstrap_servers: str
    service_name: str
    publisher: EventPublisher
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    processed_events: Table
    registry: EventRegistry
    outbox: Table | None = None  # None: the service publishes nothing but dead letters (no relay)
    published_retention_s: float = DEFAULT_PUBLISHED_RETENTION_S

    def runner(self, group: str) -> ConsumerRunner:
        """A runner in consumer group ``group``: each event handled once, in one transaction with its claim."""
        return ConsumerRunner(
            self.bootstrap_servers,
            self.service_name,
            group,
            self.publisher,  # dead letters go out through it
            self.registry,
            session_factory=self.sessions,
            processed_events=self.processed_events,
        )

    def relay(self) -> OutboxRelay:
        if self.outbox is None:
            raise RuntimeError(f"{self.service_name} has no outbox to relay")
        return OutboxRelay(
            self.engine,
            self.outbox,
            self.publisher,
            self.service_name,
            published_retention_s=self.published_retention_s,
        )


# An entrypoint: translates the envelope and calls the service layer with a unit of work on the session.
SessionHandler = Callable[[EventEnvelope[Any], AsyncSession], Awaitable[None]]


def in_transaction(handler: SessionHandler) -> Handler[Any]:
    async def handle(envelope: EventEnvelope[Any], ctx: HandlerContext) -> None:
        if ctx.session is None:  # Messaging.runner always has a session factory: a bug, not a record's fault
            raise RuntimeError("a Messaging runner handled a record without its transaction")
        await handler(envelope, ctx.session)

    return handle


class BackgroundWork:
    """The built loops: ``start()`` in ``before_serving``, ``stop()`` in ``after_serving``, ``down()`` for /healthz."""

    def __init__(self, stages: list[tuple[WorkerGroup, Callable[[], Awaitable[None]] | None]]) -> None:
        self._stages = stages

    @property
    def names(self) -> list[str]:
        return [worker.name for group, _ in self._stages for worker in group.workers]

    def start(self) -> None:
        for group, _ in reversed(self._stages):
            group.start()

    def down(self) -> list[str]:
        """The loops not running right now (a crashed consumer must not look healthy)."""
        return [name for group, _ in self._stages for name in group.down()]

    async def stop(self) -> None:
        for group, after in self._stages:
            await group.stop()
            if after is not None:
                await after()

    async def abort(self) -> None:
        """Stop every loop at once without letting it finish (tests of crash recovery)."""
        for group, _ in self._stages:
            await group.abort()


class BackgroundBuilder:
    def __init__(self, service: str, policy: RestartPolicy, *, stop_timeout_s: float) -> None:
        self._service = service
        self._policy = policy
        self._stop_timeout_s = stop_timeout_s
        self._stages: list[tuple[WorkerGroup, Callable[[], Awaitable[None]] | None]] = []
        self._current: list[SupervisedWorker] = []

    def loop(self, name: str, new: Callable[[], Worker]) -> Self:
        """A loop built by ``new`` at every (re)start: a fresh instance, or the same one if it can run again."""
        if name in {w.name for w in self._current} or name in {w.name for g, _ in self._stages for w in g.workers}:
            raise ValueError(f"two background loops named {name!r}")
        self._current.append(SupervisedWorker(self._service, name, new, self._policy))
        return self

    def consumer(
        self, name: str, messaging: Messaging, group: str, subscriptions: Mapping[type[BaseModel], SessionHandler]
    ) -> Self:
        """A Kafka consumer in ``group`` (a ``ConsumerRunner`` runs only once: each restart builds a new one).

        Each handler gets the envelope and the runner's per-record transaction, which also holds the
        event's idempotency claim: it writes through it and never commits it.
        """

        def new_runner() -> ConsumerRunner:
            runner = messaging.runner(group)
            for model, handler in subscriptions.items():
                runner.subscribe(model, in_transaction(handler))
            return runner

        return self.loop(name, new_runner)

    def relay(self, messaging: Messaging, name: str = RELAY) -> Self:
        """The outbox relay (final once stopped: each restart builds a new one)."""
        return self.loop(name, messaging.relay)

    def then(self, after_stop: Callable[[], Awaitable[None]] | None = None) -> Self:
        """Close the stage: its loops stop before the ones added next, then ``after_stop`` runs."""
        self._stages.append((WorkerGroup(self._current, stop_timeout_s=self._stop_timeout_s), after_stop))
        self._current = []
        return self

    def build(self) -> BackgroundWork:
        if self._current or not self._stages:
            self.then()
        return BackgroundWork(self._stages)
