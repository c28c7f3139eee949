"""Request limits counted in Redis: a fixed window per key, counted and timed in one atomic script.

One script call increments the key, starts the window on the first hit, and returns the count
with the time left, so two gateway replicas never race between the increment and the expiry (a
key left without expiry would block its caller for good). If Redis cannot answer, the request is
let through and logged: an outage of the limiter must not take the whole API down with it.
"""

from __future__ import annotations

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

from api_gateway_service.domain.rate_limits import Limit
from huleedu_service_libs.errors import RateLimitedError
from huleedu_service_libs.metrics import RATE_LIMIT_HITS

logger = structlog.stdlib.get_logger(__name__)

_COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RateLimiter:
    def __init__(self, redis: aioredis.Redis, key_prefix: str, service_name: str) -> None:
        self._script = redis.register_script(_COUNT_IN_WINDOW)
        self._key_prefix = key_prefix
        self._service_name = service_name

    async def hit(self, limit: Limit, caller: str) -> None:
        """Count one request of ``caller``; :class:`RateLimitedError` with the wait once over the limit."""
        key = f"{self._key_prefix}limit:{limit.scope}:{caller}"
        try:
            count, ttl = await self._script(keys=[key], args=[limit.window_s])
        except RedisError as exc:
            logger.warning("rate_limit_unavailable", scope=limit.scope, error_type=type(exc).__name__)
            return
        if int(count) > limit.requests:
            RATE_LIMIT_HITS.labels(self._service_name, limit.scope).inc()
            raise RateLimitedError(
                f"Too many requests; try again in {int(ttl)} s",
                retry_after_s=max(1, int(ttl)),
                details={"limit": limit.scope, "retry_after_seconds": max(1, int(ttl))},
            )
