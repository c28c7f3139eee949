"""The access log against real PostgreSQL: rows per subject, the teacher's page, forgetting and pruning."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, update

from common_core.http.access import AccessAction, AccessSubject
from huleedu_service_libs.access_log import AccessLog, Accessor, access_log_table, accessor_from_headers
from huleedu_service_libs.db import create_engine


@pytest.fixture
async def access_log(fresh_database_url: str) -> AsyncIterator[AccessLog]:
    metadata = MetaData()
    table = access_log_table(metadata)
    engine = create_engine(fresh_database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield AccessLog(engine, table, "content_service")
    await engine.dispose()


BFF_READ = Accessor(user_id="teacher-1", service="bff_teacher_service")


async def test_each_subject_read_is_one_entry_and_the_teacher_sees_only_their_own(access_log: AccessLog):
    essay_a, essay_b, batch = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    written = await access_log.record(
        "teacher-1",
        BFF_READ,
        [(AccessSubject.ESSAY, essay_a), (AccessSubject.ESSAY, essay_b), (AccessSubject.ESSAY, essay_a)],
    )
    assert written == 2  # the same essay twice in one read is one access
    export = Accessor(user_id="teacher-1", service="bff_teacher_service", action=AccessAction.EXPORT)
    await access_log.record("teacher-1", export, [(AccessSubject.BATCH, batch)])
    await access_log.record("teacher-2", Accessor("teacher-2", "bff_teacher_service"), [(AccessSubject.BATCH, "x")])

    page = await access_log.page("teacher-1")
    assert (page.entries[0].subject_kind, page.entries[0].action) == (AccessSubject.BATCH, AccessAction.EXPORT)
    assert {e.subject_id for e in page.entries} == {essay_a, essay_b, batch}
    assert all(e.recorded_by == "content_service" and e.actor_user_id == "teacher-1" for e in page.entries)
    assert all(e.occurred_at.tzinfo is not None for e in page.entries)


async def test_pages_go_back_in_time_and_nothing_is_written_for_no_subjects(access_log: AccessLog):
    assert await access_log.record("teacher-1", BFF_READ, []) == 0
    for n in range(5):
        await access_log.record("teacher-1", BFF_READ, [(AccessSubject.ESSAY, f"essay-{n}")])
    first = await access_log.page("teacher-1", limit=2)
    assert [e.subject_id for e in first.entries] == ["essay-4", "essay-3"]
    rest = await access_log.page("teacher-1", limit=50, before=first.entries[-1].occurred_at)
    # Rows written in the same instant share a time; `before` is strict, so a page boundary never repeats one.
    assert {e.subject_id for e in rest.entries} <= {"essay-0", "essay-1", "essay-2"}
    assert not {e.subject_id for e in rest.entries} & {e.subject_id for e in first.entries}


async def test_an_account_deletion_forgets_the_log_and_retention_prunes_old_entries(access_log: AccessLog):
    await access_log.record("teacher-1", BFF_READ, [(AccessSubject.ESSAY, "old"), (AccessSubject.ESSAY, "new")])
    await access_log.record("teacher-2", BFF_READ, [(AccessSubject.ESSAY, "theirs")])
    table = access_log._table
    async with access_log._engine.begin() as conn:
        await conn.execute(
            update(table).where(table.c.subject_id == "old").values(occurred_at=datetime.now(UTC) - timedelta(days=400))
        )
    assert await access_log.prune(datetime.now(UTC) - timedelta(days=365)) == 1
    assert [e.subject_id for e in (await access_log.page("teacher-1")).entries] == ["new"]
    assert await access_log.forget_owner("teacher-1") == 1
    assert (await access_log.page("teacher-1")).entries == []
    assert [e.subject_id for e in (await access_log.page("teacher-2")).entries] == ["theirs"]


def test_only_the_export_purpose_changes_the_action():
    corr = uuid.uuid4()
    assert accessor_from_headers("t", "bff_teacher_service", "export", corr).action is AccessAction.EXPORT
    assert accessor_from_headers("t", "bff_teacher_service", " EXPORT ", None).action is AccessAction.EXPORT
    # Any other value is a read: the header can only make an access more visible, never hide it.
    for purpose in (None, "", "none", "read", "skip-log"):
        assert accessor_from_headers("t", "bff_teacher_service", purpose, corr).action is AccessAction.READ
