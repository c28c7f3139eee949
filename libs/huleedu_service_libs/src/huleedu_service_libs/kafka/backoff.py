"""Capped exponential backoff with jitter, for retrying a record a retry can fix."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from huleedu_service_libs.errors import RateLimitedError

# 2**62 already dwarfs any cap; a larger exponent would only risk float overflow.
_MAX_EXPONENT = 62


@dataclass(frozen=True)
class RetryPolicy:
    """How the consumer runner retries a record.

    After each failed attempt it waits ``delay(n)``. After ``max_inline_attempts`` attempts in a
    row it seeks the partition back and polls again, so the group membership stays alive while
    the record is retried; the record is never skipped.
    """

    base_backoff_s: float = 0.2
    max_backoff_s: float = 10.0
    max_inline_attempts: int = 5
    # Share of the delay that is random, so replicas failing together do not retry in lockstep.
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.base_backoff_s <= 0 or self.max_backoff_s < self.base_backoff_s:
            raise ValueError("need 0 < base_backoff_s <= max_backoff_s")
        if self.max_inline_attempts < 1:
            raise ValueError("max_inline_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be within [0, 1]")

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (1-based)."""
        exponent = min(max(attempt - 1, 0), _MAX_EXPONENT)
        return min(self.max_backoff_s, self.base_backoff_s * 2.0**exponent)

    def delay(
        self, attempt: int, error: BaseException | None = None, rand: Callable[[], float] = random.random
    ) -> float:
        """The wait after failed attempt ``attempt``: within ``[ceiling * (1 - jitter), ceiling]``.

        A rate limit that names its own ``Retry-After`` is honoured, up to the cap.
        """
        wait = self.ceiling(attempt) * (1.0 - self.jitter * rand())
        if isinstance(error, RateLimitedError) and error.retry_after_s is not None:
            wait = max(wait, min(error.retry_after_s, self.max_backoff_s))
        return wait
