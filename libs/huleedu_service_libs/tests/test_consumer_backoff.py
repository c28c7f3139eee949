"""The retry policy: exponential growth, a hard cap, bounded jitter, Retry-After honoured."""

import pytest

from huleedu_service_libs.errors import ExternalServiceError, RateLimitedError
from huleedu_service_libs.kafka.backoff import RetryPolicy


def test_the_ceiling_doubles_per_attempt_until_the_cap():
    policy = RetryPolicy(base_backoff_s=0.2, max_backoff_s=10.0)
    ceilings = [policy.ceiling(attempt) for attempt in range(1, 10)]
    assert ceilings[:6] == pytest.approx([0.2, 0.4, 0.8, 1.6, 3.2, 6.4])
    assert ceilings[6:] == [10.0, 10.0, 10.0]


def test_a_huge_attempt_number_stays_at_the_cap():
    assert RetryPolicy(max_backoff_s=10.0).ceiling(10_000) == 10.0


@pytest.mark.parametrize("attempt", [1, 3, 8, 50])
def test_jitter_keeps_the_delay_between_half_and_all_of_the_ceiling(attempt: int):
    policy = RetryPolicy(jitter=0.5)
    ceiling = policy.ceiling(attempt)
    assert policy.delay(attempt, rand=lambda: 0.0) == ceiling
    assert policy.delay(attempt, rand=lambda: 0.999) == pytest.approx(ceiling * 0.5, rel=1e-2)
    assert ceiling * 0.5 <= policy.delay(attempt) <= ceiling


def test_delays_grow_with_the_attempt_without_jitter():
    policy = RetryPolicy(jitter=0.0)
    delays = [policy.delay(attempt) for attempt in range(1, 12)]
    assert delays == sorted(delays)
    assert delays[0] < delays[-1] == policy.max_backoff_s


def test_retry_after_of_a_rate_limit_is_honoured_up_to_the_cap():
    policy = RetryPolicy(base_backoff_s=0.2, max_backoff_s=10.0)
    assert policy.delay(1, RateLimitedError("429", retry_after_s=3.0), rand=lambda: 0.0) == 3.0
    assert policy.delay(1, RateLimitedError("429", retry_after_s=600.0), rand=lambda: 0.0) == 10.0
    assert policy.delay(1, ExternalServiceError("502"), rand=lambda: 0.0) == 0.2


@pytest.mark.parametrize(
    "options",
    [
        {"base_backoff_s": 0.0},
        {"base_backoff_s": 5.0, "max_backoff_s": 1.0},
        {"max_inline_attempts": 0},
        {"jitter": 1.5},
    ],
)
def test_nonsense_policies_are_refused(options: dict[str, float]):
    with pytest.raises(ValueError):  # noqa: PT011 - every message is a plain range check
        RetryPolicy(**options)  # type: ignore[arg-type]
