"""OpenAI Chat Completions with json_schema structured output; also OpenRouter and OpenAI-compatible servers."""

from __future__ import annotations

from typing import Any

from common_core.llm import LLMProvider, ReasoningEffort
from llm_provider_service.adapters.providers.base import (
    BodyProvider,
    ProviderCall,
    ProviderReply,
    Usage,
    as_int,
    as_list,
    as_object,
    bearer_headers,
    reported_usage,
)
from llm_provider_service.domain.failures import FailureCode, ProviderError

# Keywords strict structured outputs reject; the parser checks ranges and lengths itself.
_UNSUPPORTED_KEYWORDS = {"minimum", "maximum", "maxLength", "minLength"}
# OpenAI spells "no reasoning" as "minimal".
_EFFORT = {ReasoningEffort.NONE: "minimal"}


def strict_schema(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: strict_schema(v) for k, v in schema.items() if k not in _UNSUPPORTED_KEYWORDS}
    if isinstance(schema, list):
        return [strict_schema(v) for v in schema]
    return schema


class OpenAIChatProvider(BodyProvider):
    path = "/chat/completions"
    request_id_header = "x-request-id"

    def __init__(self, provider: LLMProvider, base_url: str, api_key: str | None, *, timeout_s: float) -> None:
        super().__init__(base_url, timeout_s=timeout_s, headers=bearer_headers(api_key))
        self.provider = provider

    @staticmethod
    def request_body(call: ProviderCall) -> dict[str, Any]:
        caps = call.spec.capabilities
        body: dict[str, Any] = {
            "model": call.settings.model,
            "messages": [
                {"role": "system", "content": call.prompt.prefix},  # the shared prefix: cached by the provider
                {"role": "user", "content": call.prompt.task},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "verdict",
                    "strict": True,
                    "schema": strict_schema(call.prompt.response_schema),
                },
            },
            "max_completion_tokens": call.max_output_tokens,
        }
        if caps.temperature and call.settings.temperature is not None:
            body["temperature"] = call.settings.temperature
        if caps.reasoning_effort and call.settings.reasoning_effort is not None:
            effort = call.settings.reasoning_effort
            body["reasoning_effort"] = _EFFORT.get(effort, effort.value)
        if caps.verbosity:
            body["verbosity"] = "low"  # a verdict and a short justification: nothing more to say
        return body

    @staticmethod
    def parse(payload: dict[str, Any], request_id: str | None, latency_ms: int) -> ProviderReply:
        return parse_chat_completion(payload, request_id, latency_ms)


def parse_chat_completion(payload: dict[str, Any], request_id: str | None, latency_ms: int = 0) -> ProviderReply:
    """A Chat Completions answer (also the body of an OpenAI Batch output line) as a reply."""
    choices = as_list(payload.get("choices"))
    if not choices or not isinstance(choices[0], dict):
        raise ProviderError(FailureCode.INVALID_RESPONSE, "the answer has no choices")
    choice = choices[0]
    message = as_object(choice.get("message"))
    if message.get("refusal"):
        raise ProviderError(FailureCode.REFUSAL, str(message["refusal"])[:300])
    if choice.get("finish_reason") == "content_filter":
        raise ProviderError(FailureCode.CONTENT_FILTER, "the provider's content filter stopped the answer")
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ProviderError(FailureCode.INVALID_RESPONSE, "the answer has no content")
    usage = reported_usage(payload.get("usage"))
    return ProviderReply(
        text=content,
        usage=Usage(
            input_tokens=as_int(usage.get("prompt_tokens")),
            output_tokens=as_int(usage.get("completion_tokens")),
            cached_input_tokens=as_int(as_object(usage.get("prompt_tokens_details")).get("cached_tokens")),
        )
        if usage is not None
        else None,
        provider_request_id=request_id or (str(payload["id"]) if payload.get("id") else None),
        latency_ms=latency_ms,
    )
