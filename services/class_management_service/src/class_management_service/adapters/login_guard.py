"""Locks an account after repeated failed sign-ins: a Redis counter per email.

The counter lives for ``window_s`` from the first failure; the failure that reaches
``max_failures`` restarts that clock, and the account stays locked until the key expires (a
correct password is refused too while it is locked, so guessing cannot continue). A success
clears the counter. Redis is the right store here: losing a counter only forgives a few
failures, and the gateway rate-limits as well.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from class_management_service.domain.model import LockState
from huleedu_service_libs.errors import ServiceUnavailableError


@asynccontextmanager
async def _redis_needed() -> AsyncIterator[None]:
    # Fail closed: without the counter, sign-in would be open to unlimited guessing.
    try:
        yield
    except RedisError as exc:
        raise ServiceUnavailableError("Sign-in is unavailable right now; try again in a minute") from exc


class LoginGuard:
    def __init__(self, redis: Redis, *, key_prefix: str, max_failures: int, window_s: int) -> None:
        self._redis = redis
        self._prefix = key_prefix
        self.max_failures = max_failures
        self.window_s = window_s

    def _key(self, email: str) -> str:
        # Hashed so the keys hold no personal data.
        return f"{self._prefix}login_failures:{hashlib.sha256(email.encode('utf-8')).hexdigest()}"

    async def state(self, email: str) -> LockState:
        key = self._key(email)
        async with _redis_needed():
            failures = await self._redis.get(key)
            if failures is None or int(failures) < self.max_failures:
                return LockState(False, 0)
            ttl = await self._redis.ttl(key)
        return LockState(True, max(int(ttl), 1))

    async def record_failure(self, email: str) -> LockState:
        """Count one failure; the returned state says whether this one locked the account."""
        key = self._key(email)
        async with _redis_needed():
            failures = int(await self._redis.incr(key))
            if failures == 1 or failures >= self.max_failures:
                await self._redis.expire(key, self.window_s)
        if failures >= self.max_failures:
            return LockState(True, self.window_s)
        return LockState(False, 0)

    async def clear(self, email: str) -> None:
        async with _redis_needed():
            await self._redis.delete(self._key(email))
