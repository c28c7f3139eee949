"""Where a word survives in a service's own database: the erasure tests' column scan (issue 23)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# Column types that can hold a name or a text: plain, JSON, bytes (outbox payloads) and ids.
TEXTUAL_TYPES = ("text", "character varying", "jsonb", "json", "bytea", "uuid")


async def rows_holding(
    sessions: async_sessionmaker[AsyncSession], needle: str, types: Sequence[str] = TEXTUAL_TYPES
) -> dict[str, int]:
    """How many rows hold ``needle``, per ``table.column`` of the database's public tables (of ``types``).

    Only the columns that hold it are named. A ``uuid`` column matches the whole id; any other
    column matches a part of its text (bytes as UTF-8).
    """
    async with sessions() as session:
        columns = await session.execute(
            text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type = ANY(:types)"
            ),
            {"types": list(types)},
        )
        hits = {}
        for table, column, data_type in columns.all():
            name = f'"{table}"."{column}"'
            condition = {
                "bytea": f"position(convert_to(:needle, 'UTF8') in {name}) > 0",
                "uuid": f"{name}::text = :needle",
            }.get(data_type, f"strpos({name}::text, :needle) > 0")
            count = await session.execute(text(f'SELECT count(*) FROM "{table}" WHERE {condition}'), {"needle": needle})
            rows = int(count.scalar_one())
            if rows:
                hits[f"{table}.{column}"] = rows
    return hits


async def columns_holding(
    sessions: async_sessionmaker[AsyncSession], needle: str, types: Sequence[str] = TEXTUAL_TYPES
) -> set[str]:
    """Every ``table.column`` of the database's public tables (of ``types``) that holds ``needle``."""
    return set(await rows_holding(sessions, needle, types))
