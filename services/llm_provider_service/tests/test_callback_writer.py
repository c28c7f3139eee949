"""The callback writer as a supervised loop: what a stop commits, and writes while the loop is not running."""

import asyncio
from types import SimpleNamespace
from typing import Any

from llm_provider_service.service_layer.callbacks import CallbackWriter


class FakeStore:
    """Records each transaction's request ids; every outcome is new."""

    def __init__(self):
        self.commits = []

    async def record(self, outcomes):
        self.commits.append([o.request_id for o in outcomes])
        return {o.request_id for o in outcomes}


def outcome(request_id):
    return SimpleNamespace(request_id=request_id)  # the writer reads only the request id


def writer_over_fake_store():
    store = FakeStore()
    records_only: Any = store  # the writer calls nothing but record()
    return CallbackWriter(records_only), store


async def test_without_the_loop_each_outcome_is_written_on_its_own():
    writer, store = writer_over_fake_store()
    assert await writer.write(outcome("a"))
    assert await writer.write(outcome("b"))
    assert store.commits == [["a"], ["b"]]


async def test_stop_commits_what_is_queued_in_one_group_and_later_outcomes_are_written_alone():
    writer, store = writer_over_fake_store()
    loop = asyncio.create_task(writer.run())
    await asyncio.sleep(0)  # the loop is waiting for outcomes
    queued = [asyncio.create_task(writer.write(outcome(rid))) for rid in ("a", "b", "c")]
    await asyncio.sleep(0)  # all three are queued
    writer.stop()
    await asyncio.wait_for(loop, timeout=5)
    assert [await write for write in queued] == [True, True, True]
    assert await writer.write(outcome("d"))
    assert store.commits == [["a", "b", "c"], ["d"]]
