"""The background builder: names, supervision, stop order by stage, start order reversed, /healthz's view."""

import asyncio
from typing import Any, cast

import pytest

from huleedu_service_libs.background import BackgroundBuilder, in_transaction
from huleedu_service_libs.http.health import workers_check
from huleedu_service_libs.kafka.consumer import HandlerContext
from huleedu_service_libs.supervision import RestartPolicy

QUICK = RestartPolicy(base_delay_s=0.001, max_delay_s=0.002)


class Loop:
    """Runs until stopped, writing its start and stop in a shared journal; ``crash()`` makes run raise."""

    def __init__(self, name: str, journal: list[str], *, sync_stop: bool = False) -> None:
        self.name = name
        self.journal = journal
        self._stopped = asyncio.Event()
        self._crash = asyncio.Event()
        self.sync_stop = sync_stop

    async def run(self) -> None:
        self.journal.append(f"start {self.name}")
        waits = [asyncio.create_task(self._stopped.wait()), asyncio.create_task(self._crash.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        if self._crash.is_set():
            self._crash.clear()
            raise RuntimeError(f"{self.name} crashed")

    def crash(self) -> None:
        self._crash.set()

    def stop(self):  # plain or async, as the loop was built: the supervisor awaits either
        if self.sync_stop:
            self.journal.append(f"stop {self.name}")
            self._stopped.set()
            return None

        async def stopping() -> None:
            await asyncio.sleep(0)
            self.journal.append(f"stop {self.name}")
            self._stopped.set()

        return stopping()


async def wait_until(condition) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - polling plain state of the loops under test
            await asyncio.sleep(0.001)


async def test_stages_stop_in_order_with_their_hook_between_and_start_in_reverse():
    journal: list[str] = []
    loops = {name: Loop(name, journal, sync_stop=name == "relay") for name in ("worker", "poller", "writer", "relay")}

    async def drain() -> None:
        journal.append("drain")

    background = (
        BackgroundBuilder("svc_bg_a", QUICK, stop_timeout_s=5)
        .loop("worker", lambda: loops["worker"])
        .loop("poller", lambda: loops["poller"])
        .then(drain)
        .loop("writer", lambda: loops["writer"])
        .loop("relay", lambda: loops["relay"])
        .build()
    )
    assert background.names == ["worker", "poller", "writer", "relay"]
    background.start()
    await wait_until(lambda: len(journal) == 4)
    # The delivery stage is started first, so what the first stage produces has somewhere to go.
    assert set(journal[:2]) == {"start writer", "start relay"}
    await background.stop()
    stops = journal[4:]
    assert set(stops[:2]) == {"stop worker", "stop poller"}
    assert stops[2] == "drain"
    assert set(stops[3:]) == {"stop writer", "stop relay"}


async def test_a_crashed_loop_is_down_for_healthz_until_the_supervisor_restarts_it():
    journal: list[str] = []
    built: list[Loop] = []

    def new_loop() -> Loop:
        built.append(Loop("consumer", journal))
        return built[-1]

    background = BackgroundBuilder("svc_bg_b", RestartPolicy(3600, 3600), stop_timeout_s=5).loop("consumer", new_loop)
    work = background.build()
    check = workers_check(work)
    work.start()
    await wait_until(lambda: len(built) == 1 and journal == ["start consumer"])
    assert await check() is True
    built[0].crash()
    await wait_until(lambda: work.down() == ["consumer"])
    assert await check() is False
    await work.stop()


async def test_a_fresh_instance_is_built_for_every_restart():
    journal: list[str] = []
    built: list[Loop] = []

    def new_loop() -> Loop:
        built.append(Loop("relay", journal))
        return built[-1]

    work = BackgroundBuilder("svc_bg_c", QUICK, stop_timeout_s=5).loop("relay", new_loop).build()
    work.start()
    await wait_until(lambda: len(built) == 1 and journal)
    built[0].crash()
    await wait_until(lambda: len(built) == 2 and work.down() == [])
    await work.stop()
    assert journal[-1] == "stop relay"


def test_two_loops_with_one_name_are_refused():
    builder = BackgroundBuilder("svc_bg_d", QUICK, stop_timeout_s=5).loop("relay", lambda: Loop("a", []))
    builder.then()
    with pytest.raises(ValueError, match="two background loops named 'relay'"):
        builder.loop("relay", lambda: Loop("b", []))


async def test_a_consumer_handler_gets_the_runners_transaction_and_none_is_a_wiring_error():
    seen: list[object] = []

    async def handler(envelope: object, session: object) -> None:
        seen.append(session)

    session = object()
    await in_transaction(handler)(cast(Any, "envelope"), context(session))
    assert seen == [session]
    with pytest.raises(RuntimeError, match="without its transaction"):
        await in_transaction(handler)(cast(Any, "envelope"), context(None))


def context(session: object) -> HandlerContext:
    return HandlerContext("t", 0, 0, None, {}, 1, cast(Any, session))
