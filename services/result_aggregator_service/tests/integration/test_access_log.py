"""RAS's access log against real PostgreSQL (issue 23): a read of a batch's results (its detail, its history)
made for a teacher is one ``batch`` entry with the teacher, the calling service and read or export; the list
and the summary, and refused reads, log nothing; each teacher reads only their own log, and hostile paging
parameters are a 400. An account's deletion forgets its entries; retention prunes old ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from common_core.http.access import AccessLogPage
from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.testing.fake_access_log import HOSTILE_PAGING_PARAMS
from result_aggregator_service.adapters.tables import access_log
from result_aggregator_service.app import create_app

from .conftest import CALLER, BatchStory, QueryOnlyService, eventually, make_settings

ANNA, BERTIL = "teacher-anna", "teacher-bertil"
BFF, GATEWAY = "bff_teacher_service", "api_gateway_service"


def _as(user: str | None, service: str = BFF, **extra: str) -> dict[str, str]:
    headers = {**CALLER, "X-Service-ID": service, **extra}
    return headers if user is None else {**headers, "X-User-ID": user}


async def _assessed(query_service: QueryOnlyService, user: str) -> BatchStory:
    story = query_service.story(user)
    job_id = uuid.uuid4()
    await query_service.fold(
        story.registered(), story.uploaded(0), story.completed(job_id, minutes=8), story.results(job_id, minutes=9)
    )
    return story


async def _log(query_service: QueryOnlyService, user: str = ANNA, **params: Any) -> list[tuple[str, str, str, str]]:
    status, body = await query_service.get(f"/internal/v1/users/{user}/access-log", _as(user), **params)
    assert status == 200, body
    page = AccessLogPage.model_validate(body)
    assert all((e.recorded_by, e.actor_user_id) == ("result_aggregator_service", user) for e in page.entries)
    return [(e.actor_service, e.action.value, e.subject_kind.value, e.subject_id) for e in page.entries]


async def _stored(query_service: QueryOnlyService) -> int:
    async with query_service.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(access_log))).scalar_one())


async def test_a_batchs_results_read_for_a_teacher_are_one_entry_and_an_export_says_so(query_service):
    story = await _assessed(query_service, ANNA)
    detail, history = f"/internal/v1/batches/{story.batch_id}", f"/internal/v1/batches/{story.batch_id}/history"
    # No student's data in these: not logged.
    for path in (f"/internal/v1/users/{ANNA}/batches", f"/internal/v1/users/{ANNA}/summary"):
        assert (await query_service.get(path, _as(ANNA)))[0] == 200
    assert await _stored(query_service) == 0

    assert (await query_service.get(detail, _as(ANNA, GATEWAY)))[0] == 200
    assert (await query_service.get(history, _as(ANNA, **{"X-Access-Purpose": "export"})))[0] == 200
    assert (await query_service.get(detail, _as(ANNA, **{"X-Access-Purpose": "export"})))[0] == 200

    batch = str(story.batch_id)
    assert await _log(query_service) == [
        (BFF, "export", "batch", batch),
        (BFF, "export", "batch", batch),
        (GATEWAY, "read", "batch", batch),
    ]


async def test_refused_or_user_less_reads_log_nothing_and_a_teacher_reads_only_their_own_log(query_service):
    story = await _assessed(query_service, ANNA)
    detail = f"/internal/v1/batches/{story.batch_id}"

    assert (await query_service.get(detail, _as(BERTIL)))[0] == 404
    assert (await query_service.get(detail, _as(None)))[0] == 401
    assert (await query_service.get(f"{detail}/history", _as(BERTIL)))[0] == 404
    assert await _stored(query_service) == 0

    assert (await query_service.get(detail, _as(ANNA)))[0] == 200
    assert await _log(query_service) == [(BFF, "read", "batch", str(story.batch_id))]
    assert await _log(query_service, BERTIL) == []
    anna_log = f"/internal/v1/users/{ANNA}/access-log"
    assert (await query_service.get(anna_log, _as(BERTIL)))[0] == 404
    assert (await query_service.get(anna_log, _as(None)))[0] == 401
    assert (await query_service.get(anna_log, _as(ANNA, GATEWAY)))[0] == 403


async def test_paging_goes_back_in_time(query_service):
    stories = [await _assessed(query_service, ANNA) for _ in range(3)]
    for story in stories:
        assert (await query_service.get(f"/internal/v1/batches/{story.batch_id}", _as(ANNA)))[0] == 200
    status, body = await query_service.get(f"/internal/v1/users/{ANNA}/access-log", _as(ANNA), limit="1")
    [newest] = AccessLogPage.model_validate(body).entries

    older = await _log(query_service, before=newest.occurred_at.isoformat())

    assert (status, newest.subject_id) == (200, str(stories[2].batch_id))
    assert [subject for *_, subject in older] == [str(stories[1].batch_id), str(stories[0].batch_id)]


@pytest.mark.parametrize("params", HOSTILE_PAGING_PARAMS, ids=lambda p: repr(p)[:40])
async def test_hostile_paging_parameters_are_a_400_never_a_500(query_service, params: dict[str, str]):
    status, body = await query_service.get(f"/internal/v1/users/{ANNA}/access-log", _as(ANNA), **params)

    assert status == 400, body
    assert body["error"]["service"] == "result_aggregator_service"


async def test_an_account_deletion_forgets_the_accounts_entries_only(query_service):
    annas, bertils = await _assessed(query_service, ANNA), await _assessed(query_service, BERTIL)
    for story in (annas, bertils):
        assert (await query_service.get(f"/internal/v1/batches/{story.batch_id}", _as(story.user_id)))[0] == 200

    await query_service.fold(annas.account_deleted(minutes=30))

    assert await _log(query_service, BERTIL) == [(BFF, "read", "batch", str(bertils.batch_id))]
    assert await _stored(query_service) == 1


async def test_retention_prunes_the_entries_older_than_the_period(infrastructure, ras_database, ras_registry):
    settings = make_settings(infrastructure, ras_database, retention_period="3s", retention_check_interval_s=0.5)
    engine = create_engine(ras_database)
    app = await create_app(settings, registry=ras_registry)
    try:
        async with app.test_app() as test_app:
            query_service = QueryOnlyService(test_app.test_client(), session_factory(engine))
            # "Later" batches: their events are not due while the test runs, so only the log is pruned.
            stories = [query_service.story(ANNA, created=datetime.now(UTC) + timedelta(hours=1)) for _ in range(2)]
            for story in stories:
                await query_service.fold(story.registered())
                assert (await query_service.get(f"/internal/v1/batches/{story.batch_id}", _as(ANNA)))[0] == 200
            old, recent = (str(story.batch_id) for story in stories)
            async with query_service.sessions() as session, session.begin():
                for subject, shift in ((old, -timedelta(days=1)), (recent, timedelta(hours=1))):
                    await session.execute(
                        update(access_log)
                        .where(access_log.c.subject_id == subject)
                        .values(occurred_at=access_log.c.occurred_at + shift)
                    )

            async def pruned() -> bool:
                return await _stored(query_service) == 1

            await eventually(pruned)
            assert await _log(query_service) == [(BFF, "read", "batch", recent)]
            metrics = await (await test_app.test_client().get("/metrics")).get_data(as_text=True)
    finally:
        await engine.dispose()
    assert 'huleedu_retention_purged_total{kind="access_log",service="result_aggregator_service"}' in metrics
