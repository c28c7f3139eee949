"""The provider port: one call in, raw answer text plus usage out; failures as ProviderError."""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import httpx

from common_core.llm import LLMProvider
from llm_provider_service.domain.failures import FailureCode, ProviderError, parse_retry_after
from llm_provider_service.domain.model_table import ModelSpec
from llm_provider_service.domain.prompts import Prompt
from llm_provider_service.domain.work import CallSettings


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0  # every prompt token, cached ones included
    output_tokens: int = 0
    cached_input_tokens: int = 0


@dataclass(frozen=True)
class ProviderCall:
    settings: CallSettings
    spec: ModelSpec
    prompt: Prompt
    max_output_tokens: int
    # The essay texts per pair and their language: only the mock reads them (it judges the essays
    # themselves); real adapters send ``prompt`` alone.
    pairs: list[tuple[str, str]] = field(default_factory=list)
    language: str = "en"
    attempt: int = 1


@dataclass(frozen=True)
class ProviderReply:
    text: str
    usage: Usage | None  # None when the answer reported no usage: unknown, never counted as 0
    provider_request_id: str | None = None
    latency_ms: int = 0


class ProviderAdapter(Protocol):
    provider: LLMProvider

    async def complete(self, call: ProviderCall) -> ProviderReply: ...

    async def aclose(self) -> None: ...


class BodyRetrier(Protocol):
    """An adapter that can send a request body it built earlier (OpenAI and Anthropic)."""

    async def complete_body(self, body: dict[str, Any]) -> ProviderReply: ...


def failure_for_status(status: int, body: str, headers: httpx.Headers) -> ProviderError:
    """Map an HTTP error answer to the shared failure codes."""
    snippet = body[:300]
    lowered = snippet.lower()
    if status == 429:
        return ProviderError(
            FailureCode.RATE_LIMIT,
            f"rate limited: {snippet}",
            retry_after_s=parse_retry_after(headers.get("retry-after")),
        )
    if status in (401, 403):
        return ProviderError(FailureCode.AUTH, f"HTTP {status}: {snippet}")
    if status in (408, 504):
        return ProviderError(FailureCode.TIMEOUT, f"HTTP {status}: {snippet}")
    if status >= 500:  # includes Anthropic's 529 "overloaded"
        return ProviderError(
            FailureCode.PROVIDER_UNAVAILABLE,
            f"HTTP {status}: {snippet}",
            retry_after_s=parse_retry_after(headers.get("retry-after")),
        )
    if "content_filter" in lowered or "content_policy" in lowered or "safety" in lowered:
        return ProviderError(FailureCode.CONTENT_FILTER, f"HTTP {status}: {snippet}")
    return ProviderError(FailureCode.BAD_REQUEST, f"HTTP {status}: {snippet}")


class HttpProvider:
    """Shared httpx plumbing: POST JSON, time it, map transport and status errors."""

    provider: LLMProvider

    def __init__(self, base_url: str, *, timeout_s: float, headers: dict[str, str]) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            headers=headers,  # httpx sets the content type per request (JSON, or multipart uploads)
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post_json(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], httpx.Headers, int]:
        """The decoded JSON answer, its headers and the latency in ms."""
        return await self.request_json("POST", path, json=body)

    async def request_raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request with transport and status errors mapped; the caller reads the body."""
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ProviderError(FailureCode.TIMEOUT, f"{self.provider} timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise ProviderError(FailureCode.PROVIDER_UNAVAILABLE, f"{self.provider} unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise failure_for_status(response.status_code, response.text, response.headers)
        return response

    async def request_json(self, method: str, path: str, **kwargs: Any) -> tuple[dict[str, Any], httpx.Headers, int]:
        """The decoded JSON object of the answer, its headers and the latency in ms."""
        started = time.perf_counter()
        response = await self.request_raw(method, path, **kwargs)
        latency_ms = int((time.perf_counter() - started) * 1000)
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProviderError(FailureCode.INVALID_RESPONSE, "the provider answered malformed JSON") from exc
        if not isinstance(payload, dict):
            raise ProviderError(FailureCode.INVALID_RESPONSE, "the provider answered a non-object JSON body")
        return payload, response.headers, latency_ms


class BodyProvider(HttpProvider, ABC):
    """An adapter whose call is one JSON body sent to one path, so it can also resend a body built
    earlier (a batch item retried in real time): OpenAI Chat Completions and Anthropic Messages."""

    path: ClassVar[str]
    request_id_header: ClassVar[str]

    @staticmethod
    @abstractmethod
    def request_body(call: ProviderCall) -> dict[str, Any]: ...

    @staticmethod
    @abstractmethod
    def parse(payload: dict[str, Any], request_id: str | None, latency_ms: int) -> ProviderReply: ...

    async def complete(self, call: ProviderCall) -> ProviderReply:
        return await self.complete_body(self.request_body(call))

    async def complete_body(self, body: dict[str, Any]) -> ProviderReply:
        payload, headers, latency_ms = await self.post_json(self.path, body)
        return self.parse(payload, headers.get(self.request_id_header), latency_ms)


def bearer_headers(api_key: str | None) -> dict[str, str]:
    """OpenAI-style authentication (also OpenRouter's and compatible servers'); none without a key."""
    return {"authorization": f"Bearer {api_key}"} if api_key else {}


def as_int(value: object) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def as_object(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: provider answers are read defensively."""
    return value if isinstance(value, dict) else {}


def reported_usage(value: object) -> dict[str, Any] | None:
    """The answer's usage object, or ``None`` when it sent none (then tokens and cost are unknown)."""
    return value if isinstance(value, dict) and value else None


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
