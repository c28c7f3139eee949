"""Where a piece of text survives in the running dev stack: every service's database (every text-like
column of every table), Redis (every key and value) and the service logs (issue 23's erasure tests).

A scan reports places, not counts, so a failing erasure test says exactly what was left behind.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.envfile import load_env_file
from huleedu_service_libs.testing.column_scan import rows_holding
from scripts.devstack.settings import DevstackSettings

# Column types that can hold a text: plain and JSON columns, arrays of them, and bytes (outbox payloads).
_TEXTUAL = ("text", "character varying", "character", "json", "jsonb", "bytea", "ARRAY")


def _env() -> dict[str, str]:
    return load_env_file(DevstackSettings.from_env().env_file)


def database_urls() -> dict[str, str]:
    """Each service's database URL, by service."""
    suffix = "_DATABASE_URL"
    return {name.removesuffix(suffix).lower(): url for name, url in _env().items() if name.endswith(suffix)}


async def _database_places(service: str, url: str, needle: str) -> list[str]:
    engine = create_engine(url, pool_size=1)
    try:
        hits = await rows_holding(session_factory(engine), needle, _TEXTUAL)
    finally:
        await engine.dispose()
    return [f"{service} database: {column} ({rows} rows)" for column, rows in hits.items()]


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


async def _redis_values(client: aioredis.Redis, key: bytes, kind: str) -> list[object]:
    if kind == "string":
        return [await client.get(key)]
    if kind == "hash":
        return [b for pair in (await client.hgetall(key)).items() for b in pair]
    if kind == "list":
        return list(await client.lrange(key, 0, -1))
    if kind == "set":
        return list(await client.smembers(key))
    if kind == "zset":
        return list(await client.zrange(key, 0, -1))
    if kind == "stream":
        return [b for _id, fields in (await client.xrange(key)) or [] for pair in (fields or {}).items() for b in pair]
    return []


async def _redis_places(needle: str) -> list[str]:
    client = aioredis.Redis.from_url(_env()["HULEEDU_REDIS_URL"])
    wanted = needle.encode()
    found = []
    try:
        async for key in client.scan_iter(count=1000):
            kind = _bytes(await client.type(key)).decode()
            values = await _redis_values(client, key, kind)
            if wanted in key or any(wanted in _bytes(value) for value in values):
                found.append(f"redis: {key.decode(errors='replace')} ({kind})")
    finally:
        await client.aclose()
    return found


def _log_places(needle: str) -> list[str]:
    logs = DevstackSettings.from_env().logs_dir
    return [f"log: {path.name}" for path in sorted(logs.glob("*.log")) if needle.encode() in path.read_bytes()]


async def _all_places(needle: str) -> list[str]:
    per_database = await asyncio.gather(*(_database_places(s, u, needle) for s, u in database_urls().items()))
    return [place for places in per_database for place in places] + await _redis_places(needle) + _log_places(needle)


def places_holding(needle: str) -> list[str]:
    """Every database column, Redis key and service log that still contains ``needle``."""
    return asyncio.run(_all_places(needle))
