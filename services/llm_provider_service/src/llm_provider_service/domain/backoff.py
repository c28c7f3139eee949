"""Capped exponential backoff with full jitter, honouring a provider's Retry-After."""

from __future__ import annotations


def retry_delay_s(
    failures: int, *, base_s: float, cap_s: float, jitter_unit: float, retry_after_s: float | None = None
) -> float:
    """Delay before the next attempt after ``failures`` consecutive failures.

    Full jitter (``jitter_unit`` in [0, 1)) spreads retries of many items apart; a provider's
    ``Retry-After`` is a floor, never shortened by the jitter, and may exceed the cap because
    the provider knows better than our guess.
    """
    exponential = min(cap_s, base_s * 2.0 ** max(0, min(failures - 1, 30)))
    delay = exponential * min(max(jitter_unit, 0.0), 1.0)
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return delay
