"""Provider adapters for the integration tests: the real mock judge, recorded or with one corrupted answer."""

from __future__ import annotations

import json
from dataclasses import replace

from common_core.llm import LLMProvider
from llm_provider_service.adapters.providers.base import ProviderCall, ProviderReply
from llm_provider_service.adapters.providers.mock import MockProvider, MockSettings
from llm_provider_service.domain.prompts import BUNDLE_TEMPLATE_VERSION


class RecordingMock:
    """The mock judge, keeping every call it was given. ``corrupt_pair`` spoils that pair's verdict
    in the first bundle answer (an invalid item inside an otherwise good bundle)."""

    provider = LLMProvider.MOCK

    def __init__(self, corrupt_pair: int | None = None, settings: MockSettings | None = None) -> None:
        self.inner = MockProvider(settings or MockSettings())
        self.calls: list[ProviderCall] = []
        self._corrupt_pair = corrupt_pair

    async def complete(self, call: ProviderCall) -> ProviderReply:
        self.calls.append(call)
        reply = await self.inner.complete(call)
        first_bundle = (
            call.prompt.version == BUNDLE_TEMPLATE_VERSION
            and sum(c.prompt.version == BUNDLE_TEMPLATE_VERSION for c in self.calls) == 1
        )
        if self._corrupt_pair is not None and first_bundle:
            answer = json.loads(reply.text)
            answer["verdicts"][self._corrupt_pair - 1]["winner"] = "both, really"
            reply = replace(reply, text=json.dumps(answer))
        return reply

    async def aclose(self) -> None:
        return None
