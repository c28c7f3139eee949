"""The retention policy in the running service (issue 23): with a period of a few seconds, a finished batch's
essays and results disappear on their own while its aggregates stay in every view; without aggregates the
batch is erased to a tombstone. A batch whose last event is "later" (in the future here) is not due."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.events.catalog import EVENTS
from huleedu_service_libs.db import create_engine, session_factory
from result_aggregator_service.app import create_app

from .conftest import API_KEY, HANDLERS, BatchStory, eventually, make_settings
from .test_erasure import MARKER, _found, marked

KEPT_MARKER = "Kptlatermarker"


@dataclass
class Database:
    """The service's database, as the column scan (``_found``) and the folds reach it."""

    sessions: async_sessionmaker[AsyncSession]

    async def fold(self, *envelopes: Any) -> None:
        for envelope in envelopes:
            async with self.sessions() as session, session.begin():
                await HANDLERS[type(envelope.data)](envelope, session)


@pytest.fixture
async def database(ras_database: str) -> AsyncIterator[Database]:
    engine = create_engine(ras_database)
    try:
        yield Database(session_factory(engine))
    finally:
        await engine.dispose()


def _assessed(story: BatchStory, marker: str) -> list[Any]:
    job_id = uuid.uuid4()
    return [
        story.registered(),
        *(marked(story.uploaded(i), filename=f"{marker}-{i}.docx") for i in range(3)),
        story.completed(job_id, minutes=8),
        story.results(job_id, minutes=9),
    ]


@pytest.mark.parametrize("keep_aggregates", [True, False])
async def test_a_finished_batchs_essays_and_results_are_purged_after_the_period(
    infrastructure, ras_database, ras_registry, database, keep_aggregates
):
    due = BatchStory(EVENTS, user_id="teacher-retention")  # its events happened days ago (T0)
    later = BatchStory(EVENTS, user_id="teacher-retention", created=datetime.now(UTC) + timedelta(hours=1))
    await database.fold(*_assessed(due, MARKER), *_assessed(later, KEPT_MARKER))

    def settings_with(period: str) -> Any:
        return make_settings(
            infrastructure,
            ras_database,
            retention_period=period,
            retention_check_interval_s=0.5,
            retention_keep_aggregates=keep_aggregates,
        )

    async def detail(client: Any, story: BatchStory) -> tuple[int, Any]:
        headers = {"X-Internal-API-Key": API_KEY, "X-Service-ID": "bff_teacher_service", "X-User-ID": story.user_id}
        response = await client.get(f"/internal/v1/batches/{story.batch_id}", headers=headers)
        return response.status_code, await response.get_json()

    # The batch as it was, read by the service without retention: with the period on, its first check can
    # run before any request does (it did in CI) and the batch is already purged.
    async with (await create_app(settings_with("never"), registry=ras_registry)).test_app() as quiet:
        _, before = await detail(quiet.test_client(), due)
    assert len(before["essays"]) == 4

    app = await create_app(settings_with("3s"), registry=ras_registry)
    async with app.test_app() as test_app:
        client = test_app.test_client()

        async def purged() -> bool:
            status, body = await detail(client, due)
            return status == 404 if not keep_aggregates else not body["essays"]

        await eventually(purged)
        status, after = await detail(client, due)
        _, kept = await detail(client, later)
        metrics = await (await client.get("/metrics")).get_data(as_text=True)

    assert await _found(database, MARKER) == set()
    for essay_id in due.essay_ids:
        assert await _found(database, str(essay_id)) == set()
    assert await _found(database, KEPT_MARKER) == {"essays.filename"}
    assert len(kept["essays"]) == 4  # the later batch's three essays and its anchor
    if keep_aggregates:
        # The batch and its job as they were (status, essay count, grade distribution, reliability), no essays.
        assert (status, after["batch"], after["current_job"]) == (200, before["batch"], before["current_job"])
        assert after["batch"]["result_summary"]["grade_distribution"]["A"] == 1
    else:
        assert status == 404
        # Besides the tombstone, the access log may still hold the test's own reads of the batch from the
        # last period (ids only; pruned by their own age).
        assert await _found(database, str(due.batch_id)) - {"access_log.subject_id"} == {"batches.batch_id"}
    for kind in ("essays", "results", "batches"):
        assert f'huleedu_retention_purged_total{{kind="{kind}",service="result_aggregator_service"}}' in metrics
