"""Provider failures, mapped to the shared callback error codes, each retryable or not."""

from __future__ import annotations

from enum import StrEnum


class FailureCode(StrEnum):
    RATE_LIMIT = "RATE_LIMIT"
    TIMEOUT = "TIMEOUT"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    INVALID_RESPONSE = "INVALID_RESPONSE"
    REFUSAL = "REFUSAL"
    CONTENT_FILTER = "CONTENT_FILTER"
    AUTH = "AUTH"
    BAD_REQUEST = "BAD_REQUEST"
    # Never from a provider: the queue's own reasons. CIRCUIT_OPEN is retried until the item's
    # attempts run out, so a request whose provider stays down fails with this clear code.
    EXPIRED = "EXPIRED"
    CIRCUIT_OPEN = "CIRCUIT_OPEN"


RETRYABLE_CODES = frozenset(
    {
        FailureCode.RATE_LIMIT,
        FailureCode.TIMEOUT,
        FailureCode.PROVIDER_UNAVAILABLE,
        FailureCode.INVALID_RESPONSE,
        FailureCode.CIRCUIT_OPEN,
    }
)
# Failures that say the provider itself is unwell; these feed its circuit breaker.
PROVIDER_HEALTH_CODES = frozenset({FailureCode.TIMEOUT, FailureCode.PROVIDER_UNAVAILABLE})


class ProviderError(Exception):
    """A provider call (or one verdict in it) failed with ``code``."""

    def __init__(self, code: FailureCode, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds; an HTTP date is treated as unknown)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
