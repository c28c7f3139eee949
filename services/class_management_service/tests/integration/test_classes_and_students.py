"""Classes, students and rosters over HTTP: ownership 404s across two teachers, validation that
names the field, and the created/updated events reaching Kafka through the outbox."""

import uuid

from quart.typing import TestClientProtocol as QuartClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.tables import outbox
from common_core.events.classes import ClassCreatedV1, ClassUpdatedV1, StudentCreatedV1, StudentUpdatedV1
from common_core.events.registry import EventRegistry
from huleedu_service_libs.testing.infrastructure import Infrastructure

from .conftest import gateway, read_events

ANNA = str(uuid.uuid4())
BERTIL = str(uuid.uuid4())


async def _create_class(client: QuartClient, owner: str, name: str = "9B") -> dict:
    response = await client.post("/v1/classes", headers=gateway(owner), json={"name": name, "course_code": "ENG5"})
    assert response.status_code == 201, await response.get_json()
    return await response.get_json()


async def _create_student(client: QuartClient, owner: str, **fields) -> dict:
    body = {"first_name": "Tuva", "last_name": "Karlsson", **fields}
    response = await client.post("/v1/students", headers=gateway(owner), json=body)
    assert response.status_code == 201, await response.get_json()
    return await response.get_json()


async def test_a_teacher_builds_a_class_with_a_roster(client: QuartClient):
    nine_b = await _create_class(client, ANNA)
    tuva = await _create_student(client, ANNA, class_ids=[nine_b["class_id"]], email="tuva@skola.se")
    asa = await _create_student(client, ANNA, first_name="Åsa", last_name="Öberg")
    added = await client.put(f"/v1/classes/{nine_b['class_id']}/students/{asa['student_id']}", headers=gateway(ANNA))
    assert added.status_code == 204

    detail = await (await client.get(f"/v1/classes/{nine_b['class_id']}", headers=gateway(ANNA))).get_json()
    assert detail["student_count"] == 2
    assert {s["last_name"] for s in detail["students"]} == {"Karlsson", "Öberg"}
    assert tuva["class_ids"] == [nine_b["class_id"]]

    renamed = await client.patch(f"/v1/classes/{nine_b['class_id']}", headers=gateway(ANNA), json={"name": "9C"})
    assert (await renamed.get_json())["name"] == "9C"
    cleared = await client.patch(f"/v1/students/{tuva['student_id']}", headers=gateway(ANNA), json={"email": None})
    assert (await cleared.get_json())["email"] is None

    removed = await client.delete(
        f"/v1/classes/{nine_b['class_id']}/students/{tuva['student_id']}", headers=gateway(ANNA)
    )
    assert removed.status_code == 204
    roster = await client.get(f"/v1/students?class_id={nine_b['class_id']}", headers=gateway(ANNA))
    assert [s["first_name"] for s in (await roster.get_json())["students"]] == ["Åsa"]

    assert (await client.delete(f"/v1/classes/{nine_b['class_id']}", headers=gateway(ANNA))).status_code == 204
    students = await (await client.get("/v1/students", headers=gateway(ANNA))).get_json()
    assert len(students["students"]) == 2  # deleting a class keeps its students
    assert all(s["class_ids"] == [] for s in students["students"])


