"""The retention policy in the running service: with a period of a few seconds, a finished batch's essays
and texts disappear on their own while the batch and other batches' texts stay (issue 23)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from content_service.config import Settings
from huleedu_service_libs.testing.infrastructure import Infrastructure

from .conftest import WAIT_S, built


async def test_a_finished_batchs_essays_and_texts_are_purged_after_the_period_and_the_batch_stays(
    content_settings: Settings, event_topics: Any, infrastructure: Infrastructure, unique_group_id: str, samples: Any
):
    settings = content_settings.model_copy(
        update={"retention_period": "3s", "retention_check_interval_s": 0.5, "retention_keep_aggregates": True}
    )
    async with built(settings, event_topics, infrastructure, unique_group_id, samples) as content:
        finished = await content.batch_with_essays(2)
        draft = await content.batch_with_essays(2)
        await content.fetch("UPDATE batches SET status = 'completed' WHERE batch_id = $1", uuid.UUID(finished))
        # The draft was changed "later": it is not due while the test runs.
        later = "UPDATE batches SET updated_at = now() + interval '1 hour' WHERE batch_id = $1"
        await content.fetch(later, uuid.UUID(draft))
        assert len(await content.fetch("SELECT 1 FROM texts")) == 4

        async def purged() -> bool:
            rows = await content.fetch("SELECT texts_purged_at FROM batches WHERE batch_id = $1", uuid.UUID(finished))
            return rows[0]["texts_purged_at"] is not None

        async with asyncio.timeout(WAIT_S):
            while not await purged():  # noqa: ASYNC110 - the condition lives in the database
                await asyncio.sleep(0.2)

        essays = await content.fetch("SELECT DISTINCT batch_id FROM essays")
        assert [str(row["batch_id"]) for row in essays] == [draft]
        assert len(await content.fetch("SELECT 1 FROM texts")) == 2  # the draft's
        kept = await content.fetch("SELECT batch_id, title FROM batches ORDER BY created_at")
        assert [str(row["batch_id"]) for row in kept] == [finished, draft]
        metrics = await (await content.call("GET", "/metrics", user=None)).get_data(as_text=True)
        assert 'huleedu_retention_purged_total{kind="texts",service="content_service"}' in metrics
