"""The supervisor restarts a background loop that dies, reports it down meanwhile, and stops cleanly."""

import asyncio
from collections.abc import Callable

import pytest

from content_service.entrypoints.supervisor import RestartPolicy, SupervisedWorker

QUICK = RestartPolicy(base_delay_s=0.001, max_delay_s=0.002)
SLOW = RestartPolicy(base_delay_s=3600.0, max_delay_s=3600.0)  # a restart that never comes during the test


class ScriptedWorker:
    """Runs one step of a script: "crash" raises, "return" returns unasked, "serve" runs until stopped."""

    def __init__(self, step: str, started: list["ScriptedWorker"]) -> None:
        self.step = step
        self.running = asyncio.Event()
        self._stop = asyncio.Event()
        self.stopped = False
        started.append(self)

    async def run(self) -> None:
        self.running.set()
        if self.step == "crash":
            raise RuntimeError("the broker connection broke")
        if self.step == "return":
            return
        await self._stop.wait()

    async def stop(self) -> None:
        self.stopped = True
        self._stop.set()


def scripted(*steps: str) -> tuple[list[ScriptedWorker], Callable[[], ScriptedWorker]]:
    started: list[ScriptedWorker] = []
    remaining = list(steps)

    def factory() -> ScriptedWorker:
        return ScriptedWorker(remaining.pop(0) if remaining else "serve", started)

    return started, factory


async def wait_until(condition) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - polling a plain attribute of the worker under test
            await asyncio.sleep(0.001)


async def test_a_worker_that_crashes_or_returns_is_replaced_by_a_fresh_one():
    started, factory = scripted("crash", "return", "crash")
    restarted: list[str] = []
    worker = SupervisedWorker("consumer", factory, QUICK, on_restart=restarted.append)
    worker.start()

    await wait_until(lambda: len(started) == 4 and started[3].running.is_set())

    assert [w.step for w in started] == ["crash", "return", "crash", "serve"]
    assert len({id(w) for w in started}) == 4  # a new instance per run (a ConsumerRunner runs once)
    assert (worker.restarts, restarted) == (3, ["consumer"] * 3)
    assert worker.alive
    await worker.stop(timeout_s=5)
    assert started[3].stopped
    assert not worker.alive


async def test_while_waiting_to_restart_the_worker_is_reported_down_and_stop_ends_the_wait():
    started, factory = scripted("crash")
    worker = SupervisedWorker("relay", factory, SLOW)
    worker.start()
    await wait_until(lambda: worker.restarts == 1)

    assert not worker.alive  # /healthz answers 503 until the loop runs again
    async with asyncio.timeout(5):  # would hang for the hour-long backoff if stop did not cut it short
        await worker.stop(timeout_s=5)
    assert len(started) == 1


async def test_stopping_a_healthy_worker_is_not_a_crash():
    started, factory = scripted()
    worker = SupervisedWorker("consumer", factory, QUICK)
    worker.start()
    await wait_until(lambda: started and started[0].running.is_set())
    assert worker.alive
    await worker.stop(timeout_s=5)
    assert worker.restarts == 0
    assert len(started) == 1


async def test_a_worker_that_ignores_stop_is_cancelled_after_the_timeout():
    class Stubborn:
        async def run(self) -> None:
            await asyncio.Event().wait()

        async def stop(self) -> None:
            return None

    worker = SupervisedWorker("stubborn", Stubborn, QUICK)
    worker.start()
    await wait_until(lambda: worker.alive)
    await worker.stop(timeout_s=0.01)
    assert not worker.alive
    assert worker.restarts == 0


def test_the_backoff_doubles_up_to_its_cap_with_jitter():
    policy = RestartPolicy(base_delay_s=1.0, max_delay_s=8.0)
    for crashes, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        assert ceiling / 2 <= policy.delay(crashes) <= ceiling


async def test_a_worker_starts_once():
    _, factory = scripted()
    worker = SupervisedWorker("consumer", factory, QUICK)
    worker.start()
    with pytest.raises(RuntimeError, match="already started"):
        worker.start()
    await worker.stop(timeout_s=5)
