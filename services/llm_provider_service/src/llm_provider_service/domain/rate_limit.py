"""Token buckets for requests per minute and tokens per minute of one provider model."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class _Bucket:
    def __init__(self, per_minute: float, now: float) -> None:
        self.capacity = per_minute
        self.rate_per_s = per_minute / 60.0
        self.level = per_minute
        self.updated = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate_per_s)
        self.updated = now

    def wait_for(self, amount: float) -> float:
        # A request bigger than the whole bucket waits for a full bucket, never forever.
        amount = min(amount, self.capacity)
        return 0.0 if self.level >= amount else (amount - self.level) / self.rate_per_s


class RateLimiter:
    """``await acquire(tokens)`` waits until one request and ``tokens`` fit both buckets."""

    def __init__(
        self,
        rpm: int,
        tpm: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        now = clock()
        self._requests = _Bucket(rpm, now)
        self._tokens = _Bucket(tpm, now)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> float:
        """Take the budget for one call; returns the seconds spent waiting."""
        waited = 0.0
        async with self._lock:  # first come, first served: no call starves behind later ones
            while True:
                now = self._clock()
                self._requests.refill(now)
                self._tokens.refill(now)
                wait = max(self._requests.wait_for(1), self._tokens.wait_for(tokens))
                if wait <= 0:
                    self._requests.level -= 1
                    self._tokens.level -= min(tokens, self._tokens.capacity)
                    return waited
                await self._sleep(wait)
                waited += wait
