"""Live progress pushed over Server-Sent Events, through the dev stack's gateway and the real BFF feed.

The signed-in teacher opens ``/bff/v1/teacher/batches/{id}/events`` on a batch of essays, then starts
a mock assessment: the stream shows the batch's ``state``, progress rising to 100 % and the
completion, and then closes by itself. Meanwhile the result aggregator's batch route (read from its
``/metrics``) is asked exactly once: when the stream opened. Another teacher's batch is a 404 before
any stream, and a teacher holding the most streams allowed gets a 429 until one closes.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from tests.integration.stack import create_teacher, log_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

RAS_BATCH_ROUTE = "/internal/v1/batches/<batch_id>"
PASSWORD = "bff-live-progress-test-password"  # a throwaway account in the dev stack
MAX_STREAMS_PER_USER = 5  # BFF_TEACHER_SERVICE_SSE_MAX_STREAMS_PER_USER's default, which the dev stack keeps
ERROR_FIELDS = {"code", "message", "correlation_id", "service", "details"}


@dataclass(frozen=True)
class Sse:
    name: str
    id: str
    data: dict[str, Any]


def events_path(batch_id: str) -> str:
    return f"/bff/v1/teacher/batches/{batch_id}/events"


def sse_events(response: httpx.Response) -> Generator[Sse, None, None]:
    """The stream's events as they arrive; heartbeat comments are skipped."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line:
            if not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
            continue
        if "event" in fields:
            yield Sse(fields["event"], fields.get("id", ""), json.loads(fields.get("data", "null")))
        fields = {}


def ras_batch_requests() -> float:
    """Requests the result aggregator has answered on its batch route, whatever their status."""
    text = httpx.get(run_demo.service_url("result_aggregator_service") + "/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "huleedu_http_requests_total"
        and sample.labels.get("route") == RAS_BATCH_ROUTE
        and sample.labels.get("method") == "GET"
    )


def known_to_the_result_aggregator(client: httpx.Client, batch_id: str) -> None:
    """RAS learns of a batch from content's event; a stream can only open once it has."""
    for _ in range(60):
        if client.get(f"/v1/results/batches/{batch_id}").status_code == 200:
            return
        time.sleep(0.5)
    pytest.fail(f"the result aggregator never learnt of batch {batch_id}")


def signed_in(gateway: run_demo.Gateway) -> httpx.Client:
    gateway.refresh()  # a fresh access token: the module's may be close to its end
    return httpx.Client(
        base_url=gateway.base_url, timeout=120.0, headers={"Authorization": f"Bearer {gateway.access_token}"}
    )


@contextlib.contextmanager
def other_teacher(base_url: str) -> Iterator[httpx.Client]:
    """A fresh teacher, signed in: nothing of anyone else's is theirs."""
    email = create_teacher("Streamer", PASSWORD)
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        client.headers["Authorization"] = f"Bearer {log_in(client, email, PASSWORD)['access_token']}"
        yield client


@pytest.fixture(scope="module")
def batch_with_essays(gateway: run_demo.Gateway) -> str:
    """A batch of the signed-in (demo) teacher with six essays, not started, known to the result aggregator."""
    batch_id = run_demo.create_batch(gateway, run_demo.demo_assignment(gateway), student_essays(6, seed=17))
    with signed_in(gateway) as client:
        known_to_the_result_aggregator(client, batch_id)
    return batch_id


def test_a_stream_sees_the_assessment_to_its_end_without_polling_the_result_aggregator(
    gateway: run_demo.Gateway, batch_with_essays: str
):
    received: list[Sse] = []
    opened = threading.Event()
    ended_by_itself = threading.Event()

    def listen(client: httpx.Client) -> None:
        with client.stream("GET", events_path(batch_with_essays)) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"].startswith("text/event-stream")
            for event in sse_events(response):
                received.append(event)
                opened.set()
        ended_by_itself.set()

    before = ras_batch_requests()
    with signed_in(gateway) as client:
        listener = threading.Thread(target=listen, args=(client,), daemon=True)
        listener.start()
        assert opened.wait(30), "no state event within 30 s"
        run_demo.start_assessment(gateway, batch_with_essays, "serial_bundle")
        listener.join(timeout=480)
    after = ras_batch_requests()

    assert ended_by_itself.is_set(), f"the stream did not close after the completion: {received[-3:]}"
    names = [event.name for event in received]
    assert names[0] == "state"
    assert (received[0].data["batch_id"], received[0].data["status"]) == (batch_with_essays, "draft")
    assert names[-1] == "completed", names
    assert set(names[1:-1]) == {"progress"}, names
    percentages = [event.data["progress_percentage"] for event in received[1:]]
    assert percentages == sorted(percentages), percentages
    assert percentages[-1] == 100.0
    assert len({event.id for event in received}) == len(received)
    assert after - before == 1, f"the result aggregator's batch route was asked {after - before} times"


def test_another_teachers_batch_is_a_404_before_any_stream(gateway: run_demo.Gateway, batch_with_essays: str):
    with other_teacher(gateway.base_url) as other:
        response = other.get(events_path(batch_with_essays))
        unknown = other.get(events_path(str(uuid.uuid4())))
    for reply in (response, unknown):
        assert reply.status_code == 404, reply.text
        assert set(reply.json()["error"]) == ERROR_FIELDS
        assert reply.json()["error"]["service"] == "bff_teacher_service"


def test_a_teacher_may_hold_only_so_many_streams(gateway: run_demo.Gateway):
    with other_teacher(gateway.base_url) as teacher, contextlib.ExitStack() as streams:
        batch = teacher.post("/v1/batches", json={"title": "Streams", "course_code": "ENG5"})
        assert batch.status_code < 300, batch.text
        batch_id = batch.json()["batch_id"]
        known_to_the_result_aggregator(teacher, batch_id)
        held: list[Generator[Sse, None, None]] = []
        for _ in range(MAX_STREAMS_PER_USER):
            response = streams.enter_context(teacher.stream("GET", events_path(batch_id)))
            assert response.status_code == 200
            # Kept: an event iterator that is let go closes its connection, and the stream with it.
            events = sse_events(response)
            assert next(events).name == "state"  # a draft: the stream stays open
            held.append(events)
        # Bounded, so that a stream wrongly granted fails the test instead of hanging it.
        refused = teacher.get(events_path(batch_id), timeout=10)
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "RATE_LIMITED"

        held[0].close()  # the client goes away: the gateway and the BFF let the stream go
        for _ in range(50):
            with teacher.stream("GET", events_path(batch_id)) as again:
                if again.status_code == 200:
                    assert next(sse_events(again)).name == "state"
                    break
            time.sleep(0.1)
        else:
            pytest.fail("a closed stream's place was never freed")
