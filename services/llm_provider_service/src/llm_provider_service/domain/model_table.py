"""The model table (``model_table.json``, data not code): capabilities, context window, prices, limits."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from common_core.llm import LLMProvider

WILDCARD = "*"


@dataclass(frozen=True)
class Capabilities:
    temperature: bool
    reasoning_effort: bool
    verbosity: bool
    prompt_caching: bool
    batch_api: bool


@dataclass(frozen=True)
class Prices:
    """USD per million tokens."""

    input: float
    output: float
    cached_input: float


@dataclass(frozen=True)
class Limits:
    rpm: int
    tpm: int
    max_concurrency: int


@dataclass(frozen=True)
class ModelSpec:
    provider: LLMProvider
    model: str
    is_default: bool
    context_window: int
    capabilities: Capabilities
    prices: Prices
    limits: Limits

    def cost_usd(self, input_tokens: int, output_tokens: int, cached_input_tokens: int) -> float:
        # Cached tokens are part of the input count and billed at the cached price instead.
        uncached = max(0, input_tokens - cached_input_tokens)
        total = (
            uncached * self.prices.input
            + cached_input_tokens * self.prices.cached_input
            + output_tokens * self.prices.output
        )
        return round(total / 1_000_000, 8)


def _spec(raw: dict[str, Any]) -> ModelSpec:
    return ModelSpec(
        provider=LLMProvider(raw["provider"]),
        model=str(raw["model"]),
        is_default=bool(raw.get("default", False)),
        context_window=int(raw["context_window"]),
        capabilities=Capabilities(**raw["capabilities"]),
        prices=Prices(**raw["price_per_million"]),
        limits=Limits(**raw["limits"]),
    )


class ModelTable:
    def __init__(self, specs: list[ModelSpec]) -> None:
        self._specs = {(s.provider, s.model): s for s in specs}
        self._defaults = {s.provider: s for s in specs if s.is_default}

    @classmethod
    def load(cls, *, mock_max_concurrency: int | None = None) -> ModelTable:
        """The shipped table; ``mock_max_concurrency`` replaces the mock judge's concurrent calls (to act
        like a provider with a tight limit, e.g. so that several replicas share a queue's work)."""
        raw = json.loads(resources.files(__package__).joinpath("model_table.json").read_text(encoding="utf-8"))
        specs = [_spec(entry) for entry in raw["models"]]
        if mock_max_concurrency is not None:
            specs = [
                replace(s, limits=replace(s.limits, max_concurrency=mock_max_concurrency))
                if s.provider is LLMProvider.MOCK
                else s
                for s in specs
            ]
        return cls(specs)

    def find(self, provider: LLMProvider, model: str) -> ModelSpec | None:
        spec = self._specs.get((provider, model)) or self._specs.get((provider, WILDCARD))
        if spec is not None and spec.model == WILDCARD:
            # A wildcard row (local models) stands for the concrete id the caller named.
            return ModelSpec(
                spec.provider, model, False, spec.context_window, spec.capabilities, spec.prices, spec.limits
            )
        return spec

    def default_model(self, provider: LLMProvider) -> str | None:
        spec = self._defaults.get(provider)
        return None if spec is None or spec.model == WILDCARD else spec.model

    def models(self) -> list[ModelSpec]:
        return list(self._specs.values())
