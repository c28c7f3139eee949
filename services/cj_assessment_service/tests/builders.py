"""What CJ's use-case tests (tests/service_layer) and database tests (tests/integration) both build:
content service's text store, assessment requests over its texts, and LPS's verdicts.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from common_core.events.cj_assessment import CJAssessmentRequestedV1, EssayRef
from common_core.events.llm_provider import ComparisonError, LLMComparisonResultV1, TokenUsage
from common_core.http.content import BatchGetTextsResponse, StoredText, TextKind
from common_core.llm import LLMProvider


class FakeTexts:
    """Content service's text store: every text a test adds, found by its id; ``calls`` counts the fetches."""

    def __init__(self) -> None:
        self.texts: dict[str, StoredText] = {}
        self.owners: dict[str, str] = {}  # text id -> the teacher a store named
        self.calls = 0

    def add(self, content: str, kind: TextKind = TextKind.ESSAY) -> str:
        text_id = f"{len(self.texts):064x}"
        self.texts[text_id] = StoredText(text_id=text_id, kind=kind, content=content, word_count=len(content.split()))
        return text_id

    async def store_text(self, content: str, kind: TextKind, owner_id: str) -> StoredText:
        text_id = self.add(content, kind)
        self.owners[text_id] = owner_id
        return self.texts[text_id]

    async def store_text_file(self, filename: str, data: bytes, kind: TextKind, owner_id: str) -> StoredText:
        return await self.store_text(data.decode(), kind, owner_id)

    async def fetch_texts(self, text_ids: list[str]) -> BatchGetTextsResponse:
        self.calls += 1
        return BatchGetTextsResponse(
            texts={i: self.texts[i] for i in text_ids if i in self.texts},
            missing=[i for i in text_ids if i not in self.texts],
        )


def essay_refs(texts: FakeTexts, count: int, prefix: str = "essay") -> list[EssayRef]:
    """``count`` new essays whose texts ("<prefix> 0", "<prefix> 1", ...) the store holds."""
    return [EssayRef(essay_id=uuid.uuid4(), text_ref=texts.add(f"{prefix} {i}")) for i in range(count)]


def assessment(essays: list[EssayRef], *, user_id: str = "t", **fields: Any) -> CJAssessmentRequestedV1:
    """A new assessment request (new batch and request ids) for ``essays``."""
    return CJAssessmentRequestedV1(
        batch_id=uuid.uuid4(), request_id=uuid.uuid4(), user_id=user_id, course_code="ENG5", essays=essays, **fields
    )


def verdict(
    request_id: str,
    winner: str = "A",
    error: ComparisonError | None = None,
    *,
    usage: TokenUsage | None = None,
    cost_usd: float | None = None,
    call_id: str | None = None,
) -> LLMComparisonResultV1:
    """LPS's answer to one comparison: ``winner`` wins, or the call failed with ``error``."""
    return LLMComparisonResultV1(
        request_id=request_id,
        correlation_id=uuid.uuid4(),
        winner=None if error else winner,
        confidence=None if error else 4,
        justification=None if error else "A reads better.",
        error=error,
        provider=LLMProvider.MOCK,
        model="mock-judge",
        completed_at=datetime.now(UTC),
        usage=usage,
        cost_usd=cost_usd,
        provider_request_id=call_id,
    )
