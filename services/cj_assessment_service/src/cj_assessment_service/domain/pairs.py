"""A job's comparisons: one row per attempt of a planned pair, and the counts derived from them. No I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cj_assessment_service.domain.identifiers import pair_id_for, request_id_for


class PairStatus(StrEnum):
    PLANNED = "planned"  # waiting for its answer
    DONE = "done"
    FAILED = "failed"
    ABANDONED = "abandoned"  # still open when the job ended


@dataclass
class Pair:
    """One attempt at comparing two essays; ``essay_a_id`` is shown first."""

    pair_id: uuid.UUID
    request_id: str
    job_id: uuid.UUID
    wave: int
    position: int
    attempt: int
    essay_a_id: uuid.UUID
    essay_b_id: uuid.UUID
    status: PairStatus = PairStatus.PLANNED
    acknowledged: bool = False  # LPS accepted it
    queue_id: str | None = None
    winner: str | None = None  # "A" | "B"
    confidence: int | None = None
    justification: str | None = None
    provider: str | None = None
    model: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_retryable: bool | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    cost_usd: float | None = None
    provider_request_id: str | None = None
    answered_at: datetime | None = None

    @classmethod
    def planned(
        cls, job_id: uuid.UUID, wave: int, position: int, essay_a: uuid.UUID, essay_b: uuid.UUID, attempt: int = 1
    ) -> Pair:
        """A new attempt with deterministic ids: planning it again yields the same request id, which LPS dedupes."""
        pair_id = pair_id_for(job_id, wave, position, attempt)
        return cls(pair_id, request_id_for(pair_id), job_id, wave, position, attempt, essay_a, essay_b)

    def retry(self) -> Pair:
        """The next attempt of the same comparison, in the same wave and position."""
        return Pair.planned(self.job_id, self.wave, self.position, self.essay_a_id, self.essay_b_id, self.attempt + 1)

    @property
    def winner_essay_id(self) -> uuid.UUID | None:
        if self.status is not PairStatus.DONE:
            return None
        return self.essay_a_id if self.winner == "A" else self.essay_b_id


@dataclass(frozen=True)
class PairCounts:
    planned: int  # every pair row, retries included
    open: int  # still waiting for a callback
    unacknowledged: int  # open and never accepted by LPS
    done: int
    failed: int  # error callbacks whose pair was not retried successfully later


def count_pairs(pairs: Iterable[Pair]) -> PairCounts:
    rows = list(pairs)
    # A failed attempt that a later attempt of the same slot answered is a retry, not a failure.
    answered_slots = {(p.wave, p.position) for p in rows if p.status is PairStatus.DONE}
    retried = {(p.wave, p.position, p.attempt) for p in rows if p.attempt > 1}
    failed = sum(
        1
        for p in rows
        if p.status is PairStatus.FAILED
        and (p.wave, p.position) not in answered_slots
        and (p.wave, p.position, p.attempt + 1) not in retried
    )
    return PairCounts(
        planned=len(rows),
        open=sum(1 for p in rows if p.status is PairStatus.PLANNED),
        unacknowledged=sum(1 for p in rows if p.status is PairStatus.PLANNED and not p.acknowledged),
        done=sum(1 for p in rows if p.status is PairStatus.DONE),
        failed=failed,
    )


@dataclass(frozen=True)
class UsageTotals:
    llm_calls: int
    input_tokens: int | None  # None: no comparison reported usage
    output_tokens: int | None
    cost_usd: float | None
    unreported: int  # answered comparisons without usage or cost


def _total(values: Iterable[float | int | None]) -> float | None:
    reported = [v for v in values if v is not None]
    return sum(reported) if reported else None


def usage_totals(pairs: Iterable[Pair]) -> UsageTotals:
    """The calls, tokens and cost of every comparison that got a callback (answered or failed)."""
    answered = [p for p in pairs if p.status in (PairStatus.DONE, PairStatus.FAILED)]
    # One call that answered a serial bundle carries one provider id on each of its comparisons.
    calls = len({p.provider_request_id for p in answered if p.provider_request_id is not None}) + sum(
        1 for p in answered if p.provider_request_id is None and p.input_tokens is not None
    )
    input_tokens = _total(p.input_tokens for p in answered)
    output_tokens = _total(p.output_tokens for p in answered)
    return UsageTotals(
        llm_calls=calls,
        input_tokens=None if input_tokens is None else int(input_tokens),
        output_tokens=None if output_tokens is None else int(output_tokens),
        cost_usd=_total(p.cost_usd for p in answered),
        unreported=sum(
            1 for p in answered if p.status is PairStatus.DONE and (p.input_tokens is None or p.cost_usd is None)
        ),
    )
