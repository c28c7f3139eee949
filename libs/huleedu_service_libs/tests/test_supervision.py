"""The supervisor restarts a background loop that dies, reports it down meanwhile, counts it, and stops cleanly."""

import asyncio
from collections.abc import Callable

import pytest

from huleedu_service_libs.http.health import workers_check
from huleedu_service_libs.metrics import WORKER_RESTARTS
from huleedu_service_libs.supervision import (
    RestartPolicy,
    SupervisedWorker,
    WorkerGroup,
)

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


def restart_count(service: str, worker: str) -> float:
    return WORKER_RESTARTS.labels(service, worker)._value.get()


async def wait_until(condition) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - polling a plain attribute of the worker under test
            await asyncio.sleep(0.001)


async def test_a_worker_that_crashes_or_returns_is_replaced_by_a_fresh_one():
    started, factory = scripted("crash", "return", "crash")
    worker = SupervisedWorker("svc_a", "consumer", factory, QUICK)
    worker.start()

    await wait_until(lambda: len(started) == 4 and started[3].running.is_set())

    assert [w.step for w in started] == ["crash", "return", "crash", "serve"]
    assert len({id(w) for w in started}) == 4  # a new instance per run (a ConsumerRunner runs once)
    assert worker.restarts == 3
    assert restart_count("svc_a", "consumer") == 3
    assert worker.alive
    await worker.stop(timeout_s=5)
    assert started[3].stopped
    assert not worker.alive


async def test_while_waiting_to_restart_the_worker_is_reported_down_and_stop_ends_the_wait():
    started, factory = scripted("crash")
    worker = SupervisedWorker("svc_b", "relay", factory, SLOW)
    worker.start()
    await wait_until(lambda: worker.restarts == 1)

    assert not worker.alive  # /healthz answers 503 until the loop runs again
    async with asyncio.timeout(5):  # would hang for the hour-long backoff if stop did not cut it short
        await worker.stop(timeout_s=5)
    assert len(started) == 1


async def test_stopping_a_healthy_worker_is_not_a_crash():
    started, factory = scripted()
    worker = SupervisedWorker("svc_c", "consumer", factory, QUICK)
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

    worker = SupervisedWorker("svc_d", "stubborn", Stubborn, QUICK)
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
    worker = SupervisedWorker("svc_c", "consumer", factory, QUICK)
    worker.start()
    with pytest.raises(RuntimeError, match="already started"):
        worker.start()
    await worker.stop(timeout_s=5)


def test_the_restart_series_exists_before_any_crash():
    SupervisedWorker("svc_e", "relay", scripted()[1], QUICK)
    assert restart_count("svc_e", "relay") == 0


async def test_a_group_fails_the_health_check_while_one_loop_is_down_and_passes_once_it_is_back():
    started, factory = scripted("crash")
    group = WorkerGroup(
        [
            SupervisedWorker("svc_f", "down_then_up", factory, RestartPolicy(base_delay_s=0.2, max_delay_s=0.2)),
            SupervisedWorker("svc_f", "steady", scripted()[1], QUICK),
        ],
        stop_timeout_s=5,
    )
    check = workers_check(group)
    group.start()
    await wait_until(lambda: group.workers[0].restarts == 1 and group.workers[1].alive)
    assert group.down() == ["down_then_up"]
    assert await check() is False
    await wait_until(group.running)
    assert await check() is True
    await group.stop()
    assert not group.running()
    assert len(started) == 2


async def test_a_loop_with_a_synchronous_stop_is_stopped_too():
    class Relay:
        def __init__(self) -> None:
            self._stop = asyncio.Event()

        async def run(self) -> None:
            await self._stop.wait()

        def stop(self) -> None:
            self._stop.set()

    relay = Relay()
    worker = SupervisedWorker("svc_g", "relay", lambda: relay, QUICK)
    worker.start()
    await wait_until(lambda: worker.alive)
    await worker.stop(timeout_s=5)
    assert relay._stop.is_set()
    assert worker.restarts == 0


async def test_abort_cancels_every_loop_mid_work_without_a_restart_and_a_later_stop_is_harmless():
    started, factory = scripted()
    group = WorkerGroup([SupervisedWorker("svc_j", "consumer", factory, QUICK)], stop_timeout_s=5)
    group.start()
    await wait_until(group.running)
    await group.abort()
    assert not group.running()
    assert not started[0].stopped  # cancelled, not asked to stop
    await group.stop()
    assert group.workers[0].restarts == 0
    assert len(started) == 1
