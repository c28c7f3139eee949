"""LLM settings shared by the assessment request and the LPS API."""

from __future__ import annotations

from enum import StrEnum


class LLMProvider(StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GOOGLE = "google"
    OPENROUTER = "openrouter"
    OPENAI_COMPATIBLE = "openai_compatible"  # Ollama, vLLM and other OpenAI-wire endpoints
    MOCK = "mock"


class BatchingMode(StrEnum):
    PER_REQUEST = "per_request"  # one comparison per provider call
    SERIAL_BUNDLE = "serial_bundle"  # several comparisons answered in one call (a JSON array)
    PROVIDER_BATCH_API = "provider_batch_api"  # the provider's asynchronous batch API


class ReasoningEffort(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
