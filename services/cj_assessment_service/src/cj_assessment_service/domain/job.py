"""The CJ job aggregate: a job, its essays, waves and comparisons, and every rule of its life. No I/O.

The service layer loads a job (locked), calls one of its methods, and saves it; the job records what
changed (``JobChanges``) and the events to publish, and the repository writes exactly that. A job is
loaded in parts: the header, its waves and the counts of its comparisons always (cheap: every
callback needs them), its essays and every comparison only where a rule needs them all (closing a
wave, finishing, failing). A method that needs a part that was not loaded is a bug, and says so.

The fits are not here: they are CPU work that the service layer runs off the event loop
(``service_layer/fits.py``) and hands in as results.

State: created -> preparing -> comparing -> finalising -> completed, or failed from any state before
completed (``job_state``). Cancelling is failing with ``CANCELLED``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel

from cj_assessment_service.domain import cj_loop, redaction
from cj_assessment_service.domain.bundle_order import order_for_bundles
from cj_assessment_service.domain.job_health import final_comparison_labels
from cj_assessment_service.domain.job_state import TERMINAL, transition
from cj_assessment_service.domain.pairs import Pair, PairCounts, PairStatus, UsageTotals, count_pairs, usage_totals
from cj_assessment_service.domain.results import Item, JobResults
from cj_assessment_service.domain.stuck import StuckJob
from cj_engine.planner import PlannedPair, PlannerConfig
from cj_engine.stopping import StoppingConfig
from cj_engine.types import FitResult
from common_core.events.cj_assessment import (
    AssessmentBudget,
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    CJAssessmentRequestedV1,
    EssayResult,
    FailureReason,
    JobUsage,
    LLMSettings,
    ModelUsed,
)
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.llm import BatchingMode
from common_core.status import CJJobState

NO_PAIR_LEFT = "no_pair_left"
FORCED_RECOVERY = "forced_recovery"

T = TypeVar("T")


class FailureCode(StrEnum):
    TOO_FEW_ESSAYS = "TOO_FEW_ESSAYS"
    UNKNOWN_ASSIGNMENT = "UNKNOWN_ASSIGNMENT"
    ANCHORS_SINGLE_GRADE = "ANCHORS_SINGLE_GRADE"
    TEXTS_MISSING = "TEXTS_MISSING"
    ALL_COMPARISONS_FAILED = "ALL_COMPARISONS_FAILED"
    TOO_MANY_FAILURES = "TOO_MANY_FAILURES"
    LPS_REJECTED = "LPS_REJECTED"
    STUCK = "STUCK"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class Failure:
    """Why a job failed, in words a teacher can read."""

    code: FailureCode
    message: str


@dataclass(frozen=True)
class JobRules:
    """The deployment's settings that shape every job's life (from the service's Settings)."""

    min_comparisons_per_item: int
    max_pair_attempts: int
    max_failed_fraction: float
    progress_interval_s: float
    # How many times the normal wave size (n/2 pairs) a job in each batching mode plans per wave.
    wave_multipliers: Mapping[BatchingMode, int] = field(default_factory=dict)

    def wave_multiplier(self, mode: BatchingMode) -> int:
        return self.wave_multipliers.get(mode, 1)


@dataclass
class JobEssay:
    essay_id: uuid.UUID
    item_index: int  # the engine's index
    is_anchor: bool
    known_grade: str | None
    anchor_label: str | None
    text_ref: str
    content: str  # the original: what the teacher sees
    names: list[str] = field(default_factory=list)  # the author's, redacted from what LPS is sent

    def text_for_provider(self, redact: bool) -> str:
        """The text as it may leave the platform: the author's names replaced when ``redact``."""
        return redaction.redact_names(self.content, self.names) if redact and self.names else self.content


@dataclass
class Wave:
    wave: int
    pairs_planned: int
    completed: bool = False
    # After the wave: the reliability the stopping rule reads (None before every essay has the minimum
    # comparisons), the reported SSR, and the pooled theta (the stability history; loaded on demand).
    reliability: float | None = None
    ssr: float | None = None
    theta: list[float] | None = None


@dataclass(frozen=True)
class Outgoing:
    """An event to publish with the job's changes, with the natural key its deterministic id comes from."""

    payload: BaseModel
    natural_key: tuple[object, ...]


@dataclass
class JobCounts:
    """How many essays and comparisons a job has, without loading them (progress and views need these)."""

    items: int = 0  # essays and anchors
    anchors: int = 0
    planned: int = 0  # every comparison attempt, retries included
    done: int = 0


class AnswerOutcome(StrEnum):
    RECORDED = "recorded"
    JOB_INACTIVE = "job_inactive"  # the job ended (or never started comparing): dropped
    DUPLICATE = "duplicate"  # the pair was answered already: dropped


@dataclass(frozen=True)
class RecordedAnswer:
    outcome: AnswerOutcome
    will_retry: bool = False
    # (status, error code) of the comparison's final outcome; None while a retry is still to come.
    final_labels: tuple[str, str] | None = None


@dataclass(frozen=True)
class _Finished:
    """What a completion's two events both report."""

    counts: PairCounts
    ssr: float
    reliability: float | None
    position_bias: float
    position_se: float | None
    stop_reason: str
    stop_detail: str
    at: datetime


@dataclass
class JobChanges:
    """What the repository writes when it saves the job (then empties)."""

    header: dict[str, object] = field(default_factory=dict)  # column -> new value
    new_essays: list[JobEssay] = field(default_factory=list)
    new_waves: list[Wave] = field(default_factory=list)
    closed_waves: list[Wave] = field(default_factory=list)
    new_pairs: list[Pair] = field(default_factory=list)
    answered_pairs: list[Pair] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # request id -> LPS queue id
    abandon_open_pairs: bool = False
    results: list[EssayResult] = field(default_factory=list)
    events: list[Outgoing] = field(default_factory=list)
    # Pairs were planned: the submitter should look once this transaction commits.
    submit: bool = False


def input_problem(
    *, assignment_id: uuid.UUID | None, assignment_usable: bool, anchor_grades: set[str], student_essays: int
) -> Failure | None:
    """Why a request cannot become a job, checked before any text is fetched; None if it can."""
    if assignment_id is not None and not assignment_usable:
        return Failure(
            FailureCode.UNKNOWN_ASSIGNMENT, f"assignment {assignment_id} does not exist or is not shared with you"
        )
    if len(anchor_grades) == 1:
        return Failure(
            FailureCode.ANCHORS_SINGLE_GRADE,
            f"assignment has anchors on a single grade ({next(iter(anchor_grades))}): "
            "add anchors of at least two different grades",
        )
    if student_essays < 2:
        return Failure(
            FailureCode.TOO_FEW_ESSAYS,
            f"only {student_essays} essay: comparative judgement needs at least 2 student essays",
        )
    return None


@dataclass
class Job:
    id: uuid.UUID
    batch_id: uuid.UUID
    request_id: uuid.UUID
    user_id: str
    correlation_id: uuid.UUID
    assignment_id: uuid.UUID | None
    course_code: str
    language: str
    grade_scale: str
    state: CJJobState
    llm: LLMSettings
    budget: AssessmentBudget
    seed: int
    created_at: datetime
    last_activity_at: datetime
    next_submit_at: datetime
    context: dict[str, str | None] = field(default_factory=dict)
    # Whether the texts sent to LPS have their authors' names replaced (the assignment's setting at the start).
    redact_names: bool = True
    current_wave: int = -1
    stop_reason: str | None = None
    stop_detail: str | None = None
    reliability_ssr: float | None = None
    position_bias: float | None = None
    forced_recovery: bool = False
    failure_code: str | None = None
    failure_message: str | None = None
    submit_failures: int = 0
    monitor_resubmits: int = 0
    progress_published_at: datetime | None = None
    finished_at: datetime | None = None
    # Always loaded with the job.
    open_pairs: int = 0  # comparisons still waiting for their callback
    waves: list[Wave] = field(default_factory=list)
    # Loaded on demand (None: not loaded); loading one first saves the job's pending changes.
    counts: JobCounts | None = None
    essays: list[JobEssay] | None = None
    pairs: list[Pair] | None = None
    changes: JobChanges = field(default_factory=JobChanges)

    # --- creation and preparation -------------------------------------------------------------

    @classmethod
    def requested(
        cls,
        job_id: uuid.UUID,
        request: CJAssessmentRequestedV1,
        *,
        correlation_id: uuid.UUID,
        grade_scale: str,
        seed: int,
        now: datetime,
        redact_names: bool = True,
    ) -> Job:
        """A new job in ``created``: nothing planned, nothing loaded that it does not have."""
        return cls(
            id=job_id,
            batch_id=request.batch_id,
            request_id=request.request_id,
            user_id=request.user_id,
            correlation_id=correlation_id,
            assignment_id=request.assignment_id,
            course_code=request.course_code,
            language=request.language,
            grade_scale=grade_scale,
            state=CJJobState.CREATED,
            llm=request.llm,
            budget=request.budget,
            seed=seed,
            created_at=now,
            last_activity_at=now,
            next_submit_at=now,
            redact_names=redact_names,
            counts=JobCounts(),
            essays=[],
            pairs=[],
        )

    def begin_preparing(self, now: datetime) -> None:
        self._move(CJJobState.PREPARING, now)

    def add_essays(self, essays: Sequence[JobEssay], context: dict[str, str | None], now: datetime) -> None:
        """The texts are gathered and checked: the job starts comparing (its first wave comes next)."""
        essays_now = self._loaded(self.essays, "essays")
        essays_now.extend(essays)
        self.changes.new_essays.extend(essays)
        counts = self._loaded(self.counts, "counts")
        counts.items = len(essays_now)
        counts.anchors = sum(1 for e in essays_now if e.is_anchor)
        self._move(CJJobState.COMPARING, now, context=context)

    # --- what the engine needs (the fits themselves run in the service layer) ---------------

    @property
    def batching_mode(self) -> BatchingMode:
        return self.llm.batching_mode

    def loop_budget(self, rules: JobRules) -> cj_loop.Budget:
        return cj_loop.Budget(
            max_comparisons_per_item=self.budget.max_comparisons_per_essay,
            target_reliability=self.budget.target_reliability,
            min_comparisons_per_item=rules.min_comparisons_per_item,
        )

    def planner(self, rules: JobRules) -> PlannerConfig:
        multiplier = rules.wave_multiplier(self.batching_mode)
        return cj_loop.planner_config(self.seed, self.n_items, self.loop_budget(rules), multiplier)

    def stopping(self, rules: JobRules) -> StoppingConfig:
        return cj_loop.stopping_config(self.loop_budget(rules))

    @property
    def n_items(self) -> int:
        """Essays and anchors: the engine's item count."""
        return self._loaded(self.counts, "counts").items

    @property
    def n_anchors(self) -> int:
        return self._loaded(self.counts, "counts").anchors

    @property
    def anchor_indices(self) -> frozenset[int]:
        return frozenset(e.item_index for e in self._loaded(self.essays, "essays") if e.is_anchor)

    def verdicts(self) -> list[cj_loop.Verdict]:
        """Every answered comparison, in engine indices and planning order."""
        index = {e.essay_id: e.item_index for e in self._loaded(self.essays, "essays")}
        verdicts = []
        for pair in self._loaded(self.pairs, "pairs"):
            if pair.status is PairStatus.DONE:
                first, second = index[pair.essay_a_id], index[pair.essay_b_id]
                verdicts.append(cj_loop.Verdict(first, second, first if pair.winner == "A" else second))
        return verdicts

    def items(self) -> list[Item]:
        return [
            Item(e.item_index, e.essay_id, e.is_anchor, e.known_grade, e.anchor_label)
            for e in self._loaded(self.essays, "essays")
        ]

    def stability_history(self) -> tuple[list[float | None], list[list[float]]]:
        """The closed waves' reliabilities and pooled thetas, oldest first (the stopping rule's history)."""
        closed = [w for w in self.waves if w.completed]
        thetas = [self._loaded(w.theta, f"theta of wave {w.wave}") for w in closed]
        return [w.reliability for w in closed], thetas

    # --- waves --------------------------------------------------------------------------------

    def start_wave(self, planned: Sequence[PlannedPair], now: datetime) -> bool:
        """Persist the next wave's pairs (submitted after the commit); ``False`` if the planner found none."""
        if not planned:
            return False
        if self.batching_mode is BatchingMode.SERIAL_BUNDLE:
            # Positions are the submission order, and LPS bundles consecutive pairs.
            planned = order_for_bundles(list(planned))
        wave = self.current_wave + 1
        by_index = {e.item_index: e.essay_id for e in self._loaded(self.essays, "essays")}
        pairs = [
            Pair.planned(self.id, wave, position, by_index[p.first], by_index[p.second])
            for position, p in enumerate(planned)
        ]
        new_wave = Wave(wave=wave, pairs_planned=len(pairs))
        self.waves.append(new_wave)
        self.changes.new_waves.append(new_wave)
        self._add_pairs(pairs)
        self._set(current_wave=wave, last_activity_at=now, monitor_resubmits=0)
        return True

    @property
    def wave_answered(self) -> bool:
        """Every comparison of the current wave has its callback (answered, failed for good, or retried)."""
        return self.open_pairs == 0

    def wave_failure(self, rules: JobRules) -> Failure | None:
        """Why the answers so far cannot make a scale (checked when a wave closes); None if they can."""
        pairs = self._loaded(self.pairs, "pairs")
        counts = count_pairs(pairs)
        if counts.done == 0:
            errors = [p.error_message for p in pairs if p.status is PairStatus.FAILED and p.error_message]
            reason = errors[-1] if errors else "no verdicts"
            return Failure(FailureCode.ALL_COMPARISONS_FAILED, f"all comparisons failed: {reason}")
        if counts.failed > rules.max_failed_fraction * (counts.done + counts.failed):
            return Failure(
                FailureCode.TOO_MANY_FAILURES,
                f"too many comparisons failed: {counts.failed} of {counts.done + counts.failed}",
            )
        return None

    def close_wave(self, summary: cj_loop.WaveSummary) -> None:
        """Store the wave's fit and reliability and publish its progress; the decision comes next."""
        counts = count_pairs(self._loaded(self.pairs, "pairs"))
        wave = self._wave(self.current_wave)
        wave.completed = True
        wave.reliability = summary.reliability
        wave.ssr = summary.ssr
        wave.theta = [float(t) for t in summary.fit.theta]
        self.changes.closed_waves.append(wave)
        self._emit(
            self._progress(counts.done, counts.planned, ssr=summary.ssr, reliability=summary.reliability),
            ("cj.progress", self.id, self.current_wave),
        )

    # --- answers ------------------------------------------------------------------------------

    def record_answer(
        self, pair: Pair, result: LLMComparisonResultV1, rules: JobRules, now: datetime
    ) -> RecordedAnswer:
        """Record LPS's callback for ``pair`` once; plan a retry of a retryable error while attempts remain."""
        if self.state is not CJJobState.COMPARING:
            return RecordedAnswer(AnswerOutcome.JOB_INACTIVE)
        if pair.status is not PairStatus.PLANNED:
            return RecordedAnswer(AnswerOutcome.DUPLICATE)
        usage = result.usage
        pair.input_tokens = usage.input_tokens if usage else None
        pair.output_tokens = usage.output_tokens if usage else None
        pair.cached_input_tokens = usage.cached_input_tokens if usage else None
        pair.cost_usd = result.cost_usd
        pair.provider_request_id = result.provider_request_id
        pair.provider = result.provider.value
        pair.model = result.model
        pair.answered_at = result.completed_at
        if result.error is None:
            pair.status = PairStatus.DONE
            pair.winner = result.winner
            pair.confidence = result.confidence
            pair.justification = result.justification
            if self.counts is not None:
                self.counts.done += 1
        else:
            pair.status = PairStatus.FAILED
            pair.error_code = result.error.code
            pair.error_message = result.error.message
            pair.error_retryable = result.error.retryable
        self.open_pairs -= 1
        self.changes.answered_pairs.append(pair)
        will_retry = result.error is not None and result.error.retryable and pair.attempt < rules.max_pair_attempts
        if will_retry:
            self._add_pairs([pair.retry()])
        self._set(last_activity_at=now)
        return RecordedAnswer(AnswerOutcome.RECORDED, will_retry, final_comparison_labels(result.error, will_retry))

    def progress_due(self, rules: JobRules, now: datetime) -> bool:
        """Progress within a wave is published at most once per ``progress_interval_s``.

        A wave with a real model can take minutes; without this the teacher's bar would stand still until it
        closes. Answers inside the interval are coalesced into the next event (or the wave's own). The job's
        row lock, held while it is loaded, makes the check-and-set race-free.
        """
        last = self.progress_published_at
        return last is None or (now - last).total_seconds() >= rules.progress_interval_s

    def publish_paced_progress(self, now: datetime) -> None:
        """Publish progress now and start the next interval (after ``progress_due``)."""
        self.publish_progress()
        self._set(progress_published_at=now)

    def publish_progress(self, natural_key: tuple[object, ...] | None = None) -> None:
        """The job's progress now; by default keyed by the count reached (a repeat of that count is one event).

        Distinct from the wave-close key (job, wave). Every recorded callback closes one more comparison
        (answered or failed), so the count keys one event per callback: an error callback leaves ``done``
        as it was and must not reuse the last event's id.
        """
        counts = self._loaded(self.counts, "counts")
        closed = self._closed_waves()
        self._emit(
            self._progress(
                counts.done,
                counts.planned,
                ssr=closed[-1].ssr if closed else None,
                reliability=closed[-1].reliability if closed else None,
            ),
            natural_key or ("cj.progress", self.id, self.current_wave, counts.planned - self.open_pairs),
        )

    def _progress(
        self, done: int, planned: int, *, ssr: float | None, reliability: float | None
    ) -> CJAssessmentProgressV1:
        return CJAssessmentProgressV1(
            batch_id=self.batch_id,
            job_id=self.id,
            request_id=self.request_id,  # content service ignores another run's progress
            state=CJJobState.COMPARING,
            wave=self.current_wave,
            comparisons_done=done,
            comparisons_planned=planned,
            progress_percentage=cj_loop.progress_percentage(
                done, self.n_items, self.budget.max_comparisons_per_essay, finished=False
            ),
            reliability_ssr=ssr,
            reliability=reliability,
        )

    # --- submitting ---------------------------------------------------------------------------

    def acknowledge(self, accepted: Mapping[str, str], now: datetime) -> None:
        """LPS accepted these requests (request id -> queue id); the statuses stay, a callback may be in already."""
        self.changes.acknowledged.update(accepted)
        self._set(submit_failures=0, next_submit_at=now, last_activity_at=now)

    def submit_failed(self, delay_s: float, now: datetime) -> None:
        self._set(submit_failures=self.submit_failures + 1, next_submit_at=now + timedelta(seconds=delay_s))

    def resubmit(self, now: datetime) -> None:
        """The stuck-job monitor sends the open pairs again (LPS dedupes by request id)."""
        self._set(
            monitor_resubmits=self.monitor_resubmits + 1, submit_failures=0, next_submit_at=now, last_activity_at=now
        )
        self.changes.submit = True

    def stuck_view(self) -> StuckJob:
        counts = count_pairs(self._loaded(self.pairs, "pairs"))
        return StuckJob(
            unacknowledged=counts.unacknowledged,
            missing=counts.open,
            answered=counts.done,
            resubmits_so_far=self.monitor_resubmits,
            latest_reliability=self.latest_reliability,
            target_reliability=self.budget.target_reliability,
        )

    def pair_counts(self) -> PairCounts:
        return count_pairs(self._loaded(self.pairs, "pairs"))

    # --- endings: the one finaliser (PITFALLS) -------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL

    @property
    def latest_reliability(self) -> float | None:
        """The marginal reliability the last closed wave stored (None before one closed with every minimum met)."""
        closed = self._closed_waves()
        return closed[-1].reliability if closed else None

    def usage(self) -> JobUsage:
        totals: UsageTotals = usage_totals(self._loaded(self.pairs, "pairs"))
        return JobUsage(
            provider=self.llm.provider,
            model=self.llm.model,
            llm_calls=totals.llm_calls,
            input_tokens=totals.input_tokens,
            output_tokens=totals.output_tokens,
            cost_usd=totals.cost_usd,
            unreported=totals.unreported,
        )

    def fail(self, failure: Failure, now: datetime) -> None:
        """Any active job -> failed, with ``cj_assessment.failed.v1`` carrying a reason a teacher can read."""
        counts = count_pairs(self._loaded(self.pairs, "pairs"))
        self._abandon_open_pairs()
        self._move(
            CJJobState.FAILED, now, failure_code=failure.code.value, failure_message=failure.message, finished_at=now
        )
        self._emit(
            CJAssessmentFailedV1(
                batch_id=self.batch_id,
                job_id=self.id,
                request_id=self.request_id,
                error=FailureReason(code=failure.code.value, message=failure.message),
                comparisons_completed=counts.done,
                comparisons_failed=counts.failed,
                duration_seconds=self._duration_s(now),
                usage=self.usage(),
            ),
            ("cj.failed", self.id),
        )

    def complete(
        self,
        fit: FitResult,
        outcome: JobResults,
        *,
        stop_reason: str,
        stop_detail: str,
        now: datetime,
        forced_recovery: bool = False,
    ) -> None:
        """comparing -> finalising -> completed: store the results and write both result events.

        ``fit`` and ``outcome`` are the final pooled fit of every verdict and the grade projection from it.
        """
        self._move(CJJobState.FINALISING, now)
        counts = count_pairs(self._loaded(self.pairs, "pairs"))
        self._abandon_open_pairs()
        self.changes.results.extend(outcome.results)
        ssr = float(fit.ssr)
        # The stopping rule's reliability, as the last closed wave stored it: the final fit's SSR is reported
        # too, but adaptive pairing inflates it. A forced recovery's answers after that wave are not in it.
        reliability = self.latest_reliability
        position_bias = float(fit.position_effect)
        # The fit leaves the SE undefined (0 or not finite) when position was not estimated.
        position_se = float(fit.position_se) if math.isfinite(fit.position_se) and fit.position_se > 0 else None
        self._move(
            CJJobState.COMPLETED,
            now,
            stop_reason=stop_reason,
            stop_detail=stop_detail,
            reliability_ssr=ssr,
            position_bias=position_bias,
            forced_recovery=forced_recovery,
            finished_at=now,
        )
        finished = _Finished(counts, ssr, reliability, position_bias, position_se, stop_reason, stop_detail, now)
        self._emit(self._completed_event(finished, forced_recovery), ("cj.completed", self.id))
        self._emit(self._result_event(finished, outcome, forced_recovery), ("cj.result", self.id))

    def _completed_event(self, finished: _Finished, forced_recovery: bool) -> CJAssessmentCompletedV1:
        return CJAssessmentCompletedV1(
            batch_id=self.batch_id,
            job_id=self.id,
            request_id=self.request_id,
            essays_assessed=self.n_items - self.n_anchors,
            anchors_used=self.n_anchors,
            comparisons_completed=finished.counts.done,
            comparisons_failed=finished.counts.failed,
            duration_seconds=self._duration_s(finished.at),
            stop_reason=finished.stop_reason,
            stop_detail=finished.stop_detail,
            reliability_ssr=finished.ssr,
            reliability=finished.reliability,
            position_bias=finished.position_bias,
            position_bias_se=finished.position_se,
            forced_recovery=forced_recovery,
            usage=self.usage(),
        )

    def _result_event(
        self, finished: _Finished, outcome: JobResults, forced_recovery: bool
    ) -> AssessmentResultPublishedV1:
        projection = outcome.projection
        # Say why grades are missing, or which anchors disagree with the scale; silence when all is well.
        # Also when the anchors place the cut points only roughly: the teacher reads why the grades are wide.
        troubled = (
            not projection.has_grades
            or bool(projection.inconsistent_anchors)
            or bool(projection.inversions)
            or bool(projection.uncertainty_notes)
        )
        return AssessmentResultPublishedV1(
            batch_id=self.batch_id,
            job_id=self.id,
            grade_scale=self.grade_scale,
            model_used=ModelUsed(provider=self.llm.provider, model=self.llm.model),
            reliability_ssr=finished.ssr,
            reliability=finished.reliability,
            completed_at=finished.at,
            results=outcome.results,
            stop_reason=finished.stop_reason,
            stop_detail=finished.stop_detail,
            position_bias=finished.position_bias,
            position_bias_se=finished.position_se,
            comparisons_completed=finished.counts.done,
            comparisons_failed=finished.counts.failed,
            forced_recovery=forced_recovery,
            grade_projection_note=projection.message if troubled else None,
            grade_cut_points=outcome.cut_points,
        )

    # --- bookkeeping --------------------------------------------------------------------------

    def take_events(self) -> list[Outgoing]:
        events, self.changes.events = self.changes.events, []
        return events

    def _duration_s(self, finished_at: datetime) -> float:
        return max(0.0, (finished_at - self.created_at).total_seconds())

    def _add_pairs(self, pairs: Sequence[Pair]) -> None:
        if self.pairs is not None:
            self.pairs.extend(pairs)
        self.changes.new_pairs.extend(pairs)
        if self.counts is not None:
            self.counts.planned += len(pairs)
        self.open_pairs += len(pairs)
        self.changes.submit = True

    def _abandon_open_pairs(self) -> None:
        for pair in self._loaded(self.pairs, "pairs"):
            if pair.status is PairStatus.PLANNED:
                pair.status = PairStatus.ABANDONED
        self.open_pairs = 0
        self.changes.abandon_open_pairs = True

    def _closed_waves(self) -> list[Wave]:
        return [w for w in self.waves if w.completed]

    def _wave(self, number: int) -> Wave:
        for wave in self.waves:
            if wave.wave == number:
                return wave
        raise RuntimeError(f"job {self.id} has no wave {number}")

    def _emit(self, payload: BaseModel, natural_key: tuple[object, ...]) -> None:
        self.changes.events.append(Outgoing(payload, natural_key))

    def _move(self, target: CJJobState, now: datetime, **values: object) -> None:
        """A legal state change (the state machine refuses illegal ones), with the columns it sets."""
        self._set(state=transition(self.state, target), last_activity_at=now, **values)

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            setattr(self, name, value)
        self.changes.header.update(values)

    def _loaded(self, part: T | None, name: str) -> T:
        if part is None:
            raise RuntimeError(f"job {self.id}: {name} not loaded")
        return part
