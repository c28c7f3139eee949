"""The retention policy in the running service (issue 23): with a period of a few seconds, the essays of a batch
registered longer ago disappear on their own, with its confirmation events; a batch that is not due keeps its
essays, and the roster stays. With aggregates kept the old batch's row stays; without, it is erased with its
tombstone."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.app import create_app
from class_management_service.config import Settings
from common_core.events.registry import EventRegistry

from .conftest import EventSender, FakeEssayTexts, columns_holding, eventually, gateway
from .test_batch_erasure import ANNA, MARKER, ErasedBatch

PERIOD = "5s"


@asynccontextmanager
async def running(
    settings: Settings, registry: EventRegistry, essay_texts: FakeEssayTexts, keep_aggregates: bool
) -> AsyncIterator[object]:
    retained = settings.model_copy(
        update={
            "retention_period": PERIOD,
            "retention_check_interval_s": 0.5,
            "retention_keep_aggregates": keep_aggregates,
        }
    )
    app = await create_app(retained, registry=registry, essay_texts=essay_texts)
    async with app.test_app() as test_app:
        yield test_app


async def _count(sessions: async_sessionmaker[AsyncSession], query: str, batch_id: uuid.UUID) -> int:
    async with sessions() as session:
        return int((await session.execute(text(query), {"batch": batch_id})).scalar_one())


@pytest.mark.parametrize("keep_aggregates", [True, False])
async def test_a_batchs_essays_are_purged_after_the_period_and_a_newer_batch_keeps_its_own(
    settings: Settings,
    registry: EventRegistry,
    essay_texts: FakeEssayTexts,
    events: EventSender,
    sessions: async_sessionmaker[AsyncSession],
    keep_aggregates: bool,
):
    async with running(settings, registry, essay_texts, keep_aggregates) as test_app:
        client = test_app.test_client()  # type: ignore[attr-defined]
        old = await ErasedBatch.with_class(client, events, essay_texts, sessions)
        recent = ErasedBatch(client, events, essay_texts, sessions)
        recent.class_id, recent.students = old.class_id, old.students
        await recent.send_batch()

        async def recent_recorded() -> bool | None:
            found = await _count(sessions, "SELECT count(*) FROM batches WHERE id = :batch", recent.batch_id)
            return True if found else None

        await eventually(recent_recorded)
        # The recent batch was registered "later": it is not due while the test runs.
        async with sessions() as session, session.begin():
            later = "UPDATE batches SET registered_at = now() + interval '1 hour' WHERE id = :batch"
            await session.execute(text(later), {"batch": recent.batch_id})
        await recent.send(recent.essay(uuid.uuid4(), "recent.docx", "Karlsson Tuva", "Essay"))
        await old.send_batch()
        await old.send_essays()

        def old_essays(wanted: int):
            async def probe() -> bool | None:
                found = await _count(sessions, "SELECT count(*) FROM essays WHERE batch_id = :batch", old.batch_id)
                return True if found == wanted else None

            return probe

        await eventually(old_essays(3))  # stored (the period is longer than this takes)
        await eventually(old_essays(0))  # and purged
        await asyncio.sleep(1)  # a few more passes: nothing else is due

        assert await columns_holding(sessions, MARKER) == set()
        assert await _count(sessions, "SELECT count(*) FROM essays WHERE batch_id = :batch", recent.batch_id) == 1
        old_rows = await _count(sessions, "SELECT count(*) FROM batches WHERE id = :batch", old.batch_id)
        tombstones = await _count(sessions, "SELECT count(*) FROM erased_batches WHERE batch_id = :batch", old.batch_id)
        assert (old_rows, tombstones) == ((1, 0) if keep_aggregates else (0, 1))
        students = await client.get(f"/v1/students?class_id={old.class_id}", headers=gateway(ANNA))
        assert {s["first_name"] for s in (await students.get_json())["students"]} == {"Tuva", "Åsa"}
        metrics = await (await client.get("/metrics")).get_data(as_text=True)
        assert 'huleedu_retention_purged_total{kind="essays",service="class_management_service"}' in metrics
