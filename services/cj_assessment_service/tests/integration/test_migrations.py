"""The Alembic head matches the service's MetaData (no drift between migrations and declarations), and
0002 keeps the data it renames and can be undone; 0009's moderator label leaves old rows null and goes on
downgrade; 0010's usage of moderation LLM answers leaves answered rows null (not reported) and goes on
downgrade."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from cj_assessment_service.adapters.tables import metadata
from huleedu_service_libs.db import create_engine
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.testing.database import migrated_database, migrated_schema
from services.cj_assessment_service.tests.integration.conftest import ALEMBIC_DIR


async def test_fresh_database_at_head_matches_the_metadata(database_factory: Callable[[str], str]):
    url = await asyncio.to_thread(migrated_database, database_factory, ALEMBIC_DIR, "schema")
    await asyncio.to_thread(upgrade_to_head, ALEMBIC_DIR, url)  # a second upgrade is a no-op
    schema = await migrated_schema(url, metadata)
    assert schema.drift == []
    assert {"jobs", "job_essays", "waves", "comparisons", "assignments", "anchors", "event_outbox"} <= schema.tables


RELIABILITIES = [None, 0.42, 0.81]  # per wave; None: not computed yet


def _migrate(url: str, action: str, revision: str) -> None:
    """``alembic upgrade|downgrade <revision>`` of this service against ``url`` (blocking)."""
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    getattr(command, action)(config, revision)


async def test_0002_drops_the_streams_keeps_the_reliability_and_downgrade_restores_wave_parity(
    database_factory: Callable[[str], str],
):
    url = await asyncio.to_thread(database_factory, "streams")
    await asyncio.to_thread(_migrate, url, "upgrade", "0001")
    job_id = uuid.uuid4()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO jobs (id, batch_id, request_id, user_id, correlation_id, course_code, language, "
                    "grade_scale, state, llm_settings, budget, seed) VALUES (:id, :id, :id, 't', :id, 'ENG5', 'en', "
                    "'swedish_f_a', 'comparing', '{}', '{}', 1)"
                ),
                {"id": job_id},
            )
            for wave, reliability in enumerate(RELIABILITIES):
                row = {"job": job_id, "wave": wave, "stream": wave % 2, "reliability": reliability}
                await conn.execute(
                    text(
                        "INSERT INTO waves (job_id, wave, stream, pairs_planned, stream_reliability) "
                        "VALUES (:job, :wave, :stream, 1, :reliability)"
                    ),
                    row,
                )
                await conn.execute(
                    text(
                        "INSERT INTO comparisons (pair_id, request_id, job_id, wave, position, stream, essay_a_id, "
                        "essay_b_id, status) VALUES (:pair, :request, :job, :wave, 0, :stream, :job, :job, 'done')"
                    ),
                    row | {"pair": uuid.uuid4(), "request": f"cj-{wave}"},
                )
        await asyncio.to_thread(upgrade_to_head, ALEMBIC_DIR, url)
        async with engine.connect() as conn:
            waves = await conn.execute(text("SELECT reliability FROM waves ORDER BY wave"))
            assert waves.scalars().all() == RELIABILITIES
            columns = await conn.execute(
                text("SELECT table_name FROM information_schema.columns WHERE column_name = 'stream'")
            )
            assert columns.all() == []
        await asyncio.to_thread(_migrate, url, "downgrade", "0001")
        async with engine.connect() as conn:
            waves = await conn.execute(text("SELECT wave, stream, stream_reliability FROM waves ORDER BY wave"))
            assert waves.all() == [(0, 0, None), (1, 1, 0.42), (2, 0, 0.81)]
            pairs = await conn.execute(text("SELECT wave, stream FROM comparisons ORDER BY wave"))
            assert pairs.all() == [(0, 0), (1, 1), (2, 0)]
    finally:
        await engine.dispose()


async def test_0009_adds_a_null_label_to_earlier_moderators_and_downgrade_drops_it(
    database_factory: Callable[[str], str],
):
    url = await asyncio.to_thread(database_factory, "labels")
    await asyncio.to_thread(_migrate, url, "upgrade", "0008")
    job_id = uuid.uuid4()
    insert_job = text(
        "INSERT INTO jobs (id, batch_id, request_id, user_id, correlation_id, course_code, language, "
        "grade_scale, state, llm_settings, budget, seed) VALUES (:id, :id, :id, 't', :id, 'ENG5', 'en', "
        "'swedish_f_a', 'completed', '{}', '{}', 1)"
    )
    columns = text("SELECT column_name FROM information_schema.columns WHERE table_name = 'job_moderators'")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert_job, {"id": job_id})
            await conn.execute(text("INSERT INTO job_moderators (job_id, user_id) VALUES (:j, 'old')"), {"j": job_id})
        await asyncio.to_thread(_migrate, url, "upgrade", "0009")
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT user_id, label FROM job_moderators"))).all() == [("old", None)]
            await conn.execute(
                text("INSERT INTO job_moderators (job_id, user_id, label) VALUES (:j, 'new', 'new@school.example')"),
                {"j": job_id},
            )
        await asyncio.to_thread(_migrate, url, "downgrade", "0008")
        async with engine.begin() as conn:
            assert "label" not in set((await conn.execute(columns)).scalars())
            assert sorted((await conn.execute(text("SELECT user_id FROM job_moderators"))).scalars()) == ["new", "old"]
    finally:
        await engine.dispose()


async def test_0010_leaves_earlier_moderation_answers_unreported_and_downgrade_drops_the_usage(
    database_factory: Callable[[str], str],
):
    url = await asyncio.to_thread(database_factory, "moderation_usage")
    await asyncio.to_thread(_migrate, url, "upgrade", "0009")
    job_id = uuid.uuid4()
    insert_job = text(
        "INSERT INTO jobs (id, batch_id, request_id, user_id, correlation_id, course_code, language, "
        "grade_scale, state, llm_settings, budget, seed) VALUES (:id, :id, :id, 't', :id, 'ENG5', 'en', "
        "'swedish_f_a', 'completed', '{}', '{}', 1)"
    )
    insert_request = (
        "INSERT INTO moderation_llm_comparisons (request_id, job_id, first_essay_id, second_essay_id, status, "
        "requested_at, next_submit_at{extra}) VALUES (:r, :j, :j, :j, 'done', now(), now(){values})"
    )
    usage = (
        "SELECT request_id, input_tokens, output_tokens, cached_input_tokens, cost_usd FROM moderation_llm_comparisons"
    )
    columns = text("SELECT column_name FROM information_schema.columns WHERE table_name = 'moderation_llm_comparisons'")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert_job, {"id": job_id})
            await conn.execute(text(insert_request.format(extra="", values="")), {"r": "cj-mod-old", "j": job_id})
        await asyncio.to_thread(_migrate, url, "upgrade", "0010")
        async with engine.begin() as conn:
            assert (await conn.execute(text(usage))).all() == [("cj-mod-old", None, None, None, None)]
            await conn.execute(
                text(
                    insert_request.format(
                        extra=", input_tokens, output_tokens, cached_input_tokens, cost_usd",
                        values=", 900, 40, 0, 0.0025",
                    )
                ),
                {"r": "cj-mod-new", "j": job_id},
            )
            assert (await conn.execute(text(usage + " WHERE request_id = 'cj-mod-new'"))).all() == [
                ("cj-mod-new", 900, 40, 0, 0.0025)
            ]
        await asyncio.to_thread(_migrate, url, "downgrade", "0009")
        async with engine.begin() as conn:
            left = set((await conn.execute(columns)).scalars())
            assert not left & {"input_tokens", "output_tokens", "cached_input_tokens", "cost_usd"}
            requests = await conn.execute(text("SELECT request_id FROM moderation_llm_comparisons"))
            assert sorted(requests.scalars()) == ["cj-mod-new", "cj-mod-old"]
    finally:
        await engine.dispose()
