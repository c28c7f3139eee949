"""The mock provider: the offline default. It judges the essays with the mock judge and answers in
the same JSON the real providers return, so the whole parse, retry and cost path runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from common_core.llm import LLMProvider
from llm_provider_service.adapters.providers.base import ProviderCall, ProviderReply, Usage
from llm_provider_service.domain.failures import FailureCode, ProviderError
from llm_provider_service.domain.mock_judge import JudgeSettings, judge_pair, seeded_unit
from llm_provider_service.domain.tokens import estimate_tokens

# Providers cache a prompt prefix only from about this length on.
CACHEABLE_PREFIX_TOKENS = 1024


@dataclass(frozen=True)
class MockSettings:
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    latency_ms_mean: float = 0.0
    latency_ms_jitter: float = 0.0
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_timeout: float = 0.0
    rate_malformed: float = 0.0
    justification_max_chars: int = 600


class MockProvider:
    provider = LLMProvider.MOCK

    def __init__(self, settings: MockSettings) -> None:
        self.settings = settings
        self._seen_prefixes: set[str] = set()

    def current(self) -> dict[str, object]:
        return asdict(self.settings)

    def update(self, changes: Mapping[str, object]) -> dict[str, object]:
        """The dev route's partial update: the judge's own fields, then the call's (latency, injected errors)."""
        judge_fields = {f.name for f in fields(JudgeSettings)}
        # The route's model has checked every value's type and range.
        judge_changes: dict[str, Any] = {k: v for k, v in changes.items() if k in judge_fields}
        call_changes: dict[str, Any] = {k: v for k, v in changes.items() if k not in judge_fields}
        self.settings = replace(self.settings, judge=replace(self.settings.judge, **judge_changes), **call_changes)
        return self.current()

    async def aclose(self) -> None:
        return None

    def _injected_failure(self, call_key: str) -> str | None:
        """With the error_injection profile: which failure (if any) this call draws."""
        s = self.settings
        if s.judge.profile != "error_injection":
            return None
        u = seeded_unit(s.judge.seed, call_key, "fault")
        for name, rate in (("429", s.rate_429), ("500", s.rate_500), ("timeout", s.rate_timeout)):
            if u < rate:
                return name
            u -= rate
        return "malformed" if u < s.rate_malformed else None

    async def complete(self, call: ProviderCall) -> ProviderReply:
        s = self.settings
        call_key = hashlib.sha256(f"{call.prompt.full_text()}\x1f{call.attempt}".encode()).hexdigest()
        latency_ms = max(0.0, s.latency_ms_mean + s.latency_ms_jitter * (2 * seeded_unit(call_key, "lat") - 1))
        if latency_ms > 0:
            await asyncio.sleep(latency_ms / 1000)
        fault = self._injected_failure(call_key)
        if fault == "429":
            raise ProviderError(FailureCode.RATE_LIMIT, "mock: injected 429", retry_after_s=1.0)
        if fault == "500":
            raise ProviderError(FailureCode.PROVIDER_UNAVAILABLE, "mock: injected HTTP 500")
        if fault == "timeout":
            raise ProviderError(FailureCode.TIMEOUT, "mock: injected timeout")
        # Calls that draw no fault are judged like the heuristic profile, so the results stay meaningful.
        judge = s.judge if s.judge.profile != "error_injection" else replace(s.judge, profile="heuristic")
        verdicts = [
            {
                "winner": v.winner,
                "confidence": v.confidence,
                "justification": v.justification,
            }
            for v in (judge_pair(a, b, call.language, judge, s.justification_max_chars) for a, b in call.pairs)
        ]
        if fault == "malformed":
            text = "I would say the first one, probably."
        elif call.prompt.version.startswith("cj-bundle"):
            text = json.dumps({"verdicts": [{"pair": i, **v} for i, v in enumerate(verdicts, start=1)]})
        else:
            text = json.dumps(verdicts[0])
        prefix_tokens = estimate_tokens(call.prompt.prefix)
        cached = 0
        prefix_key = hashlib.sha256(call.prompt.prefix.encode()).hexdigest()
        if prefix_tokens >= CACHEABLE_PREFIX_TOKENS:
            cached = prefix_tokens if prefix_key in self._seen_prefixes else 0
            self._seen_prefixes.add(prefix_key)
        return ProviderReply(
            text=text,
            usage=Usage(estimate_tokens(call.prompt.full_text()), estimate_tokens(text), cached),
            provider_request_id=f"mock-{call_key[:16]}",
            latency_ms=int(latency_ms),
        )


class CountingMock:
    """The mock judge with default settings, counting what crosses the provider boundary: the calls, the
    tokens each answer reports and when the last call ended (the benches and the estimate test)."""

    provider = LLMProvider.MOCK

    def __init__(self) -> None:
        self.inner = MockProvider(MockSettings())
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.last_call_at = 0.0

    async def complete(self, call: ProviderCall) -> ProviderReply:
        reply = await self.inner.complete(call)
        if reply.usage is None:  # the mock always reports usage: a reply without it is a broken mock
            raise AssertionError("the mock judge answered without usage")
        self.calls += 1
        self.input_tokens += reply.usage.input_tokens
        self.output_tokens += reply.usage.output_tokens
        self.last_call_at = time.perf_counter()
        return reply

    async def aclose(self) -> None:
        return None
