"""Retries, Retry-After and the circuit breaker through the whole service, against a fake OpenAI server."""

import json

from common_core.llm import LLMProvider
from services.llm_provider_service.tests.fake_http import FakeServer, Reply
from services.llm_provider_service.tests.integration.conftest import HEADERS, wave

VERDICT = {"winner": "A", "confidence": 5, "justification": "Clearer argument."}
SUCCESS = Reply(
    body={
        "id": "chatcmpl-1",
        "choices": [{"message": {"role": "assistant", "content": json.dumps(VERDICT)}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 40, "prompt_tokens_details": {"cached_tokens": 512}},
    },
    headers={"x-request-id": "req-42"},
)


def openai_settings(url, **overrides):
    return {"openai_base_url": url, "openai_api_key": "sk-test", "provider_timeout_s": 5.0, **overrides}


async def submit(app, body):
    response = await app.test_client().post("/internal/v1/comparisons", json=body, headers=HEADERS)
    assert response.status_code == 202, await response.get_data()


async def test_500_then_success_is_one_success_callback_after_two_attempts(harness):
    async with (
        FakeServer([Reply(500, {"error": {"message": "boom"}}), SUCCESS]) as server,
        harness.app(**openai_settings(server.url)) as app,
    ):
        await submit(app, wave(harness.topic, [("strong", "weak")], provider="openai", model="gpt-4.1"))
        outcomes = await harness.wait_for_outcomes(1)
        await harness.wait_for_delivery()
    assert outcomes["r0"] == ("done", 2, None)
    assert len(server.requests) == 2
    [callback] = await harness.callbacks()
    assert callback.data.winner == "A"
    assert callback.data.provider is LLMProvider.OPENAI
    assert callback.data.usage.cached_input_tokens == 512
    assert callback.data.provider_request_id == "req-42"
    # gpt-4.1: 388 uncached at $2, 512 cached at $0.5, 40 out at $8 per million
    assert abs(callback.data.cost_usd - (388 * 2.0 + 512 * 0.5 + 40 * 8.0) / 1e6) < 1e-9


async def test_a_429_is_retried_after_its_retry_after(harness):
    limited = Reply(429, {"error": {"message": "rate limited"}}, {"retry-after": "1"})
    async with FakeServer([limited, SUCCESS]) as server, harness.app(**openai_settings(server.url)) as app:
        await submit(app, wave(harness.topic, [("strong", "weak")], provider="openai", model="gpt-4.1"))
        state = await (await app.test_client().get("/internal/v1/comparisons/r0", headers=HEADERS)).get_json()
        outcomes = await harness.wait_for_outcomes(1)
    assert outcomes["r0"] == ("done", 2, None)
    assert state["state"] in {"queued", "processing"}


async def test_a_provider_that_stays_down_opens_its_breaker_and_the_item_fails_with_a_clear_code(harness):
    async with FakeServer([Reply(503, {"error": {"message": "down"}})]) as server:
        settings = openai_settings(server.url, breaker_failure_threshold=2, breaker_cooldown_s=0.3, max_attempts=3)
        async with harness.app(**settings) as app:
            client = app.test_client()
            await submit(app, wave(harness.topic, [("strong", "weak")], provider="openai", model="gpt-4.1"))
            outcomes = await harness.wait_for_outcomes(1)
            providers = (await (await client.get("/internal/v1/providers", headers=HEADERS)).get_json())["providers"]
            await harness.wait_for_delivery()
    assert outcomes["r0"][0] == "failed"
    assert outcomes["r0"][2] in {"PROVIDER_UNAVAILABLE", "CIRCUIT_OPEN"}
    assert providers["openai"]["circuit_breaker"] in {"open", "half_open"}
    [callback] = await harness.callbacks()
    assert callback.data.error.retryable is True
    assert len(server.requests) <= 3
