"""Usage estimates: stand-in essays, calls as the worker makes them, tokens as the mock counts them, and time
from the model's concurrency and rate limits."""

from __future__ import annotations

import math
from typing import Any

import pytest

from common_core.http.estimates import UsageEstimateRequest
from common_core.llm import BatchingMode, LLMProvider
from huleedu_service_libs.errors import ValidationFailedError
from llm_provider_service.adapters.providers.base import ProviderCall
from llm_provider_service.adapters.providers.mock import MockProvider, MockSettings
from llm_provider_service.adapters.providers.pool import ProviderPool
from llm_provider_service.config import Settings
from llm_provider_service.domain.model_table import Capabilities, Limits, ModelSpec, ModelTable, Prices
from llm_provider_service.domain.prompts import render_bundle, render_pair
from llm_provider_service.domain.tokens import estimate_tokens
from llm_provider_service.domain.usage_estimate import call_groups, filler_text
from llm_provider_service.domain.work import CallSettings, SharedContext
from llm_provider_service.service_layer.estimates import EstimatePolicy, UsageEstimator, provider_seconds
from services.llm_provider_service.tests.essays import MIDDLING, STRONG, WEAK

CONTEXT = {"instructions": "Which essay argues better?", "rubric": "Argument, evidence, language."}
ESSAYS = [STRONG, WEAK, MIDDLING]
MAX_CHARS = 600
POLICY = EstimatePolicy(
    serial_bundle_size=8, justification_max_chars=MAX_CHARS, batch_poll_interval_s=30, batch_max_age_s=90_000
)


def estimator(**settings: Any) -> UsageEstimator:
    pool = ProviderPool(Settings(HULEEDU_DEV_MODE=True, database_url="postgresql://unused/db", **settings))
    return UsageEstimator(models=ModelTable.load(), providers=pool, policy=POLICY)


def request(waves: list[list[tuple[int, int]]], lengths: list[int], **fields: Any) -> UsageEstimateRequest:
    total = sum(len(w) for w in waves)
    values: dict[str, Any] = {
        "provider": "mock",
        "model": "mock-judge",
        "batching_mode": "per_request",
        "context": CONTEXT,
        "item_characters": lengths,
        "waves": waves,
        "comparisons": {"minimum": total, "typical": total, "maximum": total},
        **fields,
    }
    return UsageEstimateRequest.model_validate(values)


def ring(n: int) -> list[tuple[int, int]]:
    """Two rounds walked as one cycle, as CJ submits a serial_bundle wave: neighbours share an essay."""
    return [(i, (i + 1) % n) for i in range(n)]


def test_a_stand_in_essay_has_the_length_asked_for_and_differs_from_every_other():
    texts = [filler_text(item, chars) for item in range(40) for chars in (1, 7, 250, 2048)]
    assert [len(t) for t in texts] == [chars for _ in range(40) for chars in (1, 7, 250, 2048)]
    assert all(t == t.strip() for t in texts)
    long_ones = [filler_text(item, 2048) for item in range(40)]
    assert len(set(long_ones)) == 40


def test_a_wave_becomes_one_call_per_comparison_or_bundles_of_consecutive_comparisons():
    wave = ring(10)
    assert call_groups(wave, BatchingMode.PER_REQUEST, 8) == [[pair] for pair in wave]
    assert call_groups(wave, BatchingMode.PROVIDER_BATCH_API, 8) == [[pair] for pair in wave]
    assert call_groups(wave, BatchingMode.SERIAL_BUNDLE, 8) == [wave[:8], wave[8:]]


@pytest.mark.parametrize("mode", ["per_request", "serial_bundle"])
async def test_the_estimate_counts_the_tokens_the_mock_reports_for_real_essays_of_the_same_lengths(mode: str):
    # The waves the worker sends for these three essays, judged by the real mock with the real texts.
    waves = [[(0, 1), (1, 2), (2, 0)], [(1, 0), (2, 1)]]
    mock = MockProvider(MockSettings())
    context = SharedContext(**CONTEXT)
    settings = CallSettings(LLMProvider.MOCK, "mock-judge", BatchingMode(mode))
    spec = ModelTable.load().find(LLMProvider.MOCK, "mock-judge")
    assert spec is not None
    calls = input_tokens = 0
    for wave in waves:
        for group in call_groups(wave, BatchingMode(mode), 8):
            pairs = [(ESSAYS[a], ESSAYS[b]) for a, b in group]
            prompt = (
                render_pair(context, *pairs[0], max_chars=MAX_CHARS)
                if len(pairs) == 1
                else render_bundle(context, pairs, max_chars=MAX_CHARS)
            )
            reply = await mock.complete(ProviderCall(settings, spec, prompt, 4000, pairs))
            assert reply.usage is not None
            calls += 1
            input_tokens += reply.usage.input_tokens

    estimate = await estimator().estimate(
        request(
            waves,
            [len(e.strip()) for e in ESSAYS],
            batching_mode=mode,
            comparisons={"minimum": 3, "typical": 5, "maximum": 5},
        )
    )

    assert (estimate.llm_calls.typical, estimate.input_tokens.typical) == (calls, input_tokens)
    assert estimate.llm_calls.maximum == calls
    assert estimate.llm_calls.minimum == (3 if mode == "per_request" else 1)  # the first wave alone


