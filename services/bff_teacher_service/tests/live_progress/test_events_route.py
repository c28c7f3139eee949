"""The route through the whole app: Server-Sent Events on the wire, and every refusal before the stream
as a status with the error body (another teacher's batch 404, too many streams 429, no teacher 401)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest

from bff_teacher_service.app import create_app
from bff_teacher_service.config import Settings
from bff_teacher_service.service_layer.live_progress import ProgressStreams
from bff_teacher_service.service_layer.progress_hub import ProgressHub
from services.bff_teacher_service.tests.live_progress.support import BATCH_ID, IdleFeed, batch_detail, completed
from services.bff_teacher_service.tests.service_layer.fakes import NOT_FOUND, FakeOwners

KEY = "bff-events-test-key"
GATEWAY = {"X-Internal-API-Key": KEY, "X-Service-ID": "api_gateway_service", "X-User-ID": "teacher-1"}
EVENTS = f"/bff/v1/teacher/batches/{BATCH_ID}/events"


@pytest.fixture
def owners() -> FakeOwners:
    return FakeOwners(answers={"batch_detail": batch_detail("assessing", 20.0)})


@pytest.fixture
def hub() -> ProgressHub:
    return ProgressHub(max_streams_per_user=1)


@pytest.fixture
async def client(owners: FakeOwners, hub: ProgressHub) -> AsyncIterator[httpx.AsyncClient]:
    app = await create_app(Settings(HULEEDU_INTERNAL_API_KEY=KEY), progress_feed=IdleFeed)
    app.state.progress_streams = ProgressStreams(hub, owners, timeout_s=1.0, heartbeat_s=5.0)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bff") as client,
    ):
        yield client


def error_code(response: httpx.Response) -> str:
    error = response.json()["error"]
    assert set(error) == {"code", "message", "correlation_id", "service", "details"}
    code: str = error["code"]
    return code


async def test_the_stream_is_server_sent_events_and_closes_after_the_completion(
    client: httpx.AsyncClient, hub: ProgressHub, owners: FakeOwners
):
    def completes_while_asked(batch_id: UUID) -> dict[str, Any]:
        # The stream has subscribed by now: the completion waits in its queue behind the state.
        hub.publish(completed())
        return batch_detail("assessing", 20.0)

    owners.answers["batch_detail"] = completes_while_asked
    response = await client.get(EVENTS, headers=GATEWAY)  # the in-process transport returns once it has ended
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    state, done, end = response.text.split("\n\n")
    assert state.startswith(f"id: {hub.epoch}-0\nevent: state\ndata: {{")
    assert done.startswith(f"id: {hub.epoch}-1\nevent: completed\ndata: {{")
    assert end == ""
    assert hub.open_streams("teacher-1") == 0


async def test_a_finished_batch_answers_its_state_and_ends(client: httpx.AsyncClient, owners: FakeOwners):
    owners.answers["batch_detail"] = batch_detail("completed", 100.0)
    response = await client.get(EVENTS, headers={**GATEWAY, "Last-Event-ID": "unknown-3"})
    assert response.status_code == 200
    assert response.text.count("event: ") == 1
    assert "event: state" in response.text


async def test_another_teachers_batch_is_a_404_before_any_stream(client: httpx.AsyncClient, owners: FakeOwners):
    owners.behaviour["batch_detail"] = NOT_FOUND
    response = await client.get(EVENTS, headers=GATEWAY)
    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


async def test_beyond_the_teachers_limit_is_a_429(client: httpx.AsyncClient, hub: ProgressHub):
    held = hub.subscribe("teacher-1", BATCH_ID)
    response = await client.get(EVENTS, headers=GATEWAY)
    held.close()
    assert (response.status_code, error_code(response)) == (429, "RATE_LIMITED")


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({k: v for k, v in GATEWAY.items() if k != "X-User-ID"}, 401), ({**GATEWAY, "X-Service-ID": "x"}, 403)],
)
async def test_only_the_gateway_for_a_teacher_may_open_one(
    client: httpx.AsyncClient, owners: FakeOwners, headers: dict[str, str], status: int
):
    response = await client.get(EVENTS, headers=headers)
    assert response.status_code == status
    error_code(response)
    assert owners.calls == []


async def test_not_a_batch_id_is_refused_before_the_result_aggregator_is_asked(
    client: httpx.AsyncClient, owners: FakeOwners
):
    response = await client.get("/bff/v1/teacher/batches/not-a-uuid/events", headers=GATEWAY)
    assert 400 <= response.status_code < 500
    error_code(response)
    assert owners.calls == []
