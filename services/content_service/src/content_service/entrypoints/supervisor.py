"""Keeps a background loop (the CJ events consumer, the outbox relay) running: restarts it when it dies.

A loop that raises, or returns without being asked to stop, is logged and started again from a
fresh instance after a capped, jittered exponential backoff. Meanwhile ``alive`` is false, so
``/healthz`` answers 503 for exactly as long as the loop is down. The backoff starts over once a
run has stayed up for ``policy.healthy_after_s``, so a rare crash weeks apart does not wait the cap.

Nothing here is specific to content service (the lead may move it to huleedu_service_libs).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from huleedu_service_libs.kafka.backoff import RetryPolicy

_log = structlog.get_logger(__name__)


class Worker(Protocol):
    async def run(self) -> None:
        """Work until :meth:`stop`; any other return or exception counts as a crash."""

    async def stop(self) -> None:
        """Ask :meth:`run` to finish the work in hand and return."""


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
    ``on_restart`` is told each crash (a metric in the app).
    """

    def __init__(
        self,
        name: str,
        factory: Callable[[], Worker],
        policy: RestartPolicy,
        *,
        on_restart: Callable[[str], None] = lambda _name: None,
    ) -> None:
        self.name = name
        self._factory = factory
        self._policy = policy
        self._on_restart = on_restart
        self._stopping = asyncio.Event()
        self._current: Worker | None = None
        self._task: asyncio.Task[None] | None = None
        self.restarts = 0

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
                    await worker.stop()
            except Exception as exc:
                _log.warning("background_worker_stop_failed", worker=self.name, error=repr(exc))
        _, pending = await asyncio.wait([self._task], timeout=timeout_s)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

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
            self._on_restart(self.name)
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
