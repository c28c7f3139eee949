"""``pdm run dlq`` against the dev stack's broker and a real consumer (issue 19, the DLQ runbook).

A record no consumer can parse is sent to a topic the result aggregator reads; the aggregator
dead-letters it. The tool then shows the letter, replays it (the aggregator dead-letters it a
second time, which proves it went back to its topic with its own headers), and purges the DLQ,
after which the depth the ``DlqNotEmpty`` alert watches is 0.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from common_core.topics import Topic
from scripts.demo import run_demo
from scripts.devstack.procs import wait_until
from scripts.devstack.settings import DevstackSettings
from scripts.devstack.topics import resolve_bootstrap
from scripts.dlq import kafka_io
from scripts.dlq.__main__ import main as dlq_main
from scripts.dlq.letters import DeadLetter

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

SOURCE = Topic.BATCH_UPDATED.value
DLQ = SOURCE + ".dlq"


async def _send_poison(bootstrap: str, key: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(SOURCE, value=b"\x00not an event{", key=key, headers=[("origin", b"dlq-test")])
    finally:
        await producer.stop()


def _ours(bootstrap: str, key: bytes) -> list[DeadLetter]:
    letters, _ = asyncio.run(kafka_io.read_all(bootstrap, DLQ))
    return [letter for letter in letters if letter.key == key]


def test_show_replay_and_purge_a_dead_letter(gateway: run_demo.Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    bootstrap = resolve_bootstrap(DevstackSettings.from_env())
    key = f"dlq-test-{uuid.uuid4().hex}".encode()
    asyncio.run(_send_poison(bootstrap, key))
    wait_until(lambda: len(_ours(bootstrap, key)) == 1, 60.0, "the aggregator to dead-letter the poison record")
    (first,) = _ours(bootstrap, key)
    assert first.reason == "unparseable"
    assert first.header("dlq_consumer").startswith("result_aggregator_service")
    assert first.replay_headers() == [("origin", b"dlq-test")]

    assert dlq_main(["show", SOURCE]) == 0
    shown = capsys.readouterr().out
    assert "unparseable" in shown
    assert key.decode() in shown

    # Another reason picks nothing: nothing is sent.
    assert dlq_main(["replay", DLQ, "--reason", "handler_error"]) == 0
    assert "replaying 0" in capsys.readouterr().out
    assert dlq_main(["replay", DLQ, "--reason", "unparseable", "--dry-run"]) == 0
    assert "would replay" in capsys.readouterr().out
    assert len(_ours(bootstrap, key)) == 1

    assert dlq_main(["replay", DLQ, "--reason", "unparseable"]) == 0
    replayed = capsys.readouterr().out
    assert "replayed" in replayed
    purge_line = next(line for line in replayed.splitlines() if "pdm run dlq purge" in line)
    wait_until(lambda: len(_ours(bootstrap, key)) == 2, 60.0, "the replayed record to be dead-lettered again")
    again = _ours(bootstrap, key)[-1]
    assert again.offset > first.offset
    assert again.value == first.value
    assert again.replay_headers() == first.replay_headers()  # no dlq_* headers piled up

    # The printed purge deletes what the replay read, and keeps the letter that came after it.
    below = purge_line.split("--below", 1)[1].strip()
    assert dlq_main(["purge", DLQ, "--below", below]) == 0
    capsys.readouterr()
    assert [letter.offset for letter in _ours(bootstrap, key)] == [again.offset]

    assert dlq_main(["purge", DLQ, "--yes"]) == 0
    assert "0 records left" in capsys.readouterr().out
    assert asyncio.run(kafka_io.depths(bootstrap, [DLQ])) == {DLQ: 0}


def test_bad_input_is_an_error_message_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert dlq_main(["show", "huleedu.nope.v1"]) == 2
    assert "not a topic of the registry" in capsys.readouterr().err
    assert dlq_main(["purge", DLQ, "--below", "zero:1"]) == 2
    assert "PARTITION:OFFSET" in capsys.readouterr().err
    assert dlq_main(["purge", DLQ, "--below", "99:1"]) == 2
    assert "no partition 99" in capsys.readouterr().err
