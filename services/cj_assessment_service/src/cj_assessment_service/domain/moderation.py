"""Teacher moderation of a finished job (issue 24): the LLM's and the teachers' verdicts in one model. No I/O.

Every verdict is a comparison of the multi-judge Bradley-Terry fit (``cj_engine.judge_fit.fit_judges``): the
LLM is the reference judge (its discrimination fixed at 1, so the scale stays the job's), each teacher a judge
of their own (``teacher:<user id>``, which no LLM id can be). Essay length is declared as a bias the LLM may
have (``essay_length.py``), learnt from the teachers' verdicts (0 until they give some). The next pair a
moderator is shown is the first of ``cj_engine.moderation_plan.plan_moderation``'s plan (grade boundaries from
the job's anchors when it has grades, pairs that teach the length bias) that the moderator has not judged; the
budget is the plan's default, 10 % of the job's LLM comparisons (not those asked for moderation since), shared
by every moderator of the job. The report is ``cj_engine.agreement.agreement_report`` in essay ids. These
functions fit: callers run them in a worker thread.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cj_assessment_service.domain.essay_length import length_covariate
from cj_engine.agreement import Agreement, agreement_report
from cj_engine.grades import project_grades
from cj_engine.judge_fit import MultiJudgeFit, fit_judges
from cj_engine.moderation_plan import ModerationConfig, moderation_budget, plan_moderation
from cj_engine.types import Comparison, FloatArray
from common_core.grade_scales import GradeScale
from common_core.http.cj_moderation import (
    AgreementView,
    DisagreementView,
    JudgeView,
    LengthBias,
    MisfittingEssay,
    ModeratedResult,
    ModerationReport,
    TeacherAgreement,
)

REFERENCE_JUDGE = "llm"
_TEACHER = "teacher:"


def teacher_judge(user_id: str) -> str:
    return f"{_TEACHER}{user_id}"


def _user_of(judge: str) -> str:
    return judge.removeprefix(_TEACHER)


@dataclass(frozen=True)
class ModerationItem:
    """An essay or anchor of the job (``index``: its engine index, as the job stored it)."""

    essay_id: uuid.UUID
    index: int
    is_anchor: bool
    known_grade: str | None
    text_ref: str
    words: int  # its length (``essay_length.word_count``): the covariate the LLM's bias is learnt on


@dataclass(frozen=True)
class LlmVerdict:
    first: uuid.UUID  # shown first
    second: uuid.UUID
    winner: uuid.UUID
    # Asked for a teacher's moderation pair after the job (``moderation_llm.py``), not one of the job's own
    # comparisons: it joins the fit and the agreement, but not the count the budget is a share of.
    for_moderation: bool = False


@dataclass(frozen=True)
class HumanVerdict:
    id: uuid.UUID
    job_id: uuid.UUID
    moderator_user_id: str
    first: uuid.UUID  # shown first
    second: uuid.UUID
    winner: uuid.UUID
    reason: str | None
    created_at: datetime

    @property
    def pair(self) -> frozenset[uuid.UUID]:
        return frozenset((self.first, self.second))


def verdict_problem(
    items: Sequence[ModerationItem], first: uuid.UUID, second: uuid.UUID, winner: uuid.UUID
) -> str | None:
    """Why a verdict cannot be recorded on this job, or None."""
    known = {item.essay_id for item in items}
    if first == second:
        return "first and second must be two different essays"
    for name, essay in (("first", first), ("second", second)):
        if essay not in known:
            return f"{name} ({essay}) is not an essay of this job"
    if winner not in (first, second):
        return "winner must be first or second"
    return None


@dataclass(frozen=True)
class ModerationData:
    """What a moderation read needs: the job's essays, the LLM's verdicts and every teacher's, oldest first.

    Essays are re-indexed 0..n-1 in the job's order (an erased student leaves a gap in the stored indices);
    a verdict on an essay that is no longer there is left out."""

    items: tuple[ModerationItem, ...]
    llm: tuple[LlmVerdict, ...]
    human: tuple[HumanVerdict, ...]

    @classmethod
    def of(
        cls, items: Sequence[ModerationItem], llm: Sequence[LlmVerdict], human: Sequence[HumanVerdict]
    ) -> ModerationData:
        ordered = tuple(sorted(items, key=lambda item: item.index))
        known = {item.essay_id for item in ordered}
        return cls(
            items=ordered,
            llm=tuple(v for v in llm if {v.first, v.second} <= known),
            human=tuple(v for v in human if {v.first, v.second} <= known),
        )

    @property
    def n_items(self) -> int:
        return len(self.items)

    def index(self) -> dict[uuid.UUID, int]:
        return {item.essay_id: position for position, item in enumerate(self.items)}

    def comparisons(self) -> tuple[list[Comparison], list[str]]:
        """Every verdict as an engine comparison, and its judge: the LLM's first, then the teachers'."""
        index = self.index()
        comparisons: list[Comparison] = []
        judges: list[str] = []
        for verdict in self.llm:
            comparisons.append(Comparison(index[verdict.first], index[verdict.second], index[verdict.winner]))
            judges.append(REFERENCE_JUDGE)
        for human in self.human:
            comparisons.append(Comparison(index[human.first], index[human.second], index[human.winner]))
            judges.append(teacher_judge(human.moderator_user_id))
        return comparisons, judges

    def budget_total(self) -> int:
        return moderation_budget(sum(1 for v in self.llm if not v.for_moderation), 0)

    def covariates(self) -> FloatArray | None:
        """The declared bias of the LLM: essay length (``essay_length.length_covariate``), or None."""
        return length_covariate([item.words for item in self.items])


def fit(data: ModerationData) -> MultiJudgeFit:
    """The LLM's and the teachers' verdicts, with the LLM's length bias learnt from the teachers' (0 without)."""
    comparisons, judges = data.comparisons()
    return fit_judges(data.n_items, comparisons, judges, REFERENCE_JUDGE, covariates=data.covariates(), covariance=True)


@dataclass(frozen=True)
class NextPair:
    first: ModerationItem
    second: ModerationItem
    reason: str


@dataclass(frozen=True)
class NextDecision:
    pair: NextPair | None  # None: done (the budget is used up, or the plan has no pair left for this moderator)
    given_by_you: int
    given_by_all: int
    budget_total: int


def plan_budget(data: ModerationData) -> int:
    """The verdicts left to plan: 0 once the budget is used up, or with fewer than two essays to pair."""
    return max(0, data.budget_total() - len(data.human)) if data.n_items >= 2 else 0


def plan_pairs(
    data: ModerationData, scale: GradeScale, seed: int, multi: MultiJudgeFit | None = None
) -> tuple[NextPair, ...]:
    """The moderation plan for what is left of the budget, in plan order; the same for every moderator of the
    job. ``multi`` is ``fit(data)`` when the caller has it (fits otherwise: call off the event loop)."""
    remaining = plan_budget(data)
    if remaining == 0:
        return ()
    multi = multi if multi is not None else fit(data)
    comparisons, judges = data.comparisons()
    anchors = {i: item.known_grade for i, item in enumerate(data.items) if item.is_anchor and item.known_grade}
    boundaries: list[float] = []
    boundary_sd: list[float] | None = None
    if anchors:
        theta, se, covariance = multi.fit.theta, multi.fit.se, multi.fit.covariance
        projection = project_grades(theta, se, anchors, scale, covariance=covariance)
        if projection.has_grades:
            boundaries = [cut.value for cut in projection.cut_points]
            boundary_sd = list(projection.cut_sd) if len(projection.cut_sd) == len(boundaries) else None
    plan = plan_moderation(
        multi,
        comparisons,
        judges,
        boundaries=boundaries,
        boundary_sd=boundary_sd,
        anchors=frozenset(anchors),
        budget=remaining,
        covariates=data.covariates(),
        config=ModerationConfig(seed=seed),
    )
    return tuple(
        NextPair(data.items[planned.first], data.items[planned.second], planned.reason.value) for planned in plan.pairs
    )


def choose_next(data: ModerationData, moderator: str, planned: Sequence[NextPair]) -> NextDecision:
    """The first of ``planned`` (``plan_pairs`` of the same data) that ``moderator`` has not judged."""
    total = data.budget_total()
    mine = {v.pair for v in data.human if v.moderator_user_id == moderator}
    given_by_all = len(data.human)
    for pair in planned:
        if frozenset((pair.first.essay_id, pair.second.essay_id)) not in mine:
            return NextDecision(pair, len(mine), given_by_all, total)
    return NextDecision(None, len(mine), given_by_all, total)


def next_pair(data: ModerationData, moderator: str, scale: GradeScale, seed: int) -> NextDecision:
    """The first pair of the moderation plan that ``moderator`` has not judged (fits: call off the event loop)."""
    return choose_next(data, moderator, plan_pairs(data, scale, seed))


def _agreement(agreement: Agreement) -> AgreementView:
    return AgreementView(
        shared_verdicts=agreement.shared_verdicts,
        agreeing=agreement.agreeing,
        rate=agreement.rate,
        low=agreement.low,
        high=agreement.high,
    )


def report(
    data: ModerationData,
    job_id: uuid.UUID,
    provider: str | None = None,
    model: str | None = None,
    multi: MultiJudgeFit | None = None,
) -> ModerationReport:
    """The agreement report and the moderated results. ``multi`` is ``fit(data)`` when the caller has it (fits
    otherwise: call off the event loop)."""
    multi = multi if multi is not None else fit(data)
    comparisons, judges = data.comparisons()
    engine = agreement_report(multi, comparisons, judges)
    ids = [item.essay_id for item in data.items]
    judgements: Counter[uuid.UUID] = Counter()
    for human in data.human:
        judgements.update((human.first, human.second))
    theta, se = multi.fit.theta, multi.fit.se
    order = sorted(range(data.n_items), key=lambda i: (-float(theta[i]), i))
    results = [
        ModeratedResult(
            essay_id=ids[i],
            is_anchor=data.items[i].is_anchor,
            rank=rank,
            bt_score=float(theta[i]),
            standard_error=float(se[i]),
            comparison_count=int(multi.fit.comparisons_per_item[i]),
            teacher_judgements=judgements[ids[i]],
        )
        for rank, i in enumerate(order, start=1)
    ]
    judge_views = []
    for stats in engine.judges:
        shown = stats.is_reference or stats.enough_decisions
        judge_views.append(
            JudgeView(
                kind="llm" if stats.is_reference else "teacher",
                user_id=None if stats.is_reference else _user_of(stats.judge),
                provider=provider if stats.is_reference else None,
                model=model if stats.is_reference else None,
                decisions=stats.n_decisions,
                enough_decisions=stats.enough_decisions,
                discrimination=stats.discrimination if shown else None,
                discrimination_se=stats.discrimination_se if shown else None,
                position_bias=stats.position_bias if shown else None,
                position_se=stats.position_se if shown else None,
                agreement_with_scale=stats.agreement if shown else None,
                infit=stats.infit if shown else None,
                outfit=stats.outfit if shown else None,
            )
        )
    return ModerationReport(
        job_id=job_id,
        teacher_judgements=len(data.human),
        agreement=_agreement(engine.overall),
        by_teacher=[
            TeacherAgreement(user_id=_user_of(judge), agreement=_agreement(agreement))
            for judge, agreement in engine.by_judge.items()
        ],
        disagreements=[
            DisagreementView(
                first_essay_id=ids[d.first],
                second_essay_id=ids[d.second],
                teacher_user_id=_user_of(d.judge),
                teacher_winner=ids[d.human_winner],
                llm_winner=ids[d.reference_winner],
                distance=d.distance,
            )
            for d in engine.disagreements
        ],
        misfitting_essays=[
            MisfittingEssay(essay_id=ids[f.index], comparisons=f.n_comparisons, infit=f.infit, outfit=f.outfit)
            for f in engine.misfitting_items
        ],
        judges=judge_views,
        results=results,
        llm_length_bias=_length_bias(multi),
    )


def _length_bias(multi: MultiJudgeFit) -> LengthBias | None:
    if not multi.covariate_bias:
        return None
    return LengthBias(logits_per_sd=multi.covariate_bias[0], standard_error=multi.covariate_bias_se[0])
