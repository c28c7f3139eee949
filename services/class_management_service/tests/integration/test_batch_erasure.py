"""batch.deleted through real Kafka and PostgreSQL: after the erasure no text, JSON or binary column of
any table holds the batch's file names, author hints or essay openings, nor its essays' ids; the batch
id stays only as the tombstone and in the access log's entries of who read it, late events of the batch store
nothing, and a second deletion is safe."""

import uuid
from datetime import UTC, datetime
from typing import Any

from quart.typing import TestClientProtocol as QuartClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.tables import essays, processed_events
from common_core.events.batch import BatchDeletedV1, EssayUploadedV1

from .class_and_batch import ClassAndBatch
from .conftest import EventSender, FakeEssayTexts, columns_holding, eventually, gateway

ANNA = str(uuid.uuid4())
BFF = "bff_teacher_service"
# A word that appears only in the batch's essays: in a file name, an author hint and an essay's opening.
MARKER = "Qwzrtmarker"


class ErasedBatch(ClassAndBatch):
    """Anna's class 9B (Tuva Karlsson, Åsa Öberg) and a batch of three essays that carry the marker."""

    owner = ANNA
    roster = (("Tuva", "Karlsson"), ("Åsa", "Öberg"))
    sent = 0  # events sent so far, each with its own event id

    async def send(self, payload: Any) -> None:
        await self.events.send(payload, key=str(self.batch_id))
        self.sent += 1

    def essay(self, essay_id: uuid.UUID, filename: str, hint: str | None, opening: str) -> EssayUploadedV1:
        text_ref = uuid.uuid4().hex * 2
        self.texts.texts[text_ref] = opening
        return EssayUploadedV1(
            batch_id=self.batch_id,
            essay_id=essay_id,
            filename=filename,
            text_ref=text_ref,
            word_count=300,
            author_hint=hint,
        )

    async def send_batch(self) -> None:
        await self.send(self.registered())

    async def send_essays(self) -> None:
        tuva, asa, other = self.essay_ids
        await self.send(self.essay(tuva, f"tuva_karlsson_{MARKER}.docx", "Karlsson Tuva", "Uniforms"))
        await self.send(self.essay(asa, "uppsats.docx", None, f"ÅSA ÖBERG {MARKER}, 9B\n\nSchool uniforms..."))
        await self.send(self.essay(other, "essay3.txt", f"{MARKER} Person", "Essay"))

    async def send_deleted(self) -> None:
        await self.send(BatchDeletedV1(batch_id=self.batch_id, user_id=ANNA, deleted_at=datetime.now(UTC)))

    async def all_handled(self) -> bool | None:
        """Every event sent so far has been handled (each has its own event id)."""
        async with self.sessions() as session:
            done = (await session.execute(select(func.count()).select_from(processed_events))).scalar_one()
        return True if done >= self.sent else None

    async def matched(self) -> bool | None:
        async with self.sessions() as session:
            waiting = await session.execute(
                select(func.count()).select_from(essays).where(essays.c.suggested_at.is_(None))
            )
            stored = await session.execute(select(func.count()).select_from(essays))
        return True if stored.scalar_one() == 3 and waiting.scalar_one() == 0 else None

    async def confirm_tuva(self) -> None:
        body = {"associations": [{"essay_id": str(self.essay_ids[0]), "student_id": self.students["Tuva"]}]}
        path = f"/v1/batches/{self.batch_id}/associations/confirm"
        assert (await self.client.post(path, headers=gateway(ANNA), json=body)).status_code == 200

    async def found(self, needle: str) -> set[str]:
        """Every ``table.column`` of the service's tables (text, JSON, binary or uuid) that holds ``needle``."""
        return await columns_holding(self.sessions, needle)

    async def essay_traces(self) -> dict[str, set[str]]:
        """Where the marker and each essay id are still found."""
        needles = [MARKER, *(str(essay_id) for essay_id in self.essay_ids)]
        return {needle: found for needle in needles if (found := await self.found(needle))}

    async def teacher_view(self) -> dict[str, Any]:
        """What the teacher and the BFF are answered about the batch."""
        bff = gateway(ANNA, service=BFF)
        names = await self.client.get(f"/internal/v1/batches/{self.batch_id}/student-names", headers=bff)
        listed = await self.client.get(f"/v1/batches/{self.batch_id}/associations", headers=gateway(ANNA))
        rematch = await self.client.post(f"/v1/batches/{self.batch_id}/associations/rematch", headers=gateway(ANNA))
        info = await self.client.get(f"/internal/v1/batches/class-info?batch_ids={self.batch_id}", headers=bff)
        waiting = await self.client.get("/internal/v1/batches/unconfirmed-matches", headers=bff)
        return {
            "student-names": names.status_code,
            "associations": listed.status_code,
            "rematch": rematch.status_code,
            "class-info": (await info.get_json())[str(self.batch_id)],
            "unconfirmed": [item["batch_id"] for item in (await waiting.get_json())["items"]],
        }


