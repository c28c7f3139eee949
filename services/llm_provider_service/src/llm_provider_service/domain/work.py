"""What travels through the queue: the call settings, the shared context and one comparison."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from common_core.llm import BatchingMode, LLMProvider, ReasoningEffort


def content_key(text: str) -> str:
    """A stable key for a text or context: the same content is stored (and sent) once."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class SharedContext:
    instructions: str
    rubric: str | None = None
    student_prompt: str | None = None
    language: str = "en"

    def key(self) -> str:
        return content_key(self.to_json())

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> SharedContext:
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class CallSettings:
    """Everything that must match for two comparisons to share one provider call."""

    provider: LLMProvider
    model: str
    mode: BatchingMode
    temperature: float | None = None
    reasoning_effort: ReasoningEffort | None = None
    max_tokens: int | None = None

    def lane(self, context_key: str) -> str:
        """The queue lane: comparisons in one lane can be bundled (same settings and context)."""
        return content_key(json.dumps([self.to_dict(), context_key], sort_keys=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider.value,
            "model": self.model,
            "mode": self.mode.value,
            "temperature": self.temperature,
            "reasoning_effort": self.reasoning_effort.value if self.reasoning_effort is not None else None,
            "max_tokens": self.max_tokens,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CallSettings:
        effort = raw.get("reasoning_effort")
        return cls(
            provider=LLMProvider(raw["provider"]),
            model=raw["model"],
            mode=BatchingMode(raw["mode"]),
            temperature=raw.get("temperature"),
            reasoning_effort=ReasoningEffort(effort) if effort is not None else None,
            max_tokens=raw.get("max_tokens"),
        )


@dataclass(frozen=True)
class QueuedComparison:
    """One comparison as stored in the queue: texts and context by content key, never by essay id."""

    request_id: str
    queue_id: str
    settings: CallSettings
    context_key: str
    text_a_key: str
    text_b_key: str
    callback_topic: str
    correlation_id: str
    enqueued_ms: int
    expires_ms: int
    priority: int = 0
    request_metadata: dict[str, Any] = field(default_factory=dict)
    # The caller's batch (ComparisonBatchRequest.batch_id), so its deletion erases this comparison;
    # None for callers that name no batch (and for items queued before the field existed).
    batch_id: str | None = None

    @property
    def lane(self) -> str:
        return self.settings.lane(self.context_key)

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["settings"] = self.settings.to_dict()
        return raw

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> QueuedComparison:
        return cls(**{**raw, "settings": CallSettings.from_dict(raw["settings"])})

    @classmethod
    def from_json(cls, raw: str | bytes) -> QueuedComparison:
        return cls.from_dict(json.loads(raw))


@dataclass(frozen=True)
class ClaimedComparison:
    """A comparison a worker holds under a lease ``token``; ``attempts`` counts this claim."""

    item: QueuedComparison
    token: str
    attempts: int
    invalid_responses: int
