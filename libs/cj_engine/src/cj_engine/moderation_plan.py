"""Which pairs a teacher should judge: where a human verdict changes most what the teacher cares about.

``plan_moderation`` returns up to ``budget`` pairs (default: ``ModerationConfig.share``, 10 %, of the
reference judge's (the LLM's) comparisons, less the human verdicts already given, so the plan can be
recomputed after every verdict and the teacher can stop at any time). Each pair carries its reason.

First the checks, each with its share of the budget: slots spread over the whole moderation, counted from
the batch's first verdict, so a plan recomputed after every verdict shows them at their shares. Each check's
own score shortlists ``CHECK_SHORTLIST`` times its quota; the information criterion below picks among them:

- ``llm_residual``: a pair the LLM judged against the fitted scale (largest squared standardised residual
  (y - p)^2 / (p (1 - p)) under the LLM's own a and gamma): a second opinion on its most surprising verdicts.
- ``misfit_essay``: an essay whose verdicts (every judge's, teachers' included, so the plan follows the
  teachers' disagreements as they come in) fit the scale worst (infit), against its closest partner.
- ``anchor_check``: an anchor against the closest student, a check on the anchors that place the grades.

Then the rest of the budget, one pair at a time, by what its verdict would teach the fit: the expected
reduction of trace(Cov theta) over theta and the teachers' discriminations jointly
(``moderation_design.TeacherDesign``), the covariance updated after each choice as if the verdict had been
given. The candidates:

- ``boundary``: the essays nearest a grade boundary that could lie on its other side, against those across
  it. Without boundaries (no anchors), ``uncertain_order``: each essay against its nearest on the scale.
- ``covariate_contrast`` (only with ``covariates``, the essay features the LLM may be biased on, as in
  ``judge_fit``): each essay against the nearest essays that differ in those features. While the LLM's bias
  beta is uncertain, every essay with the feature shares that uncertainty, so one such verdict shrinks all of
  them; the criterion prefers these pairs until beta is known about as well as the essays are.

Close pairs anywhere (``uncertain_order``) fill up once the boundary and contrast pairs run out. No essay
takes part in more than ``max_pairs_per_item`` pairs of one plan, and no pair is planned twice or that a
human judge has already judged. ``judged_by_reference`` says whether the LLM has judged the pair: the caller
sends the others to the LLM too, so that agreement is measured on the same pairs. Deterministic given
``config.seed``.

What no plan can do in the one-theta model: an essay the LLM consistently overrates fits the LLM's scale
well (its theta absorbs the bias), so neither residuals nor misfit point at it, and even teacher pairs
aimed at exactly the biased essays move them by a few percent of the bias, because their ten or so LLM
verdicts outweigh one or two teacher verdicts. With the biased feature declared (``covariates``, here and
in ``judge_fit``), the contrast pairs estimate the LLM's bias from all of them at once and the fit removes
most of it (scripts/bench/bench_cj_moderation.py; libs/cj_engine/README.md, "Teacher moderation").
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.special import ndtr

from cj_engine.judge_fit import MultiJudgeFit
from cj_engine.judge_stats import item_fit
from cj_engine.moderation_design import TeacherDesign
from cj_engine.planner_scoring import variance_reduction
from cj_engine.types import Comparison, FloatArray

CHECK_SHORTLIST = 3  # a check is chosen among this many times its quota of the best by its own score

# The expected variance reduction of theta_i - theta_j from one verdict on (i, j).
_Information = Callable[[int, int], float]


class ModerationReason(StrEnum):
    BOUNDARY = "boundary"
    UNCERTAIN = "uncertain_order"
    RESIDUAL = "llm_residual"
    MISFIT = "misfit_essay"
    ANCHOR = "anchor_check"
    CONTRAST = "covariate_contrast"


@dataclass(frozen=True)
class ModerationConfig:
    share: float = 0.10  # of the reference judge's comparisons
    residual_share: float = 0.2
    misfit_share: float = 0.1
    anchor_share: float = 0.1
    neighbours: int = 6  # candidate partners per essay, nearest on the scale
    max_pairs_per_item: int = 2
    min_boundary_probability: float = 0.01  # essays surer than this of their side of a boundary are not candidates
    seed: int = 0

    def __post_init__(self) -> None:
        shares = (self.share, self.residual_share, self.misfit_share, self.anchor_share)
        if any(not 0.0 <= s <= 1.0 for s in shares) or sum(shares[1:]) > 1.0:
            raise ValueError("shares must be in [0, 1] and the reason shares must sum to at most 1")
        if self.neighbours < 1 or self.max_pairs_per_item < 1:
            raise ValueError("neighbours and max_pairs_per_item must be at least 1")


@dataclass(frozen=True)
class ModerationPair:
    first: int  # shown first
    second: int
    reason: ModerationReason
    # the reason's own score; boundary, uncertain and contrast pairs: the expected reduction of trace(Cov theta)
    score: float
    judged_by_reference: bool  # False: send it to the LLM too


@dataclass(frozen=True)
class ModerationPlan:
    budget: int  # human verdicts still to plan (the default: share of the LLM's comparisons, less those given)
    pairs: tuple[ModerationPair, ...]


@dataclass(frozen=True)
class _Candidate:
    first: int
    second: int
    reason: ModerationReason
    score: float


def moderation_budget(n_reference_comparisons: int, n_human_verdicts: int, share: float = 0.10) -> int:
    """Human verdicts still to plan: ``share`` of the LLM's comparisons (rounded up) less those already given."""
    return max(0, math.ceil(share * n_reference_comparisons) - n_human_verdicts)


