"""The Kafka consumer as the app's background task: started before serving, stopped after."""

from __future__ import annotations

import asyncio

import structlog

from huleedu_service_libs.kafka.consumer import ConsumerRunner

_log = structlog.get_logger()


class ConsumerTask:
    """Runs the consumer runner in the app's event loop; /healthz asks :meth:`running`."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self._runner = runner
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._runner.run(), name="ras-consumer")
        self._task.add_done_callback(self._report)

    async def running(self) -> bool:
        """False once the runner died (e.g. Kafka unreachable at start), so the service reports unhealthy."""
        return self._task is not None and not self._task.done()

    async def stop(self, timeout_s: float) -> None:
        """Let the record in flight commit, then leave the group, within ``timeout_s``."""
        if self._task is None:
            return
        try:
            async with asyncio.timeout(timeout_s):
                await self._runner.stop()
                await self._task
        except Exception as exc:  # shutting down anyway: an unfinished record is redelivered
            _log.warning("consumer.stop_incomplete", error=repr(exc))

    @staticmethod
    def _report(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            _log.error("consumer.crashed", error=repr(task.exception()))
