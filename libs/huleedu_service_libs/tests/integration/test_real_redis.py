"""Proves the Redis the tests use is real: a round trip with expiry and a list."""

import asyncio

import redis.asyncio as aioredis

from huleedu_service_libs.testing.infrastructure import Infrastructure


async def test_redis_round_trip_with_ttl(infrastructure: Infrastructure, redis_prefix: str):
    client = aioredis.Redis.from_url(infrastructure.redis_url, socket_timeout=5)
    try:
        await client.set(redis_prefix + "k", "värde", px=300)
        assert await client.get(redis_prefix + "k") == "värde".encode()
        await asyncio.sleep(0.5)
        assert await client.get(redis_prefix + "k") is None
        await client.rpush(redis_prefix + "q", "a", "b")
        assert await client.lpop(redis_prefix + "q") == b"a"
    finally:
        await client.aclose()
