"""Keeps background loops (Kafka consumers, the outbox relay, queue workers, monitors) running.

A loop that raises, or returns without being asked to stop, is logged and started again from a
fresh instance after a capped, jittered exponential backoff. Meanwhile ``alive`` is false, so
``/healthz`` (``http.health.workers_check``) answers 503 for exactly as long as the loop is down.
The backoff starts over once a run has stayed up for ``policy.healthy_after_s``, so a rare crash
weeks apart does not wait the cap. Every restart counts in ``huleedu_background_worker_restarts_total``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import structlog

from huleedu_service_libs.kafka.backoff import RetryPolicy
from huleedu_service_libs.metrics import WORKER_RESTARTS

_log = structlog.stdlib.get_logger(__name__)


class Worker(Protocol):
    def run(self) -> Awaitable[None]:
        """Work until :meth:`stop`; any other return or exception counts as a crash."""

    def stop(self) -> Awaitable[None] | None:
        """Ask :meth:`run` to finish the work in hand and return (a plain or an async method: both are awaited)."""


@dataclass(frozen=True)
class RestartPolicy:
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    # A run that lasted this long was healthy: the next crash starts the backoff over.
    healthy_after_s: float = 300.0

    def delay(self, crashes_in_a_row: int) -> float:
        backoff = RetryPolicy(base_backoff_s=self.base_delay_s, max_backoff_s=self.max_delay_s)
        return backoff.delay(crashes_in_a_row)


class SupervisedWorker:
    """Runs ``factory()``'s worker until :meth:`stop`, replacing it each time it dies.

    A new instance per run, because a worker may refuse to run twice (``ConsumerRunner`` does).
    Each crash increments ``huleedu_background_worker_restarts_total{service, worker=name}``.
    """

    def __init__(self, service: str, name: str, factory: Callable[[], Worker], policy: RestartPolicy) -> None:
        self.service = service
        self.name = name
        self._factory = factory
        self._policy = policy
        self._stopping = asyncio.Event()
        self._current: Worker | None = None
        self._task: asyncio.Task[None] | None = None
        self.restarts = 0
        # Exported from the start, so a dashboard sees 0 rather than no series before a crash.
        WORKER_RESTARTS.labels(service, name)

    @property
    def alive(self) -> bool:
        """A worker is running right now (not crashed, not waiting to be restarted, not stopped)."""
        return self._current is not None and self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError(f"{self.name} was already started")
        self._task = asyncio.create_task(self._supervise(), name=f"supervise:{self.name}")

    async def stop(self, timeout_s: float) -> None:
        """Stop the running worker (or the wait before its restart); cancel it after ``timeout_s``."""
        self._stopping.set()
        worker = self._current
        if self._task is None:
            return
        if worker is not None:
            try:
                async with asyncio.timeout(timeout_s):
                    stopping = worker.stop()
                    if inspect.isawaitable(stopping):
                        await stopping
            except Exception as exc:
                _log.warning("background_worker_stop_failed", worker=self.name, error=repr(exc))
        _, pending = await asyncio.wait([self._task], timeout=timeout_s)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def abort(self) -> None:
        """Cancel the loop mid-work with no graceful stop and no restart (a hard shutdown, or a crash in tests)."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        crashes_in_a_row = 0
        while not self._stopping.is_set():
            worker = self._factory()
            self._current = worker
            started = loop.time()
            try:
                await worker.run()
                error = "returned without being asked to stop"
            except Exception as exc:
                error = repr(exc)
            finally:
                self._current = None
            if self._stopping.is_set():
                return
            crashes_in_a_row = 1 if loop.time() - started >= self._policy.healthy_after_s else crashes_in_a_row + 1
            delay = self._policy.delay(crashes_in_a_row)
            self.restarts += 1
            WORKER_RESTARTS.labels(self.service, self.name).inc()
            _log.error(
                "background_worker_died",
                worker=self.name,
                error=error,
                crashes_in_a_row=crashes_in_a_row,
                restart_in_s=round(delay, 2),
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._stopping.wait()
            if not self._stopping.is_set():
                _log.info("background_worker_restarting", worker=self.name, restarts=self.restarts)


class WorkerGroup:
    """A service's supervised loops: started in ``before_serving``, stopped in ``after_serving``."""

    def __init__(self, workers: Iterable[SupervisedWorker], *, stop_timeout_s: float = 30.0) -> None:
        self.workers = list(workers)
        self._stop_timeout_s = stop_timeout_s

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def running(self) -> bool:
        """Every loop is up (a crashed consumer must not look healthy)."""
        return all(worker.alive for worker in self.workers)

    def down(self) -> list[str]:
        return [worker.name for worker in self.workers if not worker.alive]

    async def stop(self) -> None:
        await asyncio.gather(*(worker.stop(self._stop_timeout_s) for worker in self.workers))

    async def abort(self) -> None:
        await asyncio.gather(*(worker.abort() for worker in self.workers))
