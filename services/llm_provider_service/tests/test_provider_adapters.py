"""Every real adapter against a local fake server speaking its provider's wire format."""

import json

import pytest

from common_core.llm import BatchingMode, LLMProvider, ReasoningEffort
from llm_provider_service.adapters.providers.anthropic_messages import AnthropicProvider
from llm_provider_service.adapters.providers.base import ProviderCall
from llm_provider_service.adapters.providers.gemini import GeminiProvider
from llm_provider_service.adapters.providers.openai_chat import OpenAIChatProvider
from llm_provider_service.domain.failures import FailureCode, ProviderError
from llm_provider_service.domain.model_table import ModelTable
from llm_provider_service.domain.prompts import render_pair
from llm_provider_service.domain.verdicts import parse_verdict
from llm_provider_service.domain.work import CallSettings, SharedContext
from services.llm_provider_service.tests.fake_http import FakeServer, Reply

VERDICT = {"winner": "B", "confidence": 4, "justification": "Better structure."}
MODELS = {
    LLMProvider.OPENAI: "gpt-5-mini",
    LLMProvider.OPENROUTER: "anthropic/claude-sonnet-4.5",
    LLMProvider.OPENAI_COMPATIBLE: "llama3.1:8b",
    LLMProvider.ANTHROPIC: "claude-haiku-4-5",
    LLMProvider.GOOGLE: "gemini-2.5-flash",
}


def make_call(provider: LLMProvider, **overrides) -> ProviderCall:
    model = MODELS[provider]
    settings = CallSettings(provider, model, BatchingMode.PER_REQUEST, **overrides)
    spec = ModelTable.load().find(provider, model)
    assert spec is not None
    prompt = render_pair(SharedContext(instructions="Judge the argument."), "Essay one.", "Essay two.", max_chars=600)
    return ProviderCall(settings, spec, prompt, 400, [("Essay one.", "Essay two.")])


def adapter(provider: LLMProvider, url: str, timeout_s: float = 5.0):
    if provider is LLMProvider.ANTHROPIC:
        return AnthropicProvider(url, "sk-ant-test", timeout_s=timeout_s)
    if provider is LLMProvider.GOOGLE:
        return GeminiProvider(url, "g-test", timeout_s=timeout_s)
    return OpenAIChatProvider(provider, url, "sk-test", timeout_s=timeout_s)


def success(provider: LLMProvider) -> Reply:
    if provider is LLMProvider.ANTHROPIC:
        return Reply(
            body={
                "id": "msg_1",
                "type": "message",
                "content": [{"type": "tool_use", "id": "tu_1", "name": "record_verdict", "input": VERDICT}],
                "stop_reason": "tool_use",
                "usage": {
                    "input_tokens": 20,
                    "output_tokens": 30,
                    "cache_read_input_tokens": 100,
                    "cache_creation_input_tokens": 0,
                },
            },
            headers={"request-id": "req_ant_1"},
        )
    if provider is LLMProvider.GOOGLE:
        return Reply(
            body={
                "candidates": [
                    {"content": {"role": "model", "parts": [{"text": json.dumps(VERDICT)}]}, "finishReason": "STOP"}
                ],
                "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 30, "cachedContentTokenCount": 100},
                "responseId": "resp_g_1",
            }
        )
    return Reply(
        body={
            "id": "chatcmpl-1",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": json.dumps(VERDICT)}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "prompt_tokens_details": {"cached_tokens": 100}},
        },
        headers={"x-request-id": "req_oai_1"},
    )


def without_usage(reply: Reply) -> Reply:
    body = {key: value for key, value in reply.body.items() if key not in ("usage", "usageMetadata")}
    return Reply(body=body, headers=reply.headers)


def refusal(provider: LLMProvider) -> Reply:
    if provider is LLMProvider.ANTHROPIC:
        return Reply(body={"content": [], "stop_reason": "refusal", "usage": {"input_tokens": 5, "output_tokens": 0}})
    if provider is LLMProvider.GOOGLE:
        return Reply(body={"promptFeedback": {"blockReason": "SAFETY"}})
    return Reply(
        body={
            "choices": [{"message": {"content": None, "refusal": "I can't help with that."}, "finish_reason": "stop"}]
        }
    )


ALL = list(MODELS)


async def answered(provider: LLMProvider, replies: list[Reply], call: ProviderCall | None = None):
    """One call of ``provider``'s adapter against a fake server: its reply, and the requests the server saw."""
    async with FakeServer(replies) as server:
        client = adapter(provider, server.url)
        reply = await client.complete(call or make_call(provider))
        await client.aclose()
    return reply, server.requests


async def refused(provider: LLMProvider, replies: list[Reply], timeout_s: float = 5.0) -> ProviderError:
    """The failure one call of ``provider``'s adapter raises against a fake server answering ``replies``."""
    async with FakeServer(replies) as server:
        client = adapter(provider, server.url, timeout_s=timeout_s)
        with pytest.raises(ProviderError) as caught:
            await client.complete(make_call(provider))
        await client.aclose()
    return caught.value


