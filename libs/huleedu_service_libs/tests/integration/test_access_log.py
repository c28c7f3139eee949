"""The access log against real PostgreSQL: rows per subject, the teacher's page, forgetting and pruning."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from quart import Quart
from quart.typing import ResponseReturnValue
from sqlalchemy import MetaData, update

from common_core.http.access import AccessAction, AccessSubject
from huleedu_service_libs.access_log import AccessLog, Accessor, access_log_table, accessor_from_headers
from huleedu_service_libs.db import create_engine
from huleedu_service_libs.http.quart_support import (
    access_log_page,
    current_accessor,
    internal_route,
    setup_quart_app,
)
from huleedu_service_libs.settings import ServiceSettings


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


def _owner_route_app(log: AccessLog) -> Quart:
    app = Quart(__name__)

    @app.get("/internal/v1/users/<user_id>/access-log")
    @internal_route("bff_teacher_service")
    async def page(user_id: str) -> ResponseReturnValue:
        return (await access_log_page(log, user_id)).model_dump(mode="json")

    @app.get("/internal/v1/essays/<essay_id>")
    @internal_route("bff_teacher_service")
    async def read_essay(essay_id: str) -> ResponseReturnValue:
        await log.record("teacher-1", current_accessor(), [(AccessSubject.ESSAY, essay_id)])
        return {"essay_id": essay_id}

    settings = ServiceSettings(service_name="content_service", HULEEDU_INTERNAL_API_KEY="k")
    setup_quart_app(app, settings, health_checks={}, internal_allow_list={"bff_teacher_service"})
    return app


def _as(user: str | None, purpose: str | None = None) -> dict[str, str]:
    headers = {"X-Internal-API-Key": "k", "X-Service-ID": "bff_teacher_service"}
    if user:
        headers["X-User-ID"] = user
    if purpose:
        headers["X-Access-Purpose"] = purpose
    return headers


async def test_the_owner_route_pages_the_callers_log_and_refuses_anything_else(access_log: AccessLog):
    client = _owner_route_app(access_log).test_client()
    assert (await client.get("/internal/v1/essays/e-1", headers=_as("teacher-1"))).status_code == 200
    assert (await client.get("/internal/v1/essays/e-1", headers=_as("teacher-1", "export"))).status_code == 200

    reply = await client.get("/internal/v1/users/teacher-1/access-log?limit=10", headers=_as("teacher-1"))
    assert reply.status_code == 200
    entries = (await reply.get_json())["entries"]
    assert [(e["action"], e["actor_service"], e["actor_user_id"]) for e in entries] == [
        ("export", "bff_teacher_service", "teacher-1"),
        ("read", "bff_teacher_service", "teacher-1"),
    ]
    # Another teacher's log is not theirs to read: 404, as any data that is not the caller's.
    assert (await client.get("/internal/v1/users/teacher-1/access-log", headers=_as("teacher-2"))).status_code == 404
    assert (await client.get("/internal/v1/users/teacher-1/access-log", headers=_as(None))).status_code == 401
    for query in (
        "limit=0",
        "limit=201",
        "limit=%C2%B2",
        "limit=-1",
        "limit=9" * 40,
        "before=yesterday",
        "before=2026-12-07T10:00:00",
        "before=%00",
        "before=0001-01-01T00:00:00%2B01:00",
        "before=9999-12-31T23:59:59-01:00",
        "limit=%FF",
    ):
        reply = await client.get(f"/internal/v1/users/teacher-1/access-log?{query}", headers=_as("teacher-1"))
        assert 400 <= reply.status_code < 500, (query, reply.status_code)
        assert "error" in await reply.get_json()
