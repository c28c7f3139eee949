"""Batch CRUD for the owning teacher, ownership 404s across two teachers, and the identity guard."""

import asyncio
import uuid

import pytest

from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1


async def test_create_get_rename_list_and_delete_a_batch(content, peers):
    class_id = peers.allow_class("teacher-a")
    created = await content.create_batch(title="Essays 9B", course_code="ENG5", class_id=class_id)
    assert created["status"] == "draft"
    assert created["essay_count"] == 0
    batch_id = created["batch_id"]

    fetched = await (await content.call("GET", f"/v1/batches/{batch_id}")).get_json()
    assert fetched == created

    renamed = await content.call("PATCH", f"/v1/batches/{batch_id}", json_body={"title": "Essays 9B, spring"})
    assert renamed.status_code == 200
    assert (await renamed.get_json())["title"] == "Essays 9B, spring"

    listed = await (await content.call("GET", "/v1/batches")).get_json()
    assert [item["batch_id"] for item in listed["items"]] == [batch_id]
    assert listed["total"] == 1

    deleted = await content.call("DELETE", f"/v1/batches/{batch_id}")
    assert deleted.status_code == 204
    assert (await content.call("GET", f"/v1/batches/{batch_id}")).status_code == 404
    assert await content.fetch("SELECT 1 FROM batches") == []


async def test_the_list_is_paginated_newest_first(content):
    ids = [(await content.create_batch(title=f"Batch {n}"))["batch_id"] for n in range(5)]
    await content.create_batch(user="teacher-b")
    first = await (await content.call("GET", "/v1/batches?limit=2")).get_json()
    second = await (await content.call("GET", "/v1/batches?limit=2&offset=2")).get_json()
    last = await (await content.call("GET", "/v1/batches?limit=2&offset=4")).get_json()
    assert first["total"] == second["total"] == last["total"] == 5
    seen = [item["batch_id"] for page in (first, second, last) for item in page["items"]]
    assert seen == list(reversed(ids))


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=ten"])
async def test_bad_pagination_names_the_field(content, query):
    response = await content.call("GET", f"/v1/batches?{query}")
    assert response.status_code == 400
    body = await response.get_json()
    assert body["error"]["details"]["field"] == query.split("=")[0]


async def test_invalid_batch_fields_are_named_in_the_error(content):
    response = await content.call("POST", "/v1/batches", json_body={"title": "", "course_code": "ENG5"})
    assert response.status_code == 400
    body = await response.get_json()
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert "title" in str(body["error"]["details"])


async def test_registering_a_batch_emits_batch_registered_with_class_and_assignment(content, peers):
    class_id, assignment_id = peers.allow_class("teacher-a"), peers.allow_assignment("teacher-a")
    created = await content.create_batch(class_id=class_id, assignment_id=assignment_id)
    [(key, envelope)] = await content.read_events(BatchRegisteredV1, 1)
    assert key == created["batch_id"].encode()
    assert envelope["event_type"] == content.topics[BatchRegisteredV1]
    assert envelope["source_service"] == "content_service"
    data = envelope["data"]
    assert (data["batch_id"], data["user_id"], data["class_id"], data["assignment_id"]) == (
        created["batch_id"],
        "teacher-a",
        class_id,
        assignment_id,
    )
    assert data["created_at"].endswith(("+00:00", "Z"))


async def test_another_teachers_batch_is_a_404_on_every_route(content, samples):
    batch_id = (await content.create_batch(user="teacher-a"))["batch_id"]
    upload_body = [("a.txt", samples.essay_text("a").encode())]
    attempts = {
        "get": await content.call("GET", f"/v1/batches/{batch_id}", user="teacher-b"),
        "rename": await content.call("PATCH", f"/v1/batches/{batch_id}", user="teacher-b", json_body={"title": "x"}),
        "essays": await content.call("GET", f"/v1/batches/{batch_id}/essays", user="teacher-b"),
        "upload": await content.upload(batch_id, upload_body, user="teacher-b"),
        "assess": await content.call("POST", f"/v1/batches/{batch_id}/assessments", user="teacher-b"),
        "delete": await content.call("DELETE", f"/v1/batches/{batch_id}", user="teacher-b"),
    }
    assert {name: response.status_code for name, response in attempts.items()} == dict.fromkeys(attempts, 404)
    listed = await (await content.call("GET", "/v1/batches", user="teacher-b")).get_json()
    assert listed["items"] == []
    # Nothing happened to teacher A's batch.
    owned = await (await content.call("GET", f"/v1/batches/{batch_id}", user="teacher-a")).get_json()
    assert (owned["title"], owned["essay_count"], owned["status"]) == ("Argumentative essays", 0, "draft")


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"key": None}, 401),  # no internal key: a client calling the service directly
        ({"key": "wrong-key"}, 401),
        ({"service": None}, 403),
        ({"service": "cj_assessment_service"}, 403),  # a real service, but not one allowed here
        ({"user": None}, 401),  # the gateway always names the user
    ],
)
async def test_teacher_routes_need_the_gateway_and_an_identity(content, kwargs, status):
    response = await content.call("GET", "/v1/batches", **kwargs)
    assert response.status_code == status
    body = await response.get_json()
    assert body["error"]["service"] == "content_service"


