"""Provider batch APIs: OpenAI Batch (JSONL file in, JSONL files out) and Anthropic Message Batches.

Both take a list of ``(custom_id, request body)`` built by the real-time adapters, so a batched
comparison sends exactly what a real-time one would, at the batch price.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from common_core.llm import LLMProvider
from llm_provider_service.adapters.providers.anthropic_messages import anthropic_headers, parse_message
from llm_provider_service.adapters.providers.base import HttpProvider, ProviderReply, as_object, bearer_headers
from llm_provider_service.adapters.providers.openai_chat import parse_chat_completion
from llm_provider_service.domain.failures import FailureCode, ProviderError

ItemResult = ProviderReply | ProviderError


@dataclass(frozen=True)
class BatchStatus:
    ended: bool
    detail: str


class BatchClient(Protocol):
    provider: LLMProvider

    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str: ...

    async def status(self, batch_id: str) -> BatchStatus: ...

    async def results(self, batch_id: str) -> dict[str, ItemResult]: ...

    async def cancel(self, batch_id: str) -> None: ...

    async def aclose(self) -> None: ...


def _jsonl(text: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for line in text.splitlines():
        if line.strip():
            try:
                lines.append(as_object(json.loads(line)))
            except json.JSONDecodeError:
                continue  # one broken line must not lose the others; its item counts as missing
    return lines


def _error_from(status: int, body: object) -> ProviderError:
    message = json.dumps(body)[:300] if body is not None else f"HTTP {status}"
    return ProviderError(
        FailureCode.RATE_LIMIT
        if status == 429
        else FailureCode.BAD_REQUEST
        if status < 500
        else FailureCode.PROVIDER_UNAVAILABLE,
        message,
    )


class OpenAIBatchClient(HttpProvider):
    """``POST /files`` (purpose=batch), ``POST /batches``, ``GET /batches/{id}``, file contents."""

    provider = LLMProvider.OPENAI
    _ENDPOINT = "/v1/chat/completions"
    _ENDED = frozenset({"completed", "failed", "expired", "cancelled"})

    def __init__(self, base_url: str, api_key: str | None, *, timeout_s: float) -> None:
        super().__init__(base_url, timeout_s=timeout_s, headers=bearer_headers(api_key))

    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        lines = [
            json.dumps({"custom_id": custom_id, "method": "POST", "url": self._ENDPOINT, "body": body})
            for custom_id, body in requests
        ]
        upload, _, _ = await self.request_json(
            "POST",
            "/files",
            data={"purpose": "batch"},
            files={"file": ("comparisons.jsonl", ("\n".join(lines) + "\n").encode(), "application/jsonl")},
        )
        batch, _, _ = await self.request_json(
            "POST",
            "/batches",
            json={"input_file_id": upload["id"], "endpoint": self._ENDPOINT, "completion_window": "24h"},
        )
        return str(batch["id"])

    async def status(self, batch_id: str) -> BatchStatus:
        batch, _, _ = await self.request_json("GET", f"/batches/{batch_id}")
        state = str(batch.get("status"))
        return BatchStatus(state in self._ENDED, state)

    async def _file_lines(self, file_id: object) -> list[dict[str, Any]]:
        if not file_id:
            return []
        response = await self.request_raw("GET", f"/files/{file_id}/content")
        return _jsonl(response.text)

    async def results(self, batch_id: str) -> dict[str, ItemResult]:
        batch, _, _ = await self.request_json("GET", f"/batches/{batch_id}")
        found: dict[str, ItemResult] = {}
        for line in [
            *await self._file_lines(batch.get("output_file_id")),
            *await self._file_lines(batch.get("error_file_id")),
        ]:
            custom_id = str(line.get("custom_id"))
            response = as_object(line.get("response"))
            status = response.get("status_code")
            body = as_object(response.get("body"))
            if line.get("error") or status != 200:
                found[custom_id] = _error_from(
                    int(status) if isinstance(status, int) else 500, line.get("error") or body
                )
                continue
            try:
                found[custom_id] = parse_chat_completion(body, str(response.get("request_id") or "") or None)
            except ProviderError as failure:
                found[custom_id] = failure
        return found

    async def cancel(self, batch_id: str) -> None:
        await self.request_json("POST", f"/batches/{batch_id}/cancel")


class AnthropicBatchClient(HttpProvider):
    """``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}``, then stream its results."""

    provider = LLMProvider.ANTHROPIC

    def __init__(self, base_url: str, api_key: str | None, *, timeout_s: float) -> None:
        super().__init__(base_url, timeout_s=timeout_s, headers=anthropic_headers(api_key))
        self._base_url = base_url.rstrip("/")

    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        body = {"requests": [{"custom_id": custom_id, "params": params} for custom_id, params in requests]}
        batch, _, _ = await self.request_json("POST", "/v1/messages/batches", json=body)
        return str(batch["id"])

    async def status(self, batch_id: str) -> BatchStatus:
        batch, _, _ = await self.request_json("GET", f"/v1/messages/batches/{batch_id}")
        state = str(batch.get("processing_status"))
        return BatchStatus(state == "ended", state)

    async def results(self, batch_id: str) -> dict[str, ItemResult]:
        batch, _, _ = await self.request_json("GET", f"/v1/messages/batches/{batch_id}")
        url = str(batch.get("results_url") or f"{self._base_url}/v1/messages/batches/{batch_id}/results")
        found: dict[str, ItemResult] = {}
        # The results are JSONL that can be large: read them as a stream, line by line.
        async with self._client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise ProviderError(FailureCode.PROVIDER_UNAVAILABLE, f"results answered HTTP {response.status_code}")
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                try:
                    entry = as_object(json.loads(line))
                except json.JSONDecodeError:
                    continue
                found[str(entry.get("custom_id"))] = _anthropic_result(as_object(entry.get("result")))
        return found

    async def cancel(self, batch_id: str) -> None:
        await self.request_json("POST", f"/v1/messages/batches/{batch_id}/cancel")


def _anthropic_result(result: dict[str, Any]) -> ItemResult:
    kind = result.get("type")
    if kind == "succeeded":
        try:
            return parse_message(as_object(result.get("message")), None)
        except ProviderError as failure:
            return failure
    if kind == "errored":
        error = as_object(as_object(result.get("error")).get("error"))
        code = (
            FailureCode.PROVIDER_UNAVAILABLE
            if error.get("type") in {"api_error", "overloaded_error"}
            else FailureCode.BAD_REQUEST
        )
        return ProviderError(code, str(error.get("message") or "the batch item failed")[:300])
    if kind == "expired":
        return ProviderError(FailureCode.EXPIRED, "the provider's batch expired before this item ran")
    return ProviderError(FailureCode.EXPIRED, f"the batch item ended as {kind}")
