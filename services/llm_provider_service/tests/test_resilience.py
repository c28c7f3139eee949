"""Backoff, circuit breaker, token buckets and the model table, on fake clocks."""

import asyncio

import pytest

from common_core.llm import LLMProvider
from llm_provider_service.domain.backoff import retry_delay_s
from llm_provider_service.domain.circuit_breaker import BreakerState, CircuitBreaker
from llm_provider_service.domain.failures import parse_retry_after
from llm_provider_service.domain.model_table import ModelTable
from llm_provider_service.domain.rate_limit import RateLimiter


def test_backoff_grows_exponentially_is_capped_and_jittered():
    full = [retry_delay_s(n, base_s=1, cap_s=10, jitter_unit=0.999999) for n in range(1, 7)]
    assert full == pytest.approx([1, 2, 4, 8, 10, 10], rel=1e-3)
    assert retry_delay_s(3, base_s=1, cap_s=10, jitter_unit=0.5) == pytest.approx(2.0)


def test_retry_after_is_a_floor_that_jitter_cannot_shorten():
    assert retry_delay_s(1, base_s=1, cap_s=10, jitter_unit=0.0, retry_after_s=7) == 7
    assert retry_delay_s(1, base_s=1, cap_s=10, jitter_unit=0.0, retry_after_s=120) == 120
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    async def sleep(self, seconds):
        self.now += seconds


def test_the_breaker_opens_after_the_threshold_and_probes_once_after_the_cooldown():
    clock = Clock()
    breaker = CircuitBreaker(3, 30, clock)
    for _ in range(2):
        breaker.record_failure()
    assert breaker.state == BreakerState.CLOSED
    breaker.record_failure()
    assert breaker.state == BreakerState.OPEN  # type: ignore[comparison-overlap]  # mypy narrows a property
    assert not breaker.allow()
    clock.now = 31
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.accepting
    assert breaker.allow()
    assert not breaker.accepting
    assert not breaker.allow()  # one probe at a time
    breaker.abandon()  # a cancelled probe frees the slot for the next one
    assert breaker.accepting
    assert breaker.allow()
    breaker.record_failure()  # the probe failed: open again for a full cool-down
    assert breaker.state is BreakerState.OPEN
    clock.now = 62
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


def test_the_rate_limiter_spaces_requests_and_tokens():
    clock = Clock()
    limiter = RateLimiter(rpm=60, tpm=6000, clock=clock, sleep=clock.sleep)

    async def run():
        waits = [await limiter.acquire(100) for _ in range(60)]
        assert sum(waits) == 0  # a full bucket serves a burst
        assert await limiter.acquire(100) == pytest.approx(1.0)  # then one request per second
        assert await limiter.acquire(3000) == pytest.approx(30.0)  # and tokens at 100 per second

    asyncio.run(run())


def test_the_model_table_prices_and_defaults():
    table = ModelTable.load()
    spec = table.find(LLMProvider.OPENAI, "gpt-5-mini")
    assert spec is not None
    assert spec.capabilities.reasoning_effort
    assert not spec.capabilities.temperature
    # 1M input of which 0.5M cached, 1M output: 0.5*0.25 + 0.5*0.025 + 2.0
    assert spec.cost_usd(1_000_000, 1_000_000, 500_000) == pytest.approx(2.1375)
    assert table.default_model(LLMProvider.ANTHROPIC) == "claude-haiku-4-5"
    assert table.find(LLMProvider.OPENAI, "no-such-model") is None
    local = table.find(LLMProvider.OPENAI_COMPATIBLE, "llama3.1:8b")
    assert local is not None
    assert local.model == "llama3.1:8b"
    assert table.default_model(LLMProvider.OPENAI_COMPATIBLE) is None
