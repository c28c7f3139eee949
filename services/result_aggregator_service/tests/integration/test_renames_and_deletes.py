"""batch.updated and batch.deleted: the newest rename wins in any order, a delete hides the batch for good."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from result_aggregator_service.adapters.tables import assessment_jobs, batches, essay_results, essays


async def _visible(query_service, story) -> dict[str, int]:
    """The status code of every query that could show the batch, and the list and summary totals."""
    detail, _ = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    history, _ = await query_service.get(f"/internal/v1/batches/{story.batch_id}/history", user=story.user_id)
    _, listed = await query_service.get(f"/internal/v1/users/{story.user_id}/batches")
    _, summary = await query_service.get(f"/internal/v1/users/{story.user_id}/summary")
    return {"detail": detail, "history": history, "listed": listed["total"], "summary": summary["total_batches"]}


GONE = {"detail": 404, "history": 404, "listed": 0, "summary": 0}


async def _title(query_service, story) -> str:
    status, body = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    assert status == 200, body
    return str(body["batch"]["title"])


async def _rows_left(query_service, batch_id: uuid.UUID) -> dict[str, int]:
    async with query_service.sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).where(table.c.batch_id == batch_id)) or 0)
            for table in (essays, assessment_jobs, essay_results)
        }


async def test_the_newest_rename_wins_whatever_order_they_arrive_in(query_service):
    story = query_service.story("teacher-rename", title="First title")
    await query_service.fold(story.registered(), story.renamed("Third title", minutes=30))
    # An older rename arriving late, and the newest one redelivered under a new event id: no change.
    await query_service.fold(story.renamed("Second title", minutes=20), story.renamed("Third title", minutes=30))
    assert await _title(query_service, story) == "Third title"

    _, found = await query_service.get("/internal/v1/users/teacher-rename/batches", q="third")
    _, stale = await query_service.get("/internal/v1/users/teacher-rename/batches", q="first")
    assert [item["title"] for item in found["items"]] == ["Third title"]
    assert stale["total"] == 0
    assert found["items"][0]["updated_at"] == "2026-11-30T09:30:00Z"

    await query_service.fold(story.renamed("Fourth title", minutes=40, course_code="ENG6"))
    _, body = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    assert (body["batch"]["title"], body["batch"]["course_code"]) == ("Fourth title", "ENG6")


async def test_a_rename_that_arrives_before_the_registration_is_kept(query_service):
    story = query_service.story("teacher-early-rename", title="Original title")
    await query_service.fold(story.renamed("Renamed early", minutes=10, course_code=None))
    assert (await _visible(query_service, story))["detail"] == 404  # shown to nobody before registration
    await query_service.fold(story.registered())
    _, body = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    assert (body["batch"]["title"], body["batch"]["course_code"]) == ("Renamed early", "ENG5")


async def test_a_delete_hides_the_batch_from_every_query_and_forgets_its_data(query_service):
    story = query_service.story("teacher-delete")
    keep = query_service.story("teacher-delete", title="Kept")
    job_id = uuid.uuid4()
    await query_service.fold(
        keep.registered(),
        story.registered(),
        *(story.uploaded(i) for i in range(3)),
        story.progress(job_id, "comparing", 50.0, minutes=5),
        story.results(job_id, minutes=9),
        story.completed(job_id, minutes=9),
    )
    assert await _visible(query_service, story) == {"detail": 200, "history": 200, "listed": 2, "summary": 2}

    await query_service.fold(story.deleted(minutes=20))

    assert await _visible(query_service, story) == {**GONE, "listed": 1, "summary": 1}
    _, listed = await query_service.get("/internal/v1/users/teacher-delete/batches")
    assert [item["batch_id"] for item in listed["items"]] == [str(keep.batch_id)]
    assert await _rows_left(query_service, story.batch_id) == {"essays": 0, "assessment_jobs": 0, "essay_results": 0}


async def test_no_later_event_brings_a_deleted_batch_back(query_service):
    story = query_service.story("teacher-stray")
    job_id, new_job = uuid.uuid4(), uuid.uuid4()
    await query_service.fold(story.registered(), story.uploaded(0), story.deleted(minutes=20))
    # Stray events of every kind after the delete: redeliveries under new ids and late CJ events.
    await query_service.fold(
        story.registered(),
        story.renamed("Renamed after the delete", minutes=30),
        story.uploaded(1),
        story.progress(job_id, "comparing", 50.0, minutes=21),
        story.completed(job_id, minutes=22),
        story.failed(new_job, minutes=23),
        story.failed(None, minutes=24),
        story.results(job_id, minutes=25),
        story.deleted(minutes=26),
    )
    assert await _visible(query_service, story) == GONE
    assert await _rows_left(query_service, story.batch_id) == {"essays": 0, "assessment_jobs": 0, "essay_results": 0}
    async with query_service.sessions() as session:
        row = (await session.execute(select(batches).where(batches.c.batch_id == story.batch_id))).mappings().one()
    assert (row["user_id"], row["title"]) == (None, None)
    assert row["deleted_at"] == story.at(20)  # the first delete is the fact


async def test_a_delete_that_arrives_before_the_registration_still_wins(query_service):
    story = query_service.story("teacher-delete-first")
    await query_service.fold(story.deleted(minutes=20), story.registered(), story.uploaded(0))
    assert await _visible(query_service, story) == GONE
    assert await _rows_left(query_service, story.batch_id) == {"essays": 0, "assessment_jobs": 0, "essay_results": 0}


async def test_renames_and_deletes_through_kafka(service):
    story = service.story(user_id="teacher-kafka-rename", title="Before")
    job_id = uuid.uuid4()
    await service.publish(story.registered(), story.uploaded(0), story.results(job_id, minutes=9))
    await service.until_status(story, "completed")

    await service.publish(story.renamed("After", minutes=30))

    async def renamed() -> bool:
        return (await service.detail(story)).get("batch", {}).get("title") == "After"

    await service.wait_until(renamed)
    await service.publish(story.renamed("Older", minutes=20))
    await service.drain()
    assert (await service.detail(story))["batch"]["title"] == "After"

    await service.publish(story.deleted(minutes=40))

    async def gone() -> bool:
        status, _ = await service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
        return status == 404

    await service.wait_until(gone)
    await service.publish(story.progress(job_id, "comparing", 10.0, minutes=41), story.results(job_id, minutes=42))
    await service.drain()
    status, _ = await service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    _, listed = await service.get(f"/internal/v1/users/{story.user_id}/batches")
    assert (status, listed["total"]) == (404, 0)
