"""Proves the PostgreSQL the tests use is real: a fresh database and an asyncpg round trip."""

from datetime import UTC, datetime

import asyncpg


async def test_sql_round_trip_in_a_fresh_database(fresh_database_url: str):
    conn = await asyncpg.connect(fresh_database_url, timeout=10)
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
        await conn.execute(
            "CREATE TABLE essay (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
            " body text NOT NULL, created_at timestamptz NOT NULL)"
        )
        now = datetime.now(UTC)
        essay_id = await conn.fetchval(
            "INSERT INTO essay (body, created_at) VALUES ($1, $2) RETURNING id", "Åsa skrev", now
        )
        row = await conn.fetchrow("SELECT body, created_at FROM essay WHERE id = $1", essay_id)
        assert row is not None
        assert row["body"] == "Åsa skrev"
        assert row["created_at"] == now
        assert row["created_at"].tzinfo is not None
    finally:
        await conn.close()


async def test_each_test_gets_its_own_database(fresh_database_url: str, database_factory):
    other = database_factory("other")
    assert other != fresh_database_url
    a = await asyncpg.connect(fresh_database_url, timeout=10)
    b = await asyncpg.connect(other, timeout=10)
    try:
        await a.execute("CREATE TABLE only_here (x int)")
        assert await b.fetchval("SELECT to_regclass('only_here') IS NULL")
    finally:
        await a.close()
        await b.close()
