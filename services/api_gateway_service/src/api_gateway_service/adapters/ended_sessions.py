"""Sessions ended before their access tokens expire, remembered in Redis until those tokens would have.

Logout, a password change and a refresh-token reuse end a session in the database, which stops
its refresh token. Its access tokens are self-contained JWTs, so without this list they would
keep working until they expire. A key per ended session lives exactly as long as an access
token can (TTL plus leeway), which bounds the list. If Redis loses a key or cannot answer, the
token works until it expires, as it would without the list: the database stays the authority.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

logger = structlog.stdlib.get_logger(__name__)


class EndedSessions:
    def __init__(self, redis: aioredis.Redis, key_prefix: str, remember_s: int) -> None:
        self._redis = redis
        self._key_prefix = key_prefix
        self._remember_s = remember_s

    async def add(self, session_ids: Iterable[str]) -> None:
        keys = [self._key(session_id) for session_id in session_ids]
        if not keys:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipeline:
                for key in keys:
                    pipeline.set(key, b"1", ex=self._remember_s)
                await pipeline.execute()
        except RedisError as exc:
            logger.warning("ended_sessions_unavailable", action="add", error_type=type(exc).__name__)

    async def contains(self, session_id: str) -> bool:
        try:
            return bool(await self._redis.exists(self._key(session_id)))
        except RedisError as exc:
            logger.warning("ended_sessions_unavailable", action="check", error_type=type(exc).__name__)
            return False

    def _key(self, session_id: str) -> str:
        return f"{self._key_prefix}ended-session:{session_id}"