async def test_another_teachers_classes_and_students_are_404_on_every_route(client: QuartClient):
    annas_class = await _create_class(client, ANNA)
    annas_student = await _create_student(client, ANNA, class_ids=[annas_class["class_id"]])
    bertils_class = await _create_class(client, BERTIL, name="8A")
    bertils_student = await _create_student(client, BERTIL, first_name="Björn")
    c, s = annas_class["class_id"], annas_student["student_id"]
    as_bertil = gateway(BERTIL)

    attempts = [
        await client.get(f"/v1/classes/{c}", headers=as_bertil),
        await client.patch(f"/v1/classes/{c}", headers=as_bertil, json={"name": "stolen"}),
        await client.delete(f"/v1/classes/{c}", headers=as_bertil),
        await client.get(f"/v1/students/{s}", headers=as_bertil),
        await client.patch(f"/v1/students/{s}", headers=as_bertil, json={"first_name": "X"}),
        await client.delete(f"/v1/students/{s}", headers=as_bertil),
        await client.get(f"/v1/students?class_id={c}", headers=as_bertil),
        # Mixing one's own with someone else's: either id being foreign is enough.
        await client.put(f"/v1/classes/{c}/students/{bertils_student['student_id']}", headers=as_bertil),
        await client.put(f"/v1/classes/{bertils_class['class_id']}/students/{s}", headers=as_bertil),
        await client.delete(f"/v1/classes/{bertils_class['class_id']}/students/{s}", headers=as_bertil),
        await client.post(
            "/v1/students", headers=as_bertil, json={"first_name": "A", "last_name": "B", "class_ids": [c]}
        ),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    assert [(await r.get_json())["error"]["code"] for r in attempts] == ["NOT_FOUND"] * len(attempts)

    bertils_view = await (await client.get("/v1/classes", headers=as_bertil)).get_json()
    assert [k["name"] for k in bertils_view["classes"]] == ["8A"]
    annas_view = await (await client.get(f"/v1/classes/{c}", headers=gateway(ANNA))).get_json()
    assert annas_view["name"] == "9B"
    assert annas_view["student_count"] == 1


async def test_validation_errors_name_the_field(client: QuartClient):
    cases = [
        ("/v1/classes", {"name": "", "course_code": "ENG5"}, "name"),
        ("/v1/classes", {"name": "9B"}, "course_code"),
        ("/v1/classes", {"name": "9B", "course_code": "ENG5", "colour": "red"}, "colour"),
        ("/v1/students", {"first_name": "Tuva", "last_name": "K", "email": "not-an-email"}, "email"),
        ("/v1/students", {"first_name": "Tuva", "last_name": "K", "class_ids": ["nope"]}, "class_ids.0"),
        ("/v1/students", {"first_name": "x" * 101, "last_name": "K"}, "first_name"),
    ]
    for path, body, field in cases:
        response = await client.post(path, headers=gateway(ANNA), json=body)
        error = (await response.get_json())["error"]
        assert response.status_code == 400, (path, body)
        assert error["code"] == "VALIDATION_ERROR"
        assert field in [f["field"] for f in error["details"]["fields"]], (field, error)
        assert field in error["message"]

    not_json = await client.post("/v1/classes", headers={**gateway(ANNA), "Content-Type": "text/plain"}, data="hi")
    assert not_json.status_code == 400
    bad_filter = await client.get("/v1/students?class_id=123", headers=gateway(ANNA))
    assert (await bad_filter.get_json())["error"]["details"]["fields"][0]["field"] == "class_id"


async def test_class_and_student_events_land_on_kafka(
    client: QuartClient, registry: EventRegistry, infrastructure: Infrastructure
):
    nine_b = await _create_class(client, ANNA)
    await client.patch(f"/v1/classes/{nine_b['class_id']}", headers=gateway(ANNA), json={"course_code": "ENG6"})
    tuva = await _create_student(client, ANNA)
    await client.put(f"/v1/classes/{nine_b['class_id']}/students/{tuva['student_id']}", headers=gateway(ANNA))

    bootstrap = infrastructure.kafka_bootstrap
    [(key, created, headers)] = await read_events(bootstrap, registry.topic_for(ClassCreatedV1), 1)
    assert key == nine_b["class_id"].encode()
    assert created["data"] == {**created["data"], "name": "9B", "course_code": "ENG5", "user_id": ANNA}
    assert headers["event_type"] == registry.topic_for(ClassCreatedV1)
    assert created["data"]["created_at"].endswith("Z") or "+00:00" in created["data"]["created_at"]

    [(_, updated, _)] = await read_events(bootstrap, registry.topic_for(ClassUpdatedV1), 1)
    assert updated["data"]["course_code"] == "ENG6"

    [(_, student, _)] = await read_events(bootstrap, registry.topic_for(StudentCreatedV1), 1)
    assert (student["data"]["first_name"], student["data"]["class_ids"]) == ("Tuva", [])
    [(key, placed, _)] = await read_events(bootstrap, registry.topic_for(StudentUpdatedV1), 1)
    assert key == tuva["student_id"].encode()
    assert placed["data"]["class_ids"] == [nine_b["class_id"]]


async def test_a_rejected_change_writes_no_event(client: QuartClient, sessions: async_sessionmaker[AsyncSession]):
    other = await _create_class(client, BERTIL)
    refused = await client.patch(f"/v1/classes/{other['class_id']}", headers=gateway(ANNA), json={"name": "x"})
    assert refused.status_code == 404
    async with sessions() as session:
        count = (await session.execute(select(func.count()).select_from(outbox))).scalar_one()
    assert count == 1  # only Bertil's ClassCreated
