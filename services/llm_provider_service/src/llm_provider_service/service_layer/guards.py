"""Per-provider circuit breakers and per-model rate limiters and concurrency slots."""

from __future__ import annotations

from common_core.llm import LLMProvider
from llm_provider_service import metrics
from llm_provider_service.domain.circuit_breaker import BreakerState, CircuitBreaker
from llm_provider_service.domain.model_table import ModelSpec
from llm_provider_service.domain.rate_limit import RateLimiter


class ProviderGuards:
    def __init__(self, *, failure_threshold: int, cooldown_s: float, default_max_concurrency: int) -> None:
        self._threshold = failure_threshold
        self._cooldown_s = cooldown_s
        self._default_concurrency = default_max_concurrency
        self._breakers: dict[LLMProvider, CircuitBreaker] = {}
        self._limiters: dict[tuple[LLMProvider, str], RateLimiter] = {}
        self._in_flight: dict[tuple[LLMProvider, str], int] = {}

    def breaker(self, provider: LLMProvider) -> CircuitBreaker:
        if provider not in self._breakers:
            self._breakers[provider] = CircuitBreaker(self._threshold, self._cooldown_s)
        return self._breakers[provider]

    def breaker_states(self) -> dict[LLMProvider, BreakerState]:
        return {provider: breaker.state for provider, breaker in self._breakers.items()}

    def publish_breaker_states(self) -> None:
        for provider in LLMProvider:
            state = self._breakers[provider].state if provider in self._breakers else BreakerState.CLOSED
            metrics.CIRCUIT_STATE.labels(provider.value).set(int(state))

    def limiter(self, spec: ModelSpec) -> RateLimiter:
        key = (spec.provider, spec.model)
        if key not in self._limiters:
            self._limiters[key] = RateLimiter(spec.limits.rpm, spec.limits.tpm)
        return self._limiters[key]

    def concurrency(self, spec: ModelSpec | None) -> int:
        return spec.limits.max_concurrency if spec is not None else self._default_concurrency

    def free_slots(self, spec: ModelSpec | None, provider: LLMProvider, model: str) -> int:
        return self.concurrency(spec) - self._in_flight.get((provider, model), 0)

    def take_slots(self, provider: LLMProvider, model: str, count: int) -> None:
        self._in_flight[(provider, model)] = self._in_flight.get((provider, model), 0) + count

    def release_slots(self, provider: LLMProvider, model: str, count: int) -> None:
        self._in_flight[(provider, model)] = max(0, self._in_flight.get((provider, model), 0) - count)
