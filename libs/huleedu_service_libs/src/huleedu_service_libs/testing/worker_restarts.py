"""Helpers for the services' "a background worker dies and comes back" tests.

Every service supervises its consumers and relays with ``supervision.supervise``; their restart tests
crash a worker once, watch /healthz fail and recover, and read the restart counter from /metrics.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from quart.typing import TestClientProtocol

from huleedu_service_libs.supervision import RestartPolicy

# Long enough that /healthz is seen failing, short enough for a test.
SLOW_ENOUGH_TO_SEE = RestartPolicy(base_delay_s=3.0, max_delay_s=3.0)

# One /healthz answer: its status code and its JSON body.
Healthz = Callable[[], Awaitable[tuple[int, dict[str, Any]]]]


def crash_once(monkeypatch: pytest.MonkeyPatch, cls: type, method: str, crashed: list[str]) -> None:
    """Make ``cls.method`` raise the first time it runs, as an unforeseen bug or outage would.

    ``crashed`` gets ``cls.__name__`` when it does, so the test can check that the crash happened.
    """
    original = getattr(cls, method)

    async def crash_then_behave(self: Any, *args: Any, **kwargs: Any) -> Any:
        if cls.__name__ not in crashed:
            crashed.append(cls.__name__)
            raise RuntimeError(f"{cls.__name__} hit an unexpected error")
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, crash_then_behave)


def worker_restarts(exposition: str, service: str, worker: str) -> float:
    """``huleedu_background_worker_restarts_total`` for one worker, read from a /metrics exposition."""
    series = f'huleedu_background_worker_restarts_total{{service="{service}",worker="{worker}"}}'
    match = re.search(rf"^{re.escape(series)} (\S+)$", exposition, re.M)
    if match is None:
        pytest.fail(f"{series} is not exported")
    return float(match.group(1))


def quart_healthz(client: TestClientProtocol) -> Healthz:
    """/healthz asked through a Quart test client."""

    async def ask() -> tuple[int, dict[str, Any]]:
        response = await client.get("/healthz")
        return response.status_code, await response.get_json()

    return ask


class HealthWatch:
    """/healthz polled while a crashed worker is down and after it is back (bounded waits, no timing asserts)."""

    def __init__(self, healthz: Healthz, *, timeout_s: float = 60.0) -> None:
        self._healthz = healthz
        self._timeout_s = timeout_s

    async def workers_fail(self) -> dict[str, Any]:
        """The first answer that is a 503 naming the workers check as failed: its body."""
        async with asyncio.timeout(self._timeout_s):
            while True:
                status, body = await self._healthz()
                if status == 503 and "workers" in body.get("failed", []):
                    return body
                await asyncio.sleep(0.1)

    async def recovers(self) -> None:
        """Until /healthz answers 200 again."""
        async with asyncio.timeout(self._timeout_s):
            while (await self._healthz())[0] != 200:  # noqa: ASYNC110 - polling an HTTP answer
                await asyncio.sleep(0.1)
