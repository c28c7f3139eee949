"""Local stand-ins for content service and LPS, served over real HTTP on free ports.

The fake LPS publishes one callback per new request id to the request's callback topic, judged by
a simulated judge that reads the essays: an essay's quality is how often it says "excellent".
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from quart import Quart, request
from quart.typing import ResponseReturnValue

from common_core.envelope import EventEnvelope
from common_core.events.llm_provider import ComparisonError, LLMComparisonResultV1, TokenUsage
from common_core.http.content import (
    TEXT_FILE_FIELD,
    BatchGetTextsRequest,
    BatchGetTextsResponse,
    StoredText,
    StoreTextFileForm,
    StoreTextRequest,
    TextKind,
)
from common_core.http.llm_provider import AcceptedComparison, ComparisonBatchAccepted, ComparisonBatchRequest
from common_core.llm import LLMProvider
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.testing.local_server import served as served


def quality_of(text: str) -> int:
    return text.lower().count("excellent")


def essay_text(number: int, quality: int) -> str:
    return f"Essay number {number}. " + "This part is excellent. " * quality + "The end of the essay. " * 5


@dataclass
class FakeContentService:
    texts: dict[str, StoredText] = field(default_factory=dict)
    batch_gets: int = 0
    file_stores: int = 0  # files sent to POST /internal/v1/texts/files (anchor uploads)
    unavailable_batch_gets: int = 0  # answer this many batch-gets with 503 first
    store_owners: list[str | None] = field(default_factory=list)  # the X-User-ID of each store, in order

    def store(self, content: str, kind: TextKind = TextKind.ESSAY) -> str:
        text_id = hashlib.sha256(content.encode()).hexdigest()
        self.texts[text_id] = StoredText(text_id=text_id, kind=kind, content=content, word_count=len(content.split()))
        return text_id

    def app(self) -> Quart:
        app = Quart("fake_content_service")

        @app.post("/internal/v1/texts")
        async def store_text() -> ResponseReturnValue:
            body = StoreTextRequest.model_validate(await request.get_json())
            self.store_owners.append(request.headers.get("X-User-ID"))
            text_id = self.store(body.content, body.kind)
            return self.texts[text_id].model_dump(mode="json"), 201

        @app.post("/internal/v1/texts/files")
        async def store_text_file() -> ResponseReturnValue:
            # The real service extracts and vets the file; the fake reads it as UTF-8 text.
            self.file_stores += 1
            self.store_owners.append(request.headers.get("X-User-ID"))
            upload = (await request.files)[TEXT_FILE_FIELD]
            form = StoreTextFileForm.model_validate(dict((await request.form).items()))
            text_id = self.store(upload.read().decode("utf-8").strip(), form.kind)
            return self.texts[text_id].model_dump(mode="json"), 201

        @app.post("/internal/v1/texts/batch-get")
        async def batch_get() -> ResponseReturnValue:
            self.batch_gets += 1
            if self.batch_gets <= self.unavailable_batch_gets:
                return {"error": {"code": "SERVICE_UNAVAILABLE", "message": "down", "service": "fake"}}, 503
            body = BatchGetTextsRequest.model_validate(await request.get_json())
            found = {t: self.texts[t] for t in body.text_ids if t in self.texts}
            missing = [t for t in body.text_ids if t not in self.texts]
            return BatchGetTextsResponse(texts=found, missing=missing).model_dump(mode="json")

        return app


# What the fake reports for each verdict (errors report no usage: unknown, as from a real provider).
FAKE_INPUT_TOKENS, FAKE_OUTPUT_TOKENS, FAKE_COST_USD = 900, 40, 0.0025


@dataclass
class FakeLPS:
    """Knobs: ``unavailable`` (answer 503), ``hold`` (accept, keep callbacks until ``release``),
    ``error_share`` (retryable error callbacks for that share of request ids, retries included),
    ``drop_after`` (no callbacks after that many), ``duplicate`` (every callback twice),
    ``fatal_error`` (every comparison fails with it)."""

    publisher: EventPublisher
    unavailable: bool = False
    hold: bool = False
    error_share: float = 0.0
    drop_after: int | None = None
    fatal_error: ComparisonError | None = None  # answer every comparison with this error
    duplicate: bool = False
    discrimination: float = 0.8
    submits: int = 0
    refused_submits: int = 0
    seen: dict[str, str] = field(default_factory=dict)
    verdicts_sent: Counter[str] = field(default_factory=Counter)
    errors_sent: Counter[str] = field(default_factory=Counter)
    held: list[tuple[str, LLMComparisonResultV1]] = field(default_factory=list)
    published: list[tuple[str, EventEnvelope[LLMComparisonResultV1]]] = field(default_factory=list)
    sent: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def app(self) -> Quart:
        app = Quart("fake_lps")

        @app.post("/internal/v1/comparisons")
        async def comparisons() -> ResponseReturnValue:
            self.submits += 1
            if self.unavailable:
                self.refused_submits += 1
                return {"error": {"code": "SERVICE_UNAVAILABLE", "message": "down", "service": "fake_lps"}}, 503
            body = ComparisonBatchRequest.model_validate(await request.get_json())
            accepted = []
            new: list[LLMComparisonResultV1] = []
            for item in body.comparisons:
                if item.request_id not in self.seen:  # LPS dedupes on the caller's request id
                    self.seen[item.request_id] = f"q-{len(self.seen)}"
                    new.append(self._judge(body, item.request_id, item.a, item.b, item.request_metadata))
                accepted.append(
                    AcceptedComparison(request_id=item.request_id, queue_id=self.seen[item.request_id], state="queued")
                )
            if self.hold:
                self.held.extend((body.callback_topic, r) for r in new)
            else:
                task = asyncio.create_task(self._publish(body.callback_topic, new))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return ComparisonBatchAccepted(accepted=accepted).model_dump(mode="json"), 202

        return app

    def _judge(
        self, body: ComparisonBatchRequest, request_id: str, a: str, b: str, metadata: dict[str, object]
    ) -> LLMComparisonResultV1:
        draw = int(hashlib.sha256(request_id.encode()).hexdigest()[:8], 16) / 2**32
        common = {
            "request_id": request_id,
            "correlation_id": uuid.uuid4(),
            "request_metadata": metadata,
            "provider": LLMProvider.MOCK,
            "model": "fake-judge",
            "completed_at": datetime.now(UTC),
        }
        if self.fatal_error is not None:
            return LLMComparisonResultV1(**common, error=self.fatal_error)
        error_draw = int(hashlib.sha256((request_id + "err").encode()).hexdigest()[:8], 16) / 2**32
        if error_draw < self.error_share:
            return LLMComparisonResultV1(
                **common,
                error=ComparisonError(code="RATE_LIMITED", message="provider rate limit", retryable=True),
            )
        gap = quality_of(body.texts[a]) - quality_of(body.texts[b])
        p_first = 1.0 / (1.0 + math.exp(-self.discrimination * gap))
        winner = "A" if draw < p_first else "B"
        return LLMComparisonResultV1(
            **common,
            winner=winner,
            confidence=3,
            justification=f"Essay {winner} is more excellent.",
            usage=TokenUsage(input_tokens=FAKE_INPUT_TOKENS, output_tokens=FAKE_OUTPUT_TOKENS),
            cost_usd=FAKE_COST_USD,
            provider_request_id=f"fake-call-{request_id}",  # one call per comparison
        )

    async def _publish(self, topic: str, results: list[LLMComparisonResultV1]) -> None:
        for result in results:
            if self.drop_after is not None and self.sent >= self.drop_after:
                return
            self.sent += 1
            if result.error is None:
                self.verdicts_sent[result.request_id] += 1
            else:
                self.errors_sent[result.request_id] += 1
            envelope = EventEnvelope[LLMComparisonResultV1](
                event_type=topic, source_service="fake_lps", correlation_id=result.correlation_id, data=result
            )
            self.published.append((topic, envelope))
            for _ in range(2 if self.duplicate else 1):
                await self.publisher.publish(envelope, key=result.request_id, topic=topic)

    async def replay(self) -> None:
        """Publish every callback sent so far once more, as a late redelivery would."""
        for topic, envelope in list(self.published):
            await self.publisher.publish(envelope, key=envelope.data.request_id, topic=topic)

    async def release(self, count: int | None = None) -> None:
        """Publish ``count`` held callbacks (all by default)."""
        take = self.held[: count if count is not None else len(self.held)]
        del self.held[: len(take)]
        for topic, result in take:
            await self._publish(topic, [result])

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