def plan_moderation(
    fit: MultiJudgeFit,
    comparisons: Sequence[Comparison],
    judges: Sequence[str],
    *,
    boundaries: Sequence[float] = (),
    boundary_sd: Sequence[float] | None = None,
    anchors: Collection[int] = (),
    covariates: FloatArray | None = None,
    budget: int | None = None,
    config: ModerationConfig | None = None,
) -> ModerationPlan:
    """The pairs a teacher should judge next (see the module docstring).

    ``comparisons``/``judges`` are every verdict so far (the LLM's and the teachers'), the ones ``fit`` was
    fitted on; ``boundaries`` the grade cut points on the same scale (``GradeProjection.cut_points``' values)
    and ``boundary_sd`` their uncertainty (``cut_sd``), if known. With ``covariates`` the fit must carry its
    covariance (``fit_judges(..., covariates=..., covariance=True)``): the shared uncertainty of the LLM's
    bias is what makes contrast pairs worth their verdicts.
    """
    cfg = config or ModerationConfig()
    if covariates is not None and fit.fit.covariance is None:
        raise ValueError("with covariates the fit must carry its covariance (fit_judges(..., covariance=True))")
    reference = fit.reference_judge
    n_reference = sum(j == reference for j in judges)
    given = len(judges) - n_reference  # human verdicts so far: the plan covers the budget's next slots
    if budget is None:
        budget = moderation_budget(n_reference, given, cfg.share)
    rng = np.random.default_rng([cfg.seed, len(comparisons)])
    llm_pairs = {frozenset((c.first, c.second)) for c, j in zip(comparisons, judges, strict=True) if j == reference}
    human_pairs = {frozenset((c.first, c.second)) for c, j in zip(comparisons, judges, strict=True) if j != reference}
    theta, se = fit.fit.theta, fit.fit.se
    order = np.argsort(theta, kind="stable")
    anchor_set = frozenset(anchors)
    design = TeacherDesign(fit)

    def pair_variance(i: int, j: int) -> float:
        if fit.fit.covariance is not None:
            cov = fit.fit.covariance
            return float(cov[i, i] + cov[j, j] - 2.0 * cov[i, j])
        return float(se[i] ** 2 + se[j] ** 2)

    def information(i: int, j: int) -> float:
        delta = np.array([theta[i] - theta[j]])
        return float(variance_reduction(delta, np.array([pair_variance(i, j)]))[0])

    schedule = _check_schedule(cfg, given, budget)
    checks = {
        ModerationReason.RESIDUAL: _residual_candidates(fit, comparisons, judges),
        ModerationReason.MISFIT: _misfit_candidates(fit, comparisons, judges, order, cfg.neighbours, information),
        ModerationReason.ANCHOR: _anchor_candidates(anchor_set, theta, order, cfg.neighbours, information),
    }
    uncertain = _uncertain_candidates(order, cfg.neighbours)
    boundary = _boundary_candidates(theta, se, order, boundaries, boundary_sd, cfg)
    contrast = _contrast_candidates(covariates, theta, cfg.neighbours)
    chosen: list[ModerationPair] = []
    used: dict[int, int] = {}
    taken: set[frozenset[int]] = set(human_pairs)

    def free(first: int, second: int) -> bool:
        key = frozenset((first, second))
        return key not in taken and max(used.get(first, 0), used.get(second, 0)) < cfg.max_pairs_per_item

    def choose(cand: _Candidate, score: float) -> None:
        key = frozenset((cand.first, cand.second))
        taken.add(key)
        for item in (cand.first, cand.second):
            used[item] = used.get(item, 0) + 1
        chosen.append(ModerationPair(cand.first, cand.second, cand.reason, score, key in llm_pairs))
        design.observe(cand.first, cand.second)

    for reason, pool in checks.items():
        quota = sum(r is reason for _slot, r in schedule)
        if reason is ModerationReason.ANCHOR:
            quota = min(len(anchor_set), quota)
        if quota == 0:
            continue
        # The check's own score qualifies a shortlist; among it, what a verdict would teach the fit decides, so
        # a second opinion that also narrows the LLM's bias or a boundary is preferred to one that does not.
        ties = rng.random(len(pool))
        ranked = sorted(range(len(pool)), key=lambda k: (-pool[k].score, ties[k]))
        shortlist = [pool[k] for k in ranked if free(pool[k].first, pool[k].second)][: CHECK_SHORTLIST * quota]
        cap = min(budget, len(chosen) + quota)
        _take_informative(shortlist, cap, design, rng, free, lambda c, _gain: choose(c, c.score), lambda: len(chosen))
    # The rest by information: boundary (or, without boundaries, close) pairs and contrast pairs compete on
    # what a verdict would teach the fit; close pairs anywhere fill up once boundary pairs run out.
    for pool in (_unique(contrast + (boundary or uncertain)), uncertain):
        _take_informative(pool, budget, design, rng, free, choose, lambda: len(chosen))
    return ModerationPlan(budget=budget, pairs=tuple(_presentation_order(_in_slots(chosen, schedule), rng)))


