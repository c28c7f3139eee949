"""Does a server answer? Cheap reachability checks for Kafka, PostgreSQL and Redis.

Each returns False for any failure (refused, timeout, auth, bad address): the caller only needs
to know whether the server is usable now, and says why in its own words.
"""

from __future__ import annotations

import logging

import asyncpg
import redis.asyncio as aioredis
from aiokafka import AIOKafkaClient


async def kafka_answers(bootstrap: str, timeout_s: float = 3.0) -> bool:
    """True if a broker at ``bootstrap`` answers a metadata request and lists at least one broker."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
    # aiokafka logs each refused connection at ERROR; here a refusal is just the answer "no".
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        await client.bootstrap()
        return bool(client.cluster.brokers())
    except Exception:
        return False
    finally:
        await client.close()
        logger.setLevel(level)


async def postgres_answers(dsn: str, timeout_s: float = 3.0) -> bool:
    try:
        conn = await asyncpg.connect(dsn, timeout=timeout_s)
    except Exception:
        return False
    await conn.close()
    return True


async def redis_answers(url: str, timeout_s: float = 2.0) -> bool:
    try:
        client = aioredis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    except ValueError:
        return False
    try:
        return bool(await client.ping())
    except (aioredis.RedisError, OSError):
        return False
    finally:
        await client.aclose()
