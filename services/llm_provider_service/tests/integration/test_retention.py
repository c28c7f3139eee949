"""The retention pass in the running service (a period of seconds): old outcome rows, ended provider batch
jobs with their prompts, and expired tombstones go; what a comparison still at work may need stays."""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select, text

from llm_provider_service.adapters.tables import batch_job_items, batch_jobs, comparison_outcomes, erased_batches
from services.llm_provider_service.tests.integration.conftest import Harness

MARKER = "Plinkvoraxe"  # in the old ended job's prompt
PURGED_ITEMS = 'huleedu_retention_purged_total{kind="batch_job_items",service="llm_provider_service"} 1.0'


async def _outcome(conn, age: str) -> str:
    request_id = f"r-{uuid.uuid4()}"
    await conn.execute(
        insert(comparison_outcomes).values(
            request_id=request_id,
            queue_id="q",
            state="done",
            attempts=1,
            provider="mock",
            model="mock-1",
            batching_mode="per_request",
            event_id=uuid.uuid4(),
            completed_at=text(f"now() - interval '{age}'"),
        )
    )
    return request_id


async def _job(conn, status: str, ended: str | None, prompt: str) -> uuid.UUID:
    job_id = uuid.uuid4()
    ended_at = None if ended is None else text(f"now() - interval '{ended}'")
    await conn.execute(
        insert(batch_jobs).values(
            id=job_id, provider="openai", model="gpt-4.1", status=status, item_count=1, ended_at=ended_at
        )
    )
    await conn.execute(
        insert(batch_job_items).values(
            job_id=job_id,
            custom_id="c0",
            request_id=f"r-{uuid.uuid4()}",
            item={"request_id": "x"},
            request_body={"messages": [{"role": "user", "content": prompt}]},
            prompt_version="v1",
        )
    )
    return job_id


async def test_the_retention_pass_purges_what_is_due_and_keeps_what_work_in_flight_needs(harness: Harness):
    async with harness.engine.begin() as conn:
        await _outcome(conn, "3 days")  # due
        young_outcome = await _outcome(conn, "1 hour")  # older than the period, younger than a comparison's life
        await _job(conn, "ended", "1 minute", f"Essay A: {MARKER}")  # due: ended before the cutoff
        ended_later = await _job(conn, "ended", "-1 hour", "Essay A: kept")  # "ended" after the test: not due
        running = await _job(conn, "submitted", None, "Essay A: still running")
        old_tombstone, young_tombstone = uuid.uuid4(), uuid.uuid4()
        await conn.execute(
            insert(erased_batches).values(batch_id=old_tombstone, erased_at=text("now() - interval '3 days'"))
        )
        await conn.execute(insert(erased_batches).values(batch_id=young_tombstone))
    assert await harness.database_holding(MARKER) == ["batch_job_items.request_body"]

    # No worker and no poller: the open job stays as it is, whatever its provider would say.
    async with harness.app(retention_period="3s", retention_check_interval_s=0.2, workers_enabled=False) as app:
        client = app.test_client()

        async def counted() -> bool:
            # The pass counts what it purged once all of it is committed.
            metrics = await (await client.get("/metrics")).get_data(as_text=True)
            return PURGED_ITEMS in metrics

        await harness.wait_until(counted)

    assert await harness.database_holding(MARKER) == []
    assert set(await harness.outcomes()) == {young_outcome}  # not old_outcome
    async with harness.engine.connect() as conn:
        jobs = set((await conn.execute(select(batch_jobs.c.id))).scalars())
        items = set((await conn.execute(select(batch_job_items.c.job_id))).scalars())
        tombstones = set((await conn.execute(select(erased_batches.c.batch_id))).scalars())
    assert jobs == items == {ended_later, running}
    assert tombstones == {young_tombstone}
