"""Erasing one student through the teacher routes, real PostgreSQL and Kafka: the preview lists the essays
confirmed as theirs in two batches; confirming erases them and the student, after which no text, JSON,
binary or uuid column holds the student's name or the essays' marker, the essays' ids are only in the
erasure's own outbox row, and exactly one StudentErasedV1 reaches Kafka. A stale, malformed or another
teacher's request changes nothing; a second one is a 404."""

import uuid
from typing import Any

import pytest
from quart.typing import TestClientProtocol as QuartClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.tables import essays
from common_core.events.classes import StudentErasedV1
from common_core.events.registry import EventRegistry
from huleedu_service_libs.testing.infrastructure import Infrastructure

from .conftest import EventSender, FakeEssayTexts, columns_holding, eventually, gateway, read_events
from .test_batch_erasure import ANNA, ErasedBatch

# Words found only with the erased student: their family name and a marker in their essays.
FAMILY = "Zqxbergström"
MARKER = "Qwzstudentmark"


class Roster:
    """Anna's class 9B (Tuva Karlsson, Åsa Öberg, Wilmer Zqxbergström) and two batches for it. Wilmer's essays:
    one in each batch, with the marker in a file name, an author hint and an opening; Tuva has one in each."""

    def __init__(self, client: QuartClient, events: EventSender, texts: FakeEssayTexts, sessions) -> None:
        self.client, self.sessions = client, sessions
        self.first = ErasedBatch(client, events, texts, sessions)
        self.second = ErasedBatch(client, events, texts, sessions)
        self.wilmer = ""
        self.essays: dict[str, uuid.UUID] = {}

    async def build(self) -> None:
        await self.first.build_class()
        body = {"first_name": "Wilmer", "last_name": FAMILY, "class_ids": [self.first.class_id]}
        created = await self.client.post("/v1/students", headers=gateway(ANNA), json=body)
        self.wilmer = (await created.get_json())["student_id"]
        self.second.class_id, self.second.students = self.first.class_id, self.first.students
        for batch in (self.first, self.second):
            await batch.send_batch()
        first, second = self.first, self.second
        await self._send(first, "wilmer_1", f"wilmer_{MARKER}.docx", f"Wilmer {FAMILY} {MARKER}", "Uniforms")
        await self._send(first, "tuva_1", "tuva_karlsson.docx", "Karlsson Tuva", "Uniforms")
        await self._send(second, "wilmer_2", "uppsats.docx", None, f"Wilmer {FAMILY}, 9B {MARKER}\n\nSchool...")
        await self._send(second, "tuva_2", "tuva.docx", "Tuva Karlsson", "Essay")
        await eventually(self._matched)
        await self.confirm(first, wilmer_1=self.wilmer, tuva_1=first.students["Tuva"])
        await self.confirm(second, wilmer_2=self.wilmer)

    async def _send(self, batch: ErasedBatch, name: str, filename: str, hint: str | None, opening: str) -> None:
        self.essays[name] = uuid.uuid4()
        await batch.send(batch.essay(self.essays[name], filename, hint, opening))

    async def _matched(self) -> bool | None:
        async with self.sessions() as session:
            waiting = await session.execute(
                select(func.count()).select_from(essays).where(essays.c.suggested_at.is_(None))
            )
            stored = await session.execute(select(func.count()).select_from(essays))
        return True if stored.scalar_one() == 4 and waiting.scalar_one() == 0 else None

    async def confirm(self, batch: ErasedBatch, **chosen: str) -> None:
        body = {"associations": [{"essay_id": str(self.essays[e]), "student_id": s} for e, s in chosen.items()]}
        path = f"/v1/batches/{batch.batch_id}/associations/confirm"
        assert (await self.client.post(path, headers=gateway(ANNA), json=body)).status_code == 200

    async def preview(self, user: str = ANNA):
        return await self.client.get(f"/v1/students/{self.wilmer}/erasure", headers=gateway(user))

    async def erase(self, token: Any, user: str = ANNA):
        path = f"/v1/students/{self.wilmer}/erasure"
        return await self.client.post(path, headers=gateway(user), json={"confirmation_token": token})

    async def outbox_topics_naming(self, needle: str) -> list[str]:
        async with self.sessions() as session:
            rows = await session.execute(
                text("SELECT topic FROM event_outbox WHERE strpos(convert_from(value, 'UTF8'), :needle) > 0"),
                {"needle": needle},
            )
        return sorted(row.topic for row in rows)

    async def snapshot(self) -> dict[str, Any]:
        """Every row of the tables a student erasure touches, to show that a refused one changed nothing."""
        queries = {
            "students": "SELECT * FROM students",
            "class_students": "SELECT * FROM class_students",
            "essays": "SELECT * FROM essays",
            # Not the status columns: the relay publishes meanwhile.
            "event_outbox": "SELECT id, topic, message_key, value FROM event_outbox",
        }
        async with self.sessions() as session:
            return {
                name: sorted(str(tuple(row)) for row in await session.execute(text(q))) for name, q in queries.items()
            }


