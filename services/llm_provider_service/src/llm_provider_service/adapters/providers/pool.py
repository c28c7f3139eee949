"""One adapter per provider, built from the settings on first use."""

from __future__ import annotations

from common_core.llm import LLMProvider
from llm_provider_service.adapters.providers.anthropic_messages import AnthropicProvider
from llm_provider_service.adapters.providers.base import BodyProvider, BodyRetrier, ProviderAdapter
from llm_provider_service.adapters.providers.batch_api import AnthropicBatchClient, BatchClient, OpenAIBatchClient
from llm_provider_service.adapters.providers.gemini import GeminiProvider
from llm_provider_service.adapters.providers.mock import MockProvider, MockSettings
from llm_provider_service.adapters.providers.openai_chat import OpenAIChatProvider
from llm_provider_service.config import Settings
from llm_provider_service.domain.mock_judge import JudgeSettings

# Providers that need no key: the mock, and local OpenAI-compatible servers (Ollama, vLLM).
KEYLESS = frozenset({LLMProvider.MOCK, LLMProvider.OPENAI_COMPATIBLE})


def mock_settings(settings: Settings) -> MockSettings:
    return MockSettings(
        judge=JudgeSettings(
            profile=settings.mock_profile,
            seed=settings.mock_seed,
            noise_scale=settings.mock_noise_scale,
            position_bias=settings.mock_position_bias,
        ),
        latency_ms_mean=settings.mock_latency_ms_mean,
        latency_ms_jitter=settings.mock_latency_ms_jitter,
        rate_429=settings.mock_rate_429,
        rate_500=settings.mock_rate_500,
        rate_timeout=settings.mock_rate_timeout,
        rate_malformed=settings.mock_rate_malformed,
        justification_max_chars=settings.justification_max_chars,
    )


class ProviderPool:
    def __init__(self, settings: Settings, overrides: dict[LLMProvider, ProviderAdapter] | None = None) -> None:
        self._settings = settings
        self._adapters: dict[LLMProvider, ProviderAdapter] = dict(overrides or {})
        self._batch_clients: dict[LLMProvider, BatchClient] = {}

    def configured(self, provider: LLMProvider) -> bool:
        """Whether calls to ``provider`` can go out: it needs no key, has one, or is injected."""
        return provider in KEYLESS or provider in self._adapters or self._settings.api_key(provider) is not None

    def get(self, provider: LLMProvider) -> ProviderAdapter:
        if provider not in self._adapters:
            self._adapters[provider] = self._build(provider)
        return self._adapters[provider]

    def _build(self, provider: LLMProvider) -> ProviderAdapter:
        s = self._settings
        key = s.api_key(provider)
        timeout = s.provider_timeout_s
        if provider is LLMProvider.MOCK:
            return MockProvider(mock_settings(s))
        if provider is LLMProvider.ANTHROPIC:
            return AnthropicProvider(s.anthropic_base_url, key, timeout_s=timeout)
        if provider is LLMProvider.GOOGLE:
            return GeminiProvider(s.google_base_url, key, timeout_s=timeout)
        base_url = {
            LLMProvider.OPENAI: s.openai_base_url,
            LLMProvider.OPENROUTER: s.openrouter_base_url,
            LLMProvider.OPENAI_COMPATIBLE: s.openai_compatible_base_url,
        }[provider]
        return OpenAIChatProvider(provider, base_url, key, timeout_s=timeout)

    def body_retrier(self, provider: LLMProvider) -> BodyRetrier:
        """The real-time adapter of a batch provider, to resend a batch item's request body."""
        adapter = self.get(provider)
        if not isinstance(adapter, BodyProvider):
            raise ValueError(f"{provider} cannot resend a request body")
        return adapter

    def batch_client(self, provider: LLMProvider) -> BatchClient:
        """The provider's batch API client (OpenAI and Anthropic have one)."""
        if provider not in self._batch_clients:
            s = self._settings
            key, timeout = s.api_key(provider), s.provider_timeout_s
            if provider is LLMProvider.OPENAI:
                self._batch_clients[provider] = OpenAIBatchClient(s.openai_base_url, key, timeout_s=timeout)
            elif provider is LLMProvider.ANTHROPIC:
                self._batch_clients[provider] = AnthropicBatchClient(s.anthropic_base_url, key, timeout_s=timeout)
            else:
                raise ValueError(f"{provider} has no batch API")
        return self._batch_clients[provider]

    async def aclose(self) -> None:
        for adapter in self._adapters.values():
            await adapter.aclose()
        for client in self._batch_clients.values():
            await client.aclose()
