"""The LLM's verdict on a moderation pair it had not judged in the job (issue 24). No I/O.

A teacher's verdict on a pair the LLM never answered in the job asks the LLM for it, once: the request's id
comes from the job and the unordered pair (``identifiers.moderation_request_id``), so a second teacher, a
repeated request or a second replica finds the same row, and LPS dedupes the same id. The answer is one more
of the LLM's verdicts for moderation only (agreement, the moderated refit): the job's state, waves and
published results stay as they were. An error, or LPS refusing the request, is final: the pair is not asked
again (a failing provider costs one call per pair, never a loop). What each answer cost is kept on the request
(as a comparison keeps it) and summed for the report (``llm_usage``), apart from the job's published usage.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cj_assessment_service.domain.identifiers import MODERATION_REQUEST_PREFIX, moderation_request_id
from cj_assessment_service.domain.moderation import LlmVerdict
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.http.cj_moderation import ModerationLlmUsage


class LlmRequestStatus(StrEnum):
    PLANNED = "planned"  # waiting for its answer
    DONE = "done"
    FAILED = "failed"  # an error callback, or LPS refused the request


def is_moderation_request(request_id: str) -> bool:
    return request_id.startswith(MODERATION_REQUEST_PREFIX)


@dataclass
class ModerationLlmRequest:
    """The LLM asked to judge one moderation pair, ``first`` shown first (as the teacher saw it)."""

    request_id: str
    job_id: uuid.UUID
    first: uuid.UUID
    second: uuid.UUID
    requested_at: datetime
    next_submit_at: datetime  # not sent before (the backoff after LPS could not be reached)
    status: LlmRequestStatus = LlmRequestStatus.PLANNED
    acknowledged: bool = False  # LPS accepted it
    submit_failures: int = 0
    winner: uuid.UUID | None = None
    error_code: str | None = None
    answered_at: datetime | None = None
    # What the answering call cost, from the callback (a bundle's usage split over its comparisons); None = not
    # reported, never 0.
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    cost_usd: float | None = None

    @classmethod
    def for_pair(cls, job_id: uuid.UUID, first: uuid.UUID, second: uuid.UUID, now: datetime) -> ModerationLlmRequest:
        return cls(moderation_request_id(job_id, first, second), job_id, first, second, now, now)

    def answer(self, result: LLMComparisonResultV1) -> bool:
        """Record LPS's callback; ``False`` (nothing changed) if the request already has its outcome."""
        if self.status is not LlmRequestStatus.PLANNED:
            return False
        self.answered_at = result.completed_at
        usage = result.usage
        self.input_tokens = usage.input_tokens if usage else None
        self.output_tokens = usage.output_tokens if usage else None
        self.cached_input_tokens = usage.cached_input_tokens if usage else None
        self.cost_usd = result.cost_usd
        if result.error is None:
            self.status = LlmRequestStatus.DONE
            self.winner = self.first if result.winner == "A" else self.second
        else:
            self.status = LlmRequestStatus.FAILED
            self.error_code = result.error.code
        return True

    def acknowledge(self) -> None:
        """LPS accepted it (its answer may have come back first)."""
        self.acknowledged = True

    def refused(self, code: str, now: datetime) -> None:
        """LPS refused the request itself: sending it again would be refused again."""
        if self.status is LlmRequestStatus.PLANNED:
            self.status, self.error_code, self.answered_at = LlmRequestStatus.FAILED, code, now

    def defer(self, delay_s: float, now: datetime) -> None:
        """LPS could not be reached: try again after ``delay_s`` (unless it has its answer meanwhile)."""
        if self.status is LlmRequestStatus.PLANNED:
            self.submit_failures += 1
            self.next_submit_at = now + timedelta(seconds=delay_s)

    @property
    def verdict(self) -> LlmVerdict | None:
        if self.status is not LlmRequestStatus.DONE or self.winner is None:
            return None
        return LlmVerdict(self.first, self.second, self.winner, for_moderation=True)


def llm_usage(requests: Iterable[ModerationLlmRequest]) -> ModerationLlmUsage:
    """The job's moderation requests by outcome, with the tokens and cost their callbacks reported (an error
    callback's too: its call was paid for). A total is None when no callback reported it."""
    rows = list(requests)
    answered = [r for r in rows if r.status is LlmRequestStatus.DONE]
    tokens = [
        r.input_tokens + r.output_tokens for r in rows if r.input_tokens is not None and r.output_tokens is not None
    ]
    costs = [r.cost_usd for r in rows if r.cost_usd is not None]
    return ModerationLlmUsage(
        answered=len(answered),
        failed=sum(1 for r in rows if r.status is LlmRequestStatus.FAILED),
        pending=sum(1 for r in rows if r.status is LlmRequestStatus.PLANNED),
        tokens=sum(tokens) if tokens else None,
        cost_usd=sum(costs) if costs else None,
        unreported=sum(1 for r in answered if r.input_tokens is None or r.cost_usd is None),
    )