@pytest.fixture
async def roster(
    client: QuartClient, events: EventSender, essay_texts: FakeEssayTexts, sessions: async_sessionmaker[AsyncSession]
) -> Roster:
    built = Roster(client, events, essay_texts, sessions)
    await built.build()
    return built


async def test_confirmed_erasure_leaves_no_trace_of_the_student_and_sends_exactly_the_event(
    roster: Roster, client: QuartClient, registry: EventRegistry, infrastructure: Infrastructure
):
    # The scan finds what it looks for.
    assert await columns_holding(roster.sessions, FAMILY) == {
        "students.last_name",
        "essays.author_hint",
        "essays.opening_text",
        "event_outbox.value",
    }
    assert await columns_holding(roster.sessions, MARKER) == {
        "essays.filename",
        "essays.author_hint",
        "essays.opening_text",
    }
    response = await roster.preview()
    assert response.status_code == 200
    preview = await response.get_json()
    assert (preview["first_name"], preview["last_name"]) == ("Wilmer", FAMILY)
    listed = {(e["batch_id"], e["essay_id"], e["filename"]) for e in preview["essays"]}
    assert listed == {
        (str(roster.first.batch_id), str(roster.essays["wilmer_1"]), f"wilmer_{MARKER}.docx"),
        (str(roster.second.batch_id), str(roster.essays["wilmer_2"]), "uppsats.docx"),
    }

    erased = await roster.erase(preview["confirmation_token"])

    assert (erased.status_code, await erased.get_data()) == (204, b"")
    assert await columns_holding(roster.sessions, FAMILY) == set()
    assert await columns_holding(roster.sessions, MARKER) == set()
    erased_topic = registry.topic_for(StudentErasedV1)
    for name in ("wilmer_1", "wilmer_2"):
        assert await roster.outbox_topics_naming(str(roster.essays[name])) == [erased_topic]
    # Tuva's essays and confirmation stay.
    tuva = roster.first.students["Tuva"]
    listed_first = await client.get(f"/v1/batches/{roster.first.batch_id}/associations", headers=gateway(ANNA))
    assert [(e["essay_id"], e["status"], e["student_id"]) for e in (await listed_first.get_json())["essays"]] == [
        (str(roster.essays["tuva_1"]), "confirmed", tuva)
    ]
    # Exactly one event on Kafka, keyed by the student, naming both essays.
    records = await read_events(infrastructure.kafka_bootstrap, erased_topic, 2, timeout_s=10)
    assert len(records) == 1
    key, envelope, _ = records[0]
    assert key == roster.wilmer.encode()
    assert (envelope["data"]["student_id"], envelope["data"]["user_id"]) == (roster.wilmer, ANNA)
    assert {(e["batch_id"], e["essay_id"]) for e in envelope["data"]["essays"]} == {
        (str(roster.first.batch_id), str(roster.essays["wilmer_1"])),
        (str(roster.second.batch_id), str(roster.essays["wilmer_2"])),
    }

    # Twice: the student is gone.
    assert (await roster.erase(preview["confirmation_token"])).status_code == 404
    assert (await roster.preview()).status_code == 404
    assert (await client.get(f"/v1/students/{roster.wilmer}", headers=gateway(ANNA))).status_code == 404


async def test_a_token_for_another_set_of_essays_is_a_409_and_changes_nothing(roster: Roster):
    token = (await (await roster.preview()).get_json())["confirmation_token"]
    # Meanwhile Tuva's essay in the second batch turns out to be Wilmer's.
    await roster.confirm(roster.second, tuva_2=roster.wilmer)
    before = await roster.snapshot()

    response = await roster.erase(token)

    assert response.status_code == 409
    error = (await response.get_json())["error"]
    assert (error["code"], error["details"]["reason"]) == ("CONFLICT", "confirmation_stale")
    assert "look at the erasure again" in error["message"]
    assert await roster.snapshot() == before
    fresh = await (await roster.preview()).get_json()
    assert len(fresh["essays"]) == 3
    assert (await roster.erase(fresh["confirmation_token"])).status_code == 204


@pytest.mark.parametrize("token", ["", "nonsense", 42, "v1." + "0" * 32 + ".soon"])
async def test_a_malformed_token_is_a_400_naming_the_field_and_changes_nothing(roster: Roster, token: Any):
    before = await roster.snapshot()

    response = await roster.erase(token)

    assert response.status_code == 400
    fields = [f["field"] for f in (await response.get_json())["error"]["details"]["fields"]]
    assert fields == ["confirmation_token"]
    assert await roster.snapshot() == before


async def test_another_teachers_request_is_a_404_and_changes_nothing(roster: Roster):
    token = (await (await roster.preview()).get_json())["confirmation_token"]
    before = await roster.snapshot()
    bertil = str(uuid.uuid4())

    assert (await roster.preview(bertil)).status_code == 404
    assert (await roster.erase(token, bertil)).status_code == 404
    assert await roster.snapshot() == before
