"""Google Gemini generateContent with a response schema (JSON mode)."""

from __future__ import annotations

from typing import Any

from common_core.llm import LLMProvider
from llm_provider_service.adapters.providers.base import (
    HttpProvider,
    ProviderCall,
    ProviderReply,
    Usage,
    as_int,
    as_list,
    as_object,
    reported_usage,
)
from llm_provider_service.domain.failures import FailureCode, ProviderError

_BLOCKED_FINISH = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"}


def gemini_schema(schema: Any) -> Any:
    """JSON Schema to Gemini's OpenAPI subset: no additionalProperties, no string lengths."""
    if isinstance(schema, dict):
        return {k: gemini_schema(v) for k, v in schema.items() if k not in {"additionalProperties", "maxLength"}}
    if isinstance(schema, list):
        return [gemini_schema(v) for v in schema]
    return schema


class GeminiProvider(HttpProvider):
    provider = LLMProvider.GOOGLE

    def __init__(self, base_url: str, api_key: str | None, *, timeout_s: float) -> None:
        super().__init__(base_url, timeout_s=timeout_s, headers={"x-goog-api-key": api_key} if api_key else {})

    @staticmethod
    def request_body(call: ProviderCall) -> dict[str, Any]:
        config: dict[str, Any] = {
            "responseMimeType": "application/json",
            "responseSchema": gemini_schema(call.prompt.response_schema),
            "maxOutputTokens": call.max_output_tokens,
        }
        if call.spec.capabilities.temperature and call.settings.temperature is not None:
            config["temperature"] = call.settings.temperature
        return {
            "systemInstruction": {"parts": [{"text": call.prompt.prefix}]},
            "contents": [{"role": "user", "parts": [{"text": call.prompt.task}]}],
            "generationConfig": config,
        }

    async def complete(self, call: ProviderCall) -> ProviderReply:
        path = f"/v1beta/models/{call.settings.model}:generateContent"
        payload, _headers, latency_ms = await self.post_json(path, self.request_body(call))
        feedback = as_object(payload.get("promptFeedback"))
        if feedback.get("blockReason"):
            raise ProviderError(FailureCode.CONTENT_FILTER, f"prompt blocked: {feedback['blockReason']}")
        candidates = payload.get("candidates")
        if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
            raise ProviderError(FailureCode.INVALID_RESPONSE, "the answer has no candidates")
        candidate = candidates[0]
        if candidate.get("finishReason") in _BLOCKED_FINISH:
            raise ProviderError(FailureCode.CONTENT_FILTER, f"answer blocked: {candidate['finishReason']}")
        content = as_object(candidate.get("content"))
        parts = as_list(content.get("parts"))
        text = "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict) and not p.get("thought"))
        if not text.strip():
            raise ProviderError(FailureCode.INVALID_RESPONSE, "the answer has no text")
        usage = reported_usage(payload.get("usageMetadata"))
        return ProviderReply(
            text=text,
            usage=Usage(
                input_tokens=as_int(usage.get("promptTokenCount")),
                output_tokens=as_int(usage.get("candidatesTokenCount")) + as_int(usage.get("thoughtsTokenCount")),
                cached_input_tokens=as_int(usage.get("cachedContentTokenCount")),
            )
            if usage is not None
            else None,
            provider_request_id=str(payload["responseId"]) if payload.get("responseId") else None,
            latency_ms=latency_ms,
        )
