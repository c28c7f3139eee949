"""The catalogue and the usage estimate over HTTP, and the estimate against the real worker on the same waves."""

from __future__ import annotations

from typing import Any

import pytest

from common_core.http.estimates import UsageEstimate
from common_core.http.model_catalogue import ModelCatalogue
from common_core.llm import BatchingMode, LLMProvider
from llm_provider_service.adapters.providers.mock import CountingMock
from services.llm_provider_service.tests.essays import MIDDLING, STRONG, WEAK
from services.llm_provider_service.tests.integration.conftest import HEADERS

pytestmark = pytest.mark.timeout(180)

CONTEXT = {"instructions": "Which essay argues better?", "rubric": "Argument, evidence, language."}
# Ten different essays of different lengths, built from the hand-written ones.
ESSAYS = [f"{(STRONG, WEAK, MIDDLING)[i % 3]}\n\nPostscript {i}: {'and more ' * (7 * i)}".strip() for i in range(10)]


def as_caller(service: str) -> dict[str, str]:
    return {**HEADERS, "X-Service-ID": service}


def walked(offset: int) -> list[tuple[int, int]]:
    """A two-round wave over the ten essays in the order CJ submits serial_bundle waves: a walk."""
    order = [(offset + 3 * i) % 10 for i in range(10)]
    return [(order[i], order[(i + 1) % 10]) for i in range(10)]


@pytest.mark.parametrize("mode", [BatchingMode.PER_REQUEST, BatchingMode.SERIAL_BUNDLE])
async def test_the_estimate_of_some_waves_is_what_the_worker_then_spends_on_them(harness, mode: BatchingMode):
    waves = [walked(0), walked(1), walked(2)]
    judge = CountingMock()
    async with harness.app(adapters={LLMProvider.MOCK: judge}) as app:
        client = app.test_client()
        body: dict[str, Any] = {
            "provider": "mock",
            "model": "mock-judge",
            "batching_mode": mode.value,
            "context": CONTEXT,
            "item_characters": [len(essay.strip()) for essay in ESSAYS],
            "waves": waves,
            "comparisons": {"minimum": 10, "typical": 30, "maximum": 30},
        }
        answer = await client.post("/internal/v1/estimates", json=body, headers=HEADERS)
        assert answer.status_code == 200, await answer.get_data(as_text=True)
        estimate = UsageEstimate.model_validate(await answer.get_json())

        # Then the same waves for real, one after another as CJ sends them.
        sent = 0
        for wave in waves:
            request = {
                "context": CONTEXT,
                "texts": {f"e{i}": essay for i, essay in enumerate(ESSAYS)},
                "comparisons": [
                    {
                        "request_id": f"r{sent + n}",
                        "a": f"e{a}",
                        "b": f"e{b}",
                        "overrides": {"provider": "mock", "model": "mock-judge", "batching_mode": mode.value},
                    }
                    for n, (a, b) in enumerate(wave)
                ],
                "callback_topic": harness.topic,
            }
            accepted = await client.post("/internal/v1/comparisons", json=request, headers=HEADERS)
            assert accepted.status_code == 202
            sent += len(wave)
            await harness.wait_for_outcomes(sent)
        await harness.wait_for_delivery()
        callbacks = await harness.callbacks()

    assert (judge.calls, judge.input_tokens) == (estimate.llm_calls.typical, estimate.input_tokens.typical)
    assert estimate.output_tokens.minimum <= judge.output_tokens <= estimate.output_tokens.maximum
    # The callbacks carry each call's usage split over its comparisons: never below the minimum for the
    # first wave alone, never above the whole run's maximum.
    reported = sum(c.data.usage.input_tokens for c in callbacks if c.data.usage is not None)
    assert len(callbacks) == 30
    assert estimate.input_tokens.minimum <= reported <= estimate.input_tokens.maximum
    if mode is BatchingMode.SERIAL_BUNDLE:
        assert judge.calls == 3 * 2  # ten walked pairs: a bundle of eight and one of two per wave


async def test_the_catalogue_is_readable_by_the_teacher_facing_services_and_the_estimate_by_cj_only(harness):
    async with harness.app(workers_enabled=False) as app:
        client = app.test_client()
        for caller in ("api_gateway_service", "bff_teacher_service", "content_service", "cj_assessment_service"):
            answer = await client.get("/internal/v1/providers", headers=as_caller(caller))
            assert answer.status_code == 200, caller
            catalogue = ModelCatalogue.model_validate(await answer.get_json())
            assert catalogue.serial_bundle_size == 8
        modes = {m.model: m.batching_modes for p in catalogue.providers.values() for m in p.models}
        assert BatchingMode.PROVIDER_BATCH_API in modes["gpt-5-mini"]
        assert BatchingMode.PROVIDER_BATCH_API not in modes["mock-judge"]
        assert catalogue.providers[LLMProvider.MOCK].configured is True
        assert catalogue.providers[LLMProvider.OPENAI].configured is False

        body = {
            "provider": "mock",
            "model": "mock-judge",
            "batching_mode": "per_request",
            "context": CONTEXT,
            "item_characters": [900, 1100],
            "waves": [[[0, 1]]],
            "comparisons": {"minimum": 1, "typical": 1, "maximum": 1},
        }
        for caller in ("api_gateway_service", "bff_teacher_service"):
            refused = await client.post("/internal/v1/estimates", json=body, headers=as_caller(caller))
            assert refused.status_code == 403, caller
        unknown = await client.post("/internal/v1/estimates", json={**body, "model": "gpt-9"}, headers=HEADERS)
        assert unknown.status_code == 400
        assert set((await unknown.get_json())["error"]["details"]["fields"]) == {"model"}
        beyond = await client.post(
            "/internal/v1/estimates", json={**body, "waves": [[[0, 2]]]}, headers=HEADERS
        )  # no item 2
        assert beyond.status_code == 400
