"""Class management's erasures through Kafka, against the real database (issue 23): after a student's
erasure no text, JSON or binary column of any table holds the student's essays (their texts, file names,
outbox rows); after an account's deletion none holds the account's batches, each of which was announced
with ``batch.deleted``."""

from __future__ import annotations

import uuid
from typing import Any

from common_core.envelope import utc_now
from common_core.events.batch import BatchDeletedV1
from common_core.events.classes import ErasedEssay, StudentErasedV1, TeacherAccountDeletedV1

SCANNED_TYPES = ("text", "character varying", "jsonb", "json", "bytea")


async def _found(content, needle: str) -> set[str]:
    """Every ``table.column`` of the service's tables (text, JSON or binary) that holds ``needle``."""
    columns = await content.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type = ANY($1::text[]) AND table_name <> 'alembic_version'",
        list(SCANNED_TYPES),
    )
    hits = set()
    for row in columns:
        name = f'"{row["table_name"]}"."{row["column_name"]}"'
        condition = (
            f"position(convert_to($1, 'UTF8') in {name}) > 0"
            if row["data_type"] == "bytea"
            else f"strpos({name}::text, $1) > 0"
        )
        if (await content.fetch(f'SELECT count(*) AS n FROM "{row["table_name"]}" WHERE {condition}', needle))[0]["n"]:
            hits.add(f"{row['table_name']}.{row['column_name']}")
    return hits


async def _all_published(content) -> None:
    """The relay has sent every outbox row (an erasure forgets the sent ones; owed ones are sent first)."""

    async def done() -> bool:
        return not await content.fetch("SELECT 1 FROM event_outbox WHERE status <> 'published'")

    await content.eventually(done)


async def _batch(content, owner: str, files: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """A batch of ``owner`` with the essays (file name, seed); the essay ids by file name."""
    batch_id = (await content.create_batch(user=owner))["batch_id"]
    upload = [(name, content.samples.essay_text(seed).encode()) for name, seed in files]
    result = await (await content.upload(batch_id, upload, user=owner)).get_json()
    assert result["accepted"] == len(files), result
    return batch_id, {f["filename"]: f["essay_id"] for f in result["files"]}


def _envelope(content, payload: Any) -> Any:
    return content.envelope(payload).model_copy(update={"source_service": "class_management_service"})


async def test_a_students_erasure_leaves_no_trace_of_their_essays_and_keeps_the_rest(content):
    marker = f"Qzmark{uuid.uuid4().hex[:6]}"
    first, first_ids = await _batch(content, "teacher-a", [(f"{marker}-tuva.txt", marker), ("other.txt", "other")])
    second, second_ids = await _batch(content, "teacher-a", [(f"{marker}-tuva-2.txt", f"{marker}b"), ("x.txt", "x")])
    await _all_published(content)
    # The scan finds what it looks for before the erasure.
    assert {"texts.content", "essays.filename", "event_outbox.value"} <= await _found(content, marker)

    event = StudentErasedV1(
        student_id=uuid.uuid4(),
        user_id="teacher-a",
        essays=[
            ErasedEssay(batch_id=uuid.UUID(first), essay_id=uuid.UUID(first_ids[f"{marker}-tuva.txt"])),
            ErasedEssay(batch_id=uuid.UUID(second), essay_id=uuid.UUID(second_ids[f"{marker}-tuva-2.txt"])),
        ],
        erased_at=utc_now(),
    )
    await content.publish(_envelope(content, event), key=str(event.student_id))

    async def erased() -> bool:
        return not await content.fetch("SELECT 1 FROM essays WHERE filename LIKE $1", f"{marker}%")

    await content.eventually(erased)
    assert await _found(content, marker) == set()
    left = await content.fetch("SELECT batch_id, filename FROM essays ORDER BY filename")
    assert [(str(row["batch_id"]), row["filename"]) for row in left] == [(first, "other.txt"), (second, "x.txt")]
    assert len(await content.fetch("SELECT 1 FROM texts")) == 2
    listed = await (await content.call("GET", f"/v1/batches/{first}/essays")).get_json()
    assert [item["filename"] for item in listed["items"]] == ["other.txt"]

    # Sent again under a new event id: handled, and nothing more changes.
    again = _envelope(content, event)
    await content.publish(again, key=str(event.student_id))

    async def handled() -> bool:
        return bool(await content.fetch("SELECT 1 FROM processed_events WHERE event_id = $1", again.event_id))

    await content.eventually(handled)
    assert len(await content.fetch("SELECT 1 FROM essays")) == 2
    assert len(await content.fetch("SELECT 1 FROM batches")) == 2


async def test_an_account_deletion_deletes_and_announces_every_batch_of_the_account_only(content):
    marker = f"Qzacct{uuid.uuid4().hex[:6]}"
    owned = [(await _batch(content, "teacher-gone", [(f"{marker}{n}.txt", f"{marker}{n}")]))[0] for n in range(3)]
    await content.fetch("UPDATE batches SET status = 'assessing' WHERE batch_id = $1", uuid.UUID(owned[0]))
    kept, _ = await _batch(content, "teacher-b", [("kept.txt", "kept")])
    await _all_published(content)
    assert "texts.content" in await _found(content, marker)

    event = TeacherAccountDeletedV1(user_id="teacher-gone", deleted_at=utc_now())
    await content.publish(_envelope(content, event), key=event.user_id)

    deleted = await content.read_events(BatchDeletedV1, 3)
    assert sorted(envelope["data"]["batch_id"] for _, envelope in deleted) == sorted(owned)
    assert {key for key, _ in deleted} == {batch_id.encode() for batch_id in owned}

    async def gone() -> bool:
        return not await content.fetch("SELECT 1 FROM batches WHERE owner_id = 'teacher-gone'")

    await content.eventually(gone)
    await _all_published(content)
    # The batch.deleted rows in the outbox name the batches and the teacher's id, nothing of the essays.
    assert await _found(content, marker) == set()
    assert [str(row["batch_id"]) for row in await content.fetch("SELECT batch_id FROM batches")] == [kept]
    for batch_id in owned:
        assert (await content.call("GET", f"/v1/batches/{batch_id}", user="teacher-gone")).status_code == 404
