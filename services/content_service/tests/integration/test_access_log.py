"""The access log against the real database (issue 23): a teacher's reads of essay texts and of a batch's
essay list are recorded before they are answered, a service's own lookups are not; the teacher reads only
their own entries; the account's deletion (through Kafka) forgets them and takes the texts only that teacher
stored; retention prunes old entries."""

from __future__ import annotations

from typing import Any

import pytest

from common_core.envelope import utc_now
from common_core.events.classes import TeacherAccountDeletedV1
from content_service.config import Settings
from huleedu_service_libs.testing.infrastructure import Infrastructure

from .conftest import built
from .test_internal_texts import store

BFF = "bff_teacher_service"
CJ = "cj_assessment_service"


async def _batch_of(content, user: str) -> str:
    batch_id = (await content.create_batch(user=user))["batch_id"]
    files = [(f"e{n}.txt", content.samples.essay_text(f"{batch_id[:8]}e{n}").encode()) for n in range(2)]
    assert (await (await content.upload(batch_id, files, user=user)).get_json())["accepted"] == 2
    return str(batch_id)


async def _essays(content, batch_id: str, user: str = "teacher-a", **kwargs: Any) -> list[dict[str, Any]]:
    response = await content.call("GET", f"/v1/batches/{batch_id}/essays", user=user, service=BFF, **kwargs)
    assert response.status_code == 200
    items: list[dict[str, Any]] = (await response.get_json())["items"]
    return items


async def _log(content, user: str = "teacher-a", query: str = "", as_user: str | None = None) -> Any:
    return await content.call("GET", f"/internal/v1/users/{user}/access-log{query}", user=as_user or user, service=BFF)


async def _entries(content, user: str = "teacher-a") -> list[dict[str, Any]]:
    response = await _log(content, user)
    assert response.status_code == 200
    entries: list[dict[str, Any]] = (await response.get_json())["entries"]
    return entries


async def test_a_teachers_reads_are_recorded_with_the_actor_and_a_services_lookups_are_not(content):
    batch_id = await content.batch_with_essays(2)
    first, second = await _essays(content, batch_id)
    [listed] = await _entries(content)
    assert (listed["subject_kind"], listed["subject_id"], listed["action"]) == ("batch", batch_id, "read")

    read = await content.call("GET", f"/internal/v1/texts/{first['text_ref']}", user="teacher-a", service=BFF)
    assert read.status_code == 200
    exported = await content.call(
        "POST",
        "/internal/v1/texts/batch-get",
        user="teacher-a",
        service=BFF,
        json_body={"text_ids": [second["text_ref"], "0" * 64]},
        headers={"X-Access-Purpose": "export"},
    )
    assert exported.status_code == 200
    # CJ fetching texts to judge them is processing, not access.
    lookup = await content.call("GET", f"/internal/v1/texts/{first['text_ref']}", user=None, service=CJ)
    assert lookup.status_code == 200

    entries = await _entries(content)
    assert [(e["subject_kind"], e["subject_id"], e["action"]) for e in entries] == [
        ("essay", second["essay_id"], "export"),
        ("essay", first["essay_id"], "read"),
        ("batch", batch_id, "read"),
    ]
    assert {(e["actor_user_id"], e["actor_service"], e["recorded_by"]) for e in entries} == {
        ("teacher-a", BFF, "content_service")
    }