async def test_erasure_leaves_no_trace_of_the_batchs_essays_and_late_events_store_nothing(
    client: QuartClient, events: EventSender, essay_texts: FakeEssayTexts, sessions: async_sessionmaker[AsyncSession]
):
    batch = await ErasedBatch.with_class(client, events, essay_texts, sessions)
    await batch.send_batch()
    await batch.send_essays()
    await eventually(batch.matched)
    await batch.confirm_tuva()
    # The scan finds what it looks for: the marker in each place it was put, the confirmation's event.
    before = await batch.essay_traces()
    assert before[MARKER] == {"essays.filename", "essays.author_hint", "essays.opening_text"}
    assert before[str(batch.essay_ids[0])] == {"essays.id", "event_outbox.value"}
    assert await batch.found(str(batch.batch_id)) == {
        "batches.id",
        "essays.batch_id",
        "event_outbox.message_key",
        "event_outbox.value",
    }
    assert (await batch.teacher_view())["student-names"] == 200

    await batch.send_deleted()
    await eventually(batch.all_handled)

    assert await batch.essay_traces() == {}
    # The access log keeps who read the batch before it went (ids only; it goes with the account, by retention).
    assert await batch.found(str(batch.batch_id)) == {"erased_batches.batch_id", "access_log.subject_id"}
    gone: dict[str, Any] = {
        "student-names": 404,
        "associations": 404,
        "rematch": 404,
        "class-info": None,
        "unconfirmed": [],
    }
    assert await batch.teacher_view() == gone
    # The roster is the teacher's, not the batch's: it stays.
    students = await client.get(f"/v1/students?class_id={batch.class_id}", headers=gateway(ANNA))
    assert {s["first_name"] for s in (await students.get_json())["students"]} == {"Tuva", "Åsa"}

    # Late events of the erased batch (a redelivered registration, a straggling essay) and the
    # deletion once more, each under a new event id: nothing is stored, nothing fails.
    late_essay = uuid.uuid4()
    batch.essay_ids.append(late_essay)
    await batch.send(batch.essay(late_essay, f"late_{MARKER}.docx", f"Karlsson Tuva {MARKER}", "Tuva Karlsson"))
    await batch.send_batch()
    await batch.send_deleted()
    await eventually(batch.all_handled)

    assert await batch.essay_traces() == {}
    assert await batch.found(str(batch.batch_id)) == {"erased_batches.batch_id", "access_log.subject_id"}
    assert await batch.teacher_view() == gone


async def test_a_deletion_that_overtakes_the_batchs_other_events_still_wins(
    client: QuartClient, events: EventSender, essay_texts: FakeEssayTexts, sessions: async_sessionmaker[AsyncSession]
):
    batch = await ErasedBatch.with_class(client, events, essay_texts, sessions)
    await batch.send_deleted()
    await eventually(batch.all_handled)
    await batch.send_essays()
    await batch.send_batch()
    await eventually(batch.all_handled)

    assert await batch.essay_traces() == {}
    assert await batch.found(str(batch.batch_id)) == {"erased_batches.batch_id"}
    assert (await batch.teacher_view())["student-names"] == 404