def _check_schedule(cfg: ModerationConfig, given: int, budget: int) -> list[tuple[int, ModerationReason]]:
    """The checks' slots in this plan (0 = its first pair), earliest first.

    A check of share s is due at the verdict where round(s * verdicts), counted from the batch's first verdict,
    goes up; two due together take consecutive slots (the residual check first). Laid out over the whole
    moderation, not per plan, so that a plan recomputed after every verdict (as the CJ service does) shows
    the checks at their shares, spread out, rather than a check first every time."""
    shares = (
        (ModerationReason.RESIDUAL, cfg.residual_share),
        (ModerationReason.MISFIT, cfg.misfit_share),
        (ModerationReason.ANCHOR, cfg.anchor_share),
    )
    end = given + budget
    due = sorted(
        (verdict, rank, reason)
        for rank, (reason, share) in enumerate(shares)
        for verdict in range(end)
        if math.floor(share * (verdict + 1) + 0.5) > math.floor(share * verdict + 0.5)
    )
    schedule: list[tuple[int, ModerationReason]] = []
    last = -1
    for verdict, _rank, reason in due:
        last = max(verdict, last + 1)
        if given <= last < end:
            schedule.append((last - given, reason))
    return schedule


def _in_slots(chosen: list[ModerationPair], schedule: list[tuple[int, ModerationReason]]) -> list[ModerationPair]:
    """The plan in the order it is shown: each check at its slot (or the next free one, when two checks share
    a slot), the pairs chosen by information in the others, best first. A check whose pool ran dry leaves its
    slot to them."""
    checks = {reason: [p for p in chosen if p.reason is reason] for _slot, reason in schedule}
    rest = [p for p in chosen if p.reason not in checks]
    ordered: list[ModerationPair | None] = [None] * len(chosen)
    for slot, reason in schedule:
        if checks[reason]:
            open_slots = [s for s, p in enumerate(ordered) if p is None]
            free_slot = next((s for s in open_slots if s >= slot), open_slots[-1])
            ordered[free_slot] = checks[reason].pop(0)
    fill = iter(rest)
    return [p if p is not None else next(fill) for p in ordered]