async def test_a_client_sent_user_id_without_the_internal_key_creates_nothing(content):
    response = await content.call(
        "POST", "/v1/batches", key=None, service=None, user="teacher-a", json_body={"title": "t", "course_code": "c"}
    )
    assert response.status_code == 401
    assert await content.fetch("SELECT 1 FROM batches") == []


async def test_renames_and_the_delete_reach_kafka_through_the_outbox(content):
    created = await content.create_batch(title="Draft title", course_code="ENG5")
    batch_id = created["batch_id"]
    titles = ["Second title", "Third title"]
    views = []
    for title in titles:
        response = await content.call("PATCH", f"/v1/batches/{batch_id}", json_body={"title": title})
        views.append(await response.get_json())
    assert (await content.call("DELETE", f"/v1/batches/{batch_id}")).status_code == 204

    updates = await content.read_events(BatchUpdatedV1, 2)
    assert [key for key, _ in updates] == [batch_id.encode()] * 2
    payloads = [envelope["data"] for _, envelope in updates]
    assert [p["title"] for p in payloads] == titles
    assert {(p["batch_id"], p["user_id"], p["course_code"]) for p in payloads} == {(batch_id, "teacher-a", "ENG5")}
    # The event carries the stored updated_at, and a later rename always carries a later one.
    assert [p["updated_at"] for p in payloads] == [v["updated_at"] for v in views]
    assert BatchUpdatedV1.model_validate(payloads[1]).updated_at > BatchUpdatedV1.model_validate(payloads[0]).updated_at

    [(key, deleted)] = await content.read_events(BatchDeletedV1, 1)
    assert key == batch_id.encode()
    assert (deleted["data"]["batch_id"], deleted["data"]["user_id"]) == (batch_id, "teacher-a")


async def test_a_rename_waiting_for_the_row_lock_still_gets_a_later_updated_at(content):
    # Two renames race on one batch: whichever commits last must carry the larger updated_at,
    # or a read model ordering by it would keep the wrong title.
    batch_id = (await content.create_batch(title="Start"))["batch_id"]
    responses = await asyncio.gather(
        *(content.call("PATCH", f"/v1/batches/{batch_id}", json_body={"title": f"Title {n}"}) for n in range(6))
    )
    assert all(r.status_code == 200 for r in responses)
    [row] = await content.fetch("SELECT title, updated_at FROM batches WHERE batch_id = $1", uuid.UUID(batch_id))
    payloads = [envelope["data"] for _, envelope in await content.read_events(BatchUpdatedV1, 6)]
    newest = max(payloads, key=lambda p: BatchUpdatedV1.model_validate(p).updated_at)
    assert newest["title"] == row["title"]  # the newest event is the committed state
    assert len({p["updated_at"] for p in payloads}) == 6


async def test_another_teacher_can_neither_rename_nor_delete_and_nothing_is_announced(content):
    batch_id = (await content.create_batch(title="Mine"))["batch_id"]
    rename = await content.call("PATCH", f"/v1/batches/{batch_id}", user="teacher-b", json_body={"title": "x"})
    delete = await content.call("DELETE", f"/v1/batches/{batch_id}", user="teacher-b")
    assert (rename.status_code, delete.status_code) == (404, 404)
    await content.read_events(BatchRegisteredV1, 1)  # the relay has run past the creation
    assert await content.topic_size(BatchUpdatedV1) == 0
    assert await content.topic_size(BatchDeletedV1) == 0
    assert await content.fetch("SELECT 1 FROM event_outbox WHERE topic <> $1", content.topics[BatchRegisteredV1]) == []