async def test_bundles_of_walked_pairs_share_essays_and_so_tokens():
    waves = [ring(24) for _ in range(3)]
    lengths = [2000] * 24
    single = await estimator().estimate(request(waves, lengths))
    bundled = await estimator().estimate(request(waves, lengths, batching_mode="serial_bundle"))
    assert single.llm_calls.typical == 72
    assert bundled.llm_calls.typical == 3 * math.ceil(24 / 8)
    # Eight walked pairs show nine essays instead of sixteen.
    assert bundled.input_tokens.typical < 0.7 * single.input_tokens.typical
    # At most, no two pairs of a bundle share an essay: every pair's essays shown, only the context once.
    assert bundled.input_tokens.maximum > 0.9 * single.input_tokens.typical
    assert bundled.input_tokens.maximum < single.input_tokens.typical
    assert bundled.serial_bundle_size == 8
    assert single.serial_bundle_size is None


async def test_the_ranges_run_from_empty_justifications_to_the_output_budget():
    waves = [ring(6), ring(6)]
    plain = await estimator().estimate(
        request(waves, [1500] * 6, comparisons={"minimum": 6, "typical": 9, "maximum": 12})
    )
    assert plain.llm_calls.model_dump() == {"minimum": 6, "typical": 9, "maximum": 12}
    assert plain.input_tokens.minimum < plain.input_tokens.typical < plain.input_tokens.maximum
    assert plain.output_tokens.maximum == 12 * 400  # OUTPUT_TOKENS_PER_VERDICT, the max_tokens of each call
    assert plain.output_tokens.minimum < plain.output_tokens.typical < plain.output_tokens.maximum
    reasoning = await estimator(openai_api_key="sk-test").estimate(
        request(waves, [1500] * 6, provider="openai", model="gpt-5-mini", reasoning_effort="low")
    )
    assert reasoning.configured is True
    assert reasoning.output_tokens.maximum == 12 * (400 + 4000)  # room to reason on every call
    assert reasoning.output_tokens.typical >= 12 * 2000


async def test_the_batch_api_costs_half_and_answers_within_the_providers_window():
    waves = [ring(10), ring(10)]
    args = {"provider": "openai", "model": "gpt-4.1"}
    realtime = await estimator().estimate(request(waves, [1800] * 10, **args))
    batch = await estimator().estimate(request(waves, [1800] * 10, batching_mode="provider_batch_api", **args))
    assert batch.configured is False  # no key in this test: a run would be refused, the estimate is not
    assert batch.input_tokens == realtime.input_tokens
    for field in ("minimum", "typical", "maximum"):
        assert getattr(batch.cost_usd, field) == pytest.approx(getattr(realtime.cost_usd, field) / 2)
    assert batch.duration_seconds.minimum == 2 * 30  # each wave answered by the first poll at best
    assert batch.duration_seconds.maximum == 2 * 90_000


async def test_a_repeated_long_prefix_is_priced_as_cached_except_in_the_maximum():
    context = {**CONTEXT, "rubric": "Argument, evidence, language. " * 200}  # well over 1024 tokens
    waves = [ring(8)]
    args = {"provider": "anthropic", "model": "claude-haiku-4-5", "context": context}
    cached = await estimator().estimate(request(waves, [1000] * 8, **args))
    spec = ModelTable.load().find(LLMProvider.ANTHROPIC, "claude-haiku-4-5")
    assert spec is not None
    prefix = estimate_tokens(render_pair(SharedContext(**context), "a", "b", max_chars=MAX_CHARS).prefix)
    assert prefix > 1024
    # Every call after the first reads the prefix from the cache.
    typical = spec.cost_usd(cached.input_tokens.typical, cached.output_tokens.typical, 7 * prefix)
    assert cached.cost_usd.typical == typical
    assert typical < spec.cost_usd(cached.input_tokens.typical, cached.output_tokens.typical, 0)
    assert cached.cost_usd.maximum == spec.cost_usd(cached.input_tokens.maximum, cached.output_tokens.maximum, 0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"model": "gpt-9"}, "model"),
        ({"batching_mode": "provider_batch_api"}, "batching_mode"),  # the mock has no batch API
        ({"provider": "google", "model": "gemini-2.5-flash", "batching_mode": "provider_batch_api"}, "batching_mode"),
    ],
)
async def test_a_model_or_mode_a_submission_would_refuse_is_a_400_naming_the_field(fields: dict[str, str], field: str):
    with pytest.raises(ValidationFailedError) as refused:
        await estimator().estimate(request([ring(4)], [900] * 4, **fields))
    assert set(refused.value.details["fields"]) == {field}


def spec_with(rpm: int, tpm: int, concurrency: int) -> ModelSpec:
    capabilities = Capabilities(True, False, False, False, False)
    return ModelSpec(
        LLMProvider.OPENAI, "m", False, 100_000, capabilities, Prices(1, 1, 1), Limits(rpm, tpm, concurrency)
    )


async def test_provider_time_follows_the_concurrency_and_the_rate_limits():
    # 10 calls of 2 s through 5 slots: two rounds.
    assert await provider_seconds([[(100, 2.0)] * 10], spec_with(10_000, 10**9, 5)) == pytest.approx(4.0)
    # 120 instant calls at 60 a minute: the first 60 at once (a full bucket), then one a second.
    assert await provider_seconds([[(100, 0.0)] * 120], spec_with(60, 10**9, 1000)) == pytest.approx(60.0)
    # Tokens a minute bind the same way: 4 calls of 50k tokens at 100k a minute wait 60 s for the last two.
    assert await provider_seconds([[(50_000, 0.0)] * 4], spec_with(10_000, 100_000, 10)) == pytest.approx(60.0)
    # Waves run one after another: the second starts when the first is answered.
    assert await provider_seconds([[(100, 3.0)], [(100, 3.0)]], spec_with(10_000, 10**9, 8)) == pytest.approx(6.0)