@pytest.mark.parametrize("provider", ALL)
async def test_success_reads_verdict_usage_with_cached_tokens_and_request_id(provider):
    reply, requests = await answered(provider, [success(provider)])
    assert parse_verdict(reply.text, 600).winner == "B"
    assert reply.usage is not None
    assert reply.usage.input_tokens == 120
    assert reply.usage.output_tokens == 30
    assert reply.usage.cached_input_tokens == 100
    assert reply.provider_request_id in {"req_ant_1", "resp_g_1", "req_oai_1"}
    assert len(requests) == 1


@pytest.mark.parametrize("provider", ALL)
async def test_an_answer_without_usage_reports_unknown_usage_not_zero(provider):
    reply, _ = await answered(provider, [without_usage(success(provider))])
    assert parse_verdict(reply.text, 600).winner == "B"
    assert reply.usage is None


@pytest.mark.parametrize("provider", ALL)
async def test_429_with_retry_after_is_a_retryable_rate_limit(provider):
    failure = await refused(provider, [Reply(429, {"error": {"message": "slow down"}}, {"retry-after": "7"})])
    assert failure.code is FailureCode.RATE_LIMIT
    assert failure.retryable
    assert failure.retry_after_s == 7.0


@pytest.mark.parametrize("provider", ALL)
async def test_500_then_success(provider):
    async with FakeServer([Reply(500, {"error": "boom"}), success(provider)]) as server:
        client = adapter(provider, server.url)
        with pytest.raises(ProviderError) as caught:
            await client.complete(make_call(provider))
        assert caught.value.code is FailureCode.PROVIDER_UNAVAILABLE
        assert caught.value.retryable
        reply = await client.complete(make_call(provider))
        await client.aclose()
    assert parse_verdict(reply.text, 600).winner == "B"


@pytest.mark.parametrize("provider", ALL)
async def test_a_timeout_is_retryable(provider):
    failure = await refused(provider, [Reply(delay_s=2.0, body={})], timeout_s=0.3)
    assert failure.code is FailureCode.TIMEOUT
    assert failure.retryable


@pytest.mark.parametrize("provider", ALL)
async def test_malformed_json_is_an_invalid_response(provider):
    failure = await refused(provider, [Reply(body='{"choices": [ not json')])
    assert failure.code is FailureCode.INVALID_RESPONSE


@pytest.mark.parametrize("provider", ALL)
async def test_a_refusal_is_not_retryable(provider):
    failure = await refused(provider, [refusal(provider)])
    expected = FailureCode.CONTENT_FILTER if provider is LLMProvider.GOOGLE else FailureCode.REFUSAL
    assert failure.code is expected
    assert not failure.retryable


@pytest.mark.parametrize(
    ("status", "code"),
    [(401, FailureCode.AUTH), (400, FailureCode.BAD_REQUEST), (529, FailureCode.PROVIDER_UNAVAILABLE)],
)
async def test_other_statuses_map_to_shared_codes(status, code):
    failure = await refused(LLMProvider.ANTHROPIC, [Reply(status, {"error": {"message": "x"}})])
    assert failure.code is code


async def test_openai_sends_a_strict_json_schema_reasoning_effort_and_verbosity():
    call = make_call(LLMProvider.OPENAI, reasoning_effort=ReasoningEffort.LOW, temperature=0.0)
    _, (seen,) = await answered(LLMProvider.OPENAI, [success(LLMProvider.OPENAI)], call)
    body = seen.json()
    assert seen.path == "/chat/completions"
    assert seen.headers["authorization"] == "Bearer sk-test"
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["reasoning_effort"] == "low"
    assert body["verbosity"] == "low"
    assert "temperature" not in body  # gpt-5-mini takes no temperature: dropped, per the model table
    assert body["messages"][0]["role"] == "system"
    assert "Judge the argument." in body["messages"][0]["content"]


async def test_a_temperature_of_zero_is_sent_not_replaced():
    call = make_call(LLMProvider.OPENROUTER, temperature=0.0)
    _, requests = await answered(LLMProvider.OPENROUTER, [success(LLMProvider.OPENROUTER)], call)
    assert requests[0].json()["temperature"] == 0.0


async def test_anthropic_forces_the_tool_and_caches_the_shared_context():
    _, (seen,) = await answered(LLMProvider.ANTHROPIC, [success(LLMProvider.ANTHROPIC)])
    body = seen.json()
    assert seen.path == "/v1/messages"
    assert seen.headers["x-api-key"] == "sk-ant-test"
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "Judge the argument." in body["system"][0]["text"]
    assert body["tool_choice"] == {"type": "tool", "name": "record_verdict"}
    assert body["tools"][0]["input_schema"]["required"] == ["winner", "confidence", "justification"]


async def test_gemini_sends_a_response_schema():
    _, (seen,) = await answered(LLMProvider.GOOGLE, [success(LLMProvider.GOOGLE)])
    body = seen.json()
    assert seen.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert seen.headers["x-goog-api-key"] == "g-test"
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    assert body["generationConfig"]["responseSchema"]["properties"]["winner"]["enum"] == ["A", "B"]
    assert "additionalProperties" not in body["generationConfig"]["responseSchema"]