def _unique(candidates: list[_Candidate]) -> list[_Candidate]:
    """One candidate per unordered pair, the first given (contrast before boundary)."""
    seen: set[frozenset[int]] = set()
    unique = []
    for cand in candidates:
        key = frozenset((cand.first, cand.second))
        if key not in seen:
            seen.add(key)
            unique.append(cand)
    return unique


def _take_informative(
    pool: list[_Candidate],
    budget: int,
    design: TeacherDesign,
    rng: np.random.Generator,
    free: Callable[[int, int], bool],
    choose: Callable[[_Candidate, float], None],
    n_chosen: Callable[[], int],
) -> None:
    """Greedy: the free pair of the pool with the largest ``design.gain``, then update and repeat.

    Lazily: the gains computed once serve as bounds; the best is recomputed and taken if it is still the
    best, else put back. As verdicts are added the covariance only shrinks and a pair's gain almost always
    with it, though not always (the gain's denominator shrinks too), so this is the exhaustive greedy search
    only nearly: over 72 test plans it chose other pairs in 5, each within 1 % of the best gain, and the total
    reduction of the trace was never smaller (the tests hold it to 99 %). It costs one gain per pair plus a
    few per step, where recomputing every gain at every step cost seconds at 1,000 essays."""
    if n_chosen() >= budget:
        return
    first = np.fromiter((c.first for c in pool), dtype=np.int64, count=len(pool))
    second = np.fromiter((c.second for c in pool), dtype=np.int64, count=len(pool))
    ties = rng.random(len(pool)).tolist()
    bounds = design.gain(first, second).tolist()
    heap = [(-bound, tie, k) for k, (bound, tie) in enumerate(zip(bounds, ties, strict=True))]
    heapq.heapify(heap)
    while heap and n_chosen() < budget:
        _bound, tie, k = heapq.heappop(heap)
        if not free(pool[k].first, pool[k].second):
            continue  # a taken pair or a full essay stays so for the rest of the plan
        fresh = float(design.gain(first[k : k + 1], second[k : k + 1])[0])
        if heap and (-fresh, tie) > heap[0][:2]:
            heapq.heappush(heap, (-fresh, tie, k))
            continue
        choose(pool[k], fresh)


def _presentation_order(pairs: list[ModerationPair], rng: np.random.Generator) -> list[ModerationPair]:
    """The LLM's order for a pair it judged (the same presentation for both); a coin for new pairs."""
    flips = rng.random(len(pairs)) < 0.5
    return [
        ModerationPair(p.second, p.first, p.reason, p.score, p.judged_by_reference)
        if flip and p.reason is not ModerationReason.RESIDUAL
        else p
        for p, flip in zip(pairs, flips.tolist(), strict=True)
    ]


def _residual_candidates(
    fit: MultiJudgeFit, comparisons: Sequence[Comparison], judges: Sequence[str]
) -> list[_Candidate]:
    """The LLM's verdicts that the fitted scale found surprising (the observed outcome had p < 0.5)."""
    reference = [(c, j) for c, j in zip(comparisons, judges, strict=True) if j == fit.reference_judge]
    if not reference:
        return []
    p = fit.first_win_probability([c for c, _j in reference], [j for _c, j in reference])
    y = np.fromiter((c.first_won for c, _j in reference), dtype=np.float64, count=len(reference))
    z2 = (y - p) ** 2 / (p * (1.0 - p))
    return [
        _Candidate(c.first, c.second, ModerationReason.RESIDUAL, float(score))
        for (c, _j), score in zip(reference, z2.tolist(), strict=True)
        if score > 1.0
    ]


