"""Measuring how long the event loop stalls, and how slowly ``/healthz`` answers, while work runs.

A service's HTTP requests, its ``/healthz`` and its Kafka consumers' heartbeats share one event
loop: CPU work on that loop (parsing an upload, say) delays all of them. The hostile-upload tests
run a request in one task and watch the loop from others; the benchmarks print the same figures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
TICK_S = 0.01
PROBE_PAUSE_S = 0.05


@dataclass(frozen=True)
class Watched(Generic[T]):
    result: T
    seconds: float  # how long the watched work took
    worst_stall_s: float  # the longest a 10 ms ticker overslept
    worst_probe_s: float  # the slowest probe (e.g. GET /healthz) while the work ran
    probes: int  # how many probes completed while the work ran


async def watch_loop(work: Awaitable[T], probe: Callable[[], Awaitable[object]]) -> Watched[T]:
    """Run ``work``; meanwhile tick every 10 ms and call ``probe`` again and again, timing both."""
    done = asyncio.Event()
    stalls: list[float] = [0.0]
    probe_times: list[float] = [0.0]

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            stalls.append(now - last - TICK_S)
            last = now

    async def probe_repeatedly() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await probe()
            probe_times.append(time.perf_counter() - started)
            await asyncio.sleep(PROBE_PAUSE_S)

    watchers = [asyncio.create_task(tick()), asyncio.create_task(probe_repeatedly())]
    started = time.perf_counter()
    try:
        result = await work
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        await asyncio.gather(*watchers)
    return Watched(result, elapsed, max(stalls), max(probe_times), len(probe_times) - 1)