async def test_a_teacher_reads_only_their_own_log_and_hostile_paging_is_a_client_error(content):
    batch_id = await content.batch_with_essays(2)
    await _essays(content, batch_id)
    other = await _batch_of(content, "teacher-b")
    await _essays(content, other, user="teacher-b")

    assert [e["subject_id"] for e in await _entries(content, "teacher-b")] == [other]
    assert (await _log(content, "teacher-b", as_user="teacher-a")).status_code == 404
    not_the_bff = await content.call("GET", "/internal/v1/users/teacher-a/access-log", user="teacher-a")
    assert not_the_bff.status_code == 403
    hostile = [
        "?limit=0",
        "?limit=-1",
        "?limit=201",
        "?limit=99999999999999999999999999999999",
        "?limit=%00",
        "?limit=1%002",
        "?limit=abc",
        "?before=%00",
        "?before=2026-13-45T00:00:00Z",
        "?before=2026-01-01T00:00:00",  # no time zone
        "?before=99999-01-01T00:00:00Z",
        "?before=" + "9" * 5000,
    ]
    for query in hostile:
        response = await _log(content, query=query)
        assert 400 <= response.status_code < 500, (query, response.status_code)
    paged = await _log(content, query="?limit=1&before=2999-01-01T00:00:00%2B00:00")
    assert [e["subject_id"] for e in (await paged.get_json())["entries"]] == [batch_id]


async def test_an_account_deletion_forgets_its_log_and_the_texts_only_that_teacher_stored(content):
    batch_id = await _batch_of(content, "teacher-gone")
    await _essays(content, batch_id, user="teacher-gone")
    await _essays(content, await _batch_of(content, "teacher-b"), user="teacher-b")
    rubric = (await (await store(content, "Teacher gone's own rubric", user="teacher-gone")).get_json())["text_id"]
    shared_text = "An instruction both teachers wrote"
    shared = (await (await store(content, shared_text, "instructions", user="teacher-gone")).get_json())["text_id"]
    await store(content, shared_text, "instructions", user="teacher-b")
    unnamed = (await (await store(content, "Stored for no teacher", "anchor")).get_json())["text_id"]
    await store(content, "Stored for no teacher", "anchor", user="teacher-gone")

    event = TeacherAccountDeletedV1(user_id="teacher-gone", deleted_at=utc_now())
    envelope = content.envelope(event).model_copy(update={"source_service": "class_management_service"})
    await content.publish(envelope, key=event.user_id)

    async def forgotten() -> bool:
        return not await content.fetch("SELECT 1 FROM access_log WHERE owner_id = 'teacher-gone'")

    await content.eventually(forgotten)
    left = {row["text_id"] for row in await content.fetch("SELECT text_id FROM texts")}
    assert rubric not in left
    assert {shared, unnamed} <= left
    assert not await content.fetch("SELECT 1 FROM text_owners WHERE owner_id = 'teacher-gone'")
    assert len(await _entries(content, "teacher-b")) == 1


async def test_retention_prunes_entries_older_than_the_period(
    content_settings: Settings, event_topics: Any, infrastructure: Infrastructure, unique_group_id: str, samples: Any
):
    settings = content_settings.model_copy(update={"retention_period": "1h", "retention_check_interval_s": 0.3})
    async with built(settings, event_topics, infrastructure, unique_group_id, samples) as content:
        batch_id = await content.batch_with_essays(2)
        await _essays(content, batch_id)
        await _essays(content, batch_id)
        old = (
            "UPDATE access_log SET occurred_at = now() - interval '2 hours' WHERE id = (SELECT min(id) FROM access_log)"
        )
        await content.fetch(old)

        async def pruned() -> bool:
            return len(await content.fetch("SELECT 1 FROM access_log")) == 1

        await content.eventually(pruned)
        metrics = await (await content.call("GET", "/metrics", user=None)).get_data(as_text=True)
        assert 'huleedu_retention_purged_total{kind="access_log",service="content_service"} 1.0' in metrics


@pytest.mark.parametrize("route", ["/internal/v1/texts/{}", "/v1/batches/{}/essays"])
async def test_a_read_whose_entry_cannot_be_written_fails(content, route):
    batch_id = await content.batch_with_essays(2)
    [essay, _] = await _essays(content, batch_id)
    await content.fetch("ALTER TABLE access_log RENAME TO access_log_away")
    try:
        target = essay["text_ref"] if "texts" in route else batch_id
        response = await content.call("GET", route.format(target), user="teacher-a", service=BFF)
        assert response.status_code == 500
    finally:
        await content.fetch("ALTER TABLE access_log_away RENAME TO access_log")