def _neighbours(order: np.ndarray, item: int, k: int) -> list[int]:
    """The ``k`` essays nearest ``item`` in rank on the fitted scale."""
    rank = int(np.flatnonzero(order == item)[0])
    low, high = max(0, rank - k), min(order.shape[0], rank + k + 1)
    return [int(j) for j in order[low:high] if j != item]


def _misfit_candidates(
    fit: MultiJudgeFit,
    comparisons: Sequence[Comparison],
    judges: Sequence[str],
    order: np.ndarray,
    k: int,
    information: _Information,
) -> list[_Candidate]:
    fits = item_fit(fit, comparisons, judges)
    flagged = [f for f in fits if f.infit is not None and f.infit > 1.0 and f.n_comparisons >= 3]
    candidates = []
    for item in flagged:
        partners = _neighbours(order, item.index, k)
        # the infit ranks the essays; the information ranks one essay's partners below the next essay
        for partner in partners:
            bonus = information(item.index, partner) / (1.0 + information(item.index, partner))
            candidates.append(_Candidate(item.index, partner, ModerationReason.MISFIT, float(item.infit or 0) + bonus))
    return candidates


def _anchor_candidates(
    anchors: frozenset[int], theta: FloatArray, order: np.ndarray, k: int, information: _Information
) -> list[_Candidate]:
    candidates = []
    for anchor in sorted(anchors):
        for partner in _neighbours(order, anchor, k):
            if partner not in anchors:
                candidates.append(_Candidate(anchor, partner, ModerationReason.ANCHOR, information(anchor, partner)))
    return candidates


def _boundary_candidates(
    theta: FloatArray,
    se: FloatArray,
    order: np.ndarray,
    boundaries: Sequence[float],
    boundary_sd: Sequence[float] | None,
    cfg: ModerationConfig,
) -> list[_Candidate]:
    """Pairs across a cut among the essays nearest it that could lie on its other side (scored later)."""
    candidates = []
    sds = list(boundary_sd) if boundary_sd is not None else [0.0] * len(boundaries)
    for cut, cut_sd in zip(boundaries, sds, strict=True):
        other_side = ndtr(-np.abs(theta - cut) / np.sqrt(se**2 + cut_sd**2))
        ranked = order[other_side[order] >= cfg.min_boundary_probability]
        below = [int(i) for i in ranked if theta[i] < cut][::-1][: cfg.neighbours * 2]  # nearest the cut first
        above = [int(i) for i in ranked if theta[i] >= cut][: cfg.neighbours * 2]
        candidates += [_Candidate(i, j, ModerationReason.BOUNDARY, 0.0) for i in below for j in above]
    return candidates


def _uncertain_candidates(order: np.ndarray, k: int) -> list[_Candidate]:
    """Each essay against its ``k`` next essays up the fitted scale (scored later)."""
    return [
        _Candidate(item, partner, ModerationReason.UNCERTAIN, 0.0)
        for rank, item in enumerate(order.tolist())
        for partner in order[rank + 1 : rank + 1 + k].tolist()
    ]


def _contrast_candidates(covariates: FloatArray | None, theta: FloatArray, k: int) -> list[_Candidate]:
    """Each essay against the ``k`` essays nearest it on the fitted scale that differ in the declared
    covariates (scored later): close, so the teacher's verdict is informative, and different, so it tells
    the LLM's bias apart from the essays' quality."""
    if covariates is None:
        return []
    design = np.asarray(covariates, dtype=np.float64).reshape(theta.shape[0], -1)
    candidates = []
    for item in range(theta.shape[0]):
        differ = np.flatnonzero(np.any(design != design[item], axis=1))
        nearest = differ[np.argsort(np.abs(theta[differ] - theta[item]), kind="stable")[:k]]
        candidates += [_Candidate(item, int(p), ModerationReason.CONTRAST, 0.0) for p in nearest.tolist()]
    return candidates
