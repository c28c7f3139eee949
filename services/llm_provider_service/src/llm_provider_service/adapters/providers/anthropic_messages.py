"""Anthropic Messages API: forced tool use for the verdict, cache_control on the shared context."""

from __future__ import annotations

import json
from typing import Any

from common_core.llm import LLMProvider
from llm_provider_service.adapters.providers.base import (
    BodyProvider,
    ProviderCall,
    ProviderReply,
    Usage,
    as_int,
    as_list,
    reported_usage,
)
from llm_provider_service.domain.failures import FailureCode, ProviderError

ANTHROPIC_VERSION = "2023-06-01"
TOOL_NAME = "record_verdict"


def anthropic_headers(api_key: str | None) -> dict[str, str]:
    """The API version every Anthropic request names, and the key when there is one."""
    return {"anthropic-version": ANTHROPIC_VERSION, **({"x-api-key": api_key} if api_key else {})}


class AnthropicProvider(BodyProvider):
    provider = LLMProvider.ANTHROPIC
    path = "/v1/messages"
    request_id_header = "request-id"

    def __init__(self, base_url: str, api_key: str | None, *, timeout_s: float) -> None:
        super().__init__(base_url, timeout_s=timeout_s, headers=anthropic_headers(api_key))

    @staticmethod
    def request_body(call: ProviderCall) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": call.settings.model,
            "max_tokens": call.max_output_tokens,
            # The shared context is the cacheable prefix: every comparison of a wave reuses it.
            "system": [{"type": "text", "text": call.prompt.prefix, "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": call.prompt.task}],
            "tools": [
                {
                    "name": TOOL_NAME,
                    "description": "Record the judgement in the required structure.",
                    "input_schema": call.prompt.response_schema,
                }
            ],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        }
        if call.spec.capabilities.temperature and call.settings.temperature is not None:
            body["temperature"] = call.settings.temperature
        return body

    @staticmethod
    def parse(payload: dict[str, Any], request_id: str | None, latency_ms: int) -> ProviderReply:
        return parse_message(payload, request_id, latency_ms)


def parse_message(payload: dict[str, Any], request_id: str | None, latency_ms: int = 0) -> ProviderReply:
    """A Messages API answer (also the ``message`` of a Message Batches result) as a reply."""
    if payload.get("stop_reason") == "refusal":
        raise ProviderError(FailureCode.REFUSAL, "the model refused to judge")
    blocks = as_list(payload.get("content"))
    tool_input = next((b.get("input") for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use"), None)
    if tool_input is not None:
        text = json.dumps(tool_input)
    else:  # a model that answered in text despite the tool: parse it tolerantly all the same
        text = "".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict) and b.get("type") == "text")
    if not text.strip():
        raise ProviderError(FailureCode.INVALID_RESPONSE, "the answer has no verdict")
    return ProviderReply(
        text=text,
        usage=_usage(reported_usage(payload.get("usage"))),
        provider_request_id=request_id or (str(payload["id"]) if payload.get("id") else None),
        latency_ms=latency_ms,
    )


def _usage(usage: dict[str, Any] | None) -> Usage | None:
    if usage is None:
        return None
    cached = as_int(usage.get("cache_read_input_tokens"))
    # Anthropic's input_tokens counts only the uncached part; ours counts every prompt token.
    input_tokens = as_int(usage.get("input_tokens")) + cached + as_int(usage.get("cache_creation_input_tokens"))
    return Usage(input_tokens, as_int(usage.get("output_tokens")), cached)
