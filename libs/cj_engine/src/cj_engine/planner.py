"""The wave planner: which pairs to compare next, and in which order to show them.

``plan_wave`` returns the next wave of pairs. It is deterministic for a given ``(config.seed, state.wave)``.

**Adaptive to everything seen so far.** A wave is planned from the fit of ALL comparisons so far
(``PlanningState.fit``). This makes SSR (and split-half over random splits) rise on pure noise, so
neither may stop an assessment: the stopping rule reads ``reliability.marginal_reliability``, a
likelihood-based estimate for which a design that depends only on earlier outcomes is ignorable
(docs/decisions/0004-plan-from-the-pooled-fit.md). Counts, order balance, repeats and connectivity are
read from all comparisons too.

Each wave is built in rounds; a round is an assignment in which every item appears at most once (one
round when ``wave_size <= n_items / 2``):

1. **Participants**: the least-compared items (ties in a seeded random order), only those within
   ``max_count_spread`` of the minimum and below the per-item cap. (If the least-compared items have no
   allowed partner left, which only happens once a small batch has used up its pairs, the spread rule
   is waived for that round rather than blocking everyone.)
2. **Sides**: an item shown first more often than second so far is shown second now and vice versa, which
   keeps every item's |first - second| <= 1 at the end of every round, hence of every wave. Balanced
   items fill the two sides evenly, alternating along theta so that near neighbours can meet.
3. **Allowed pairs**: not already paired in this wave, compared fewer than ``max_pair_repeats`` times, and
   a repeated pair only in the reverse of its latest order (a second meeting reverses the first).
4. **Assignment** (``scipy.optimize.linear_sum_assignment``) maximising a lexicographic weight: tier
   (unseen useful pair > useful repeat > unseen pair > repeat: no repeat while an unseen useful pair can
   be scheduled), then "not anchor against anchor", then a score. Coverage phase (while there is no fit,
   the graph is disconnected or some item has fewer than ``coverage_per_item`` comparisons): a partner in
   another connected component, and for anchors a student from the ability stratum the anchor has met
   least, so anchors are linked to students across the range; among those, the adaptive score once there
   is a fit (winners meet winners after the first wave, as in a Swiss tournament), random before it.
   Adaptive score: expected variance reduction of theta_i - theta_j (``planner_scoring``) mixed with a
   uniform random score whose weight decays with the SEs. ``adaptive=False`` is the random-pairing
   baseline: the same coverage and balance rules, then uniform random partners.

"Useful" means predicted information p(1 - p) >= ``useful_min_information``. ``count_useful_pairs``
counts the pairs still allowed (caps, repeat limit) that are useful; the stopping rule stops with
``no_useful_pair_left`` when it is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from cj_engine.graph import comparisons_per_item, connected_components
from cj_engine.planner_scoring import exploration_weight, pair_information, variance_reduction
from cj_engine.types import Comparison, FitResult, FloatArray, IntArray

BoolArray = npt.NDArray[np.bool_]

_MAX_SCORE = 8.0  # upper bound of any score below (coverage: 4 + 2 + a uniform draw < 1)
_ROUND_MARGIN = 2  # extra participants per side in a round, to route around forbidden pairs


@dataclass(frozen=True)
class PlannedPair:
    """One planned comparison: ``first`` is shown first (position A)."""

    first: int
    second: int


@dataclass(frozen=True)
class PlanningState:
    """What the planner sees: the comparisons so far and their fit (None before the first wave)."""

    n_items: int
    comparisons: Sequence[Comparison] = ()
    fit: FitResult | None = None
    anchors: frozenset[int] = frozenset()
    wave: int = 0  # seeds this wave's random choices, so a replay plans the same pairs


@dataclass(frozen=True)
class PlannerConfig:
    seed: int = 0
    wave_size: int | None = None  # pairs per wave; None = n_items // 2 (about one comparison per item)
    adaptive: bool = True  # False = random-pairing baseline under the same coverage and balance rules
    coverage_per_item: int = 3  # comparisons per item in the coverage phase (random, varied opponents)
    max_count_spread: int = 2  # max - min comparisons per item (waived only for items with no partner left)
    max_comparisons_per_item: int | None = None  # per-item budget; capped items are not planned
    max_total_comparisons: int | None = None  # the wave is cut to what is left of this budget
    max_pair_repeats: int = 2  # how often one pair may be compared (in alternating order)
    exploration: float = 0.25  # initial weight of the random component of the adaptive score
    useful_min_information: float = 0.05  # p(1-p) below this (p outside ~[0.05, 0.95]) is not useful
    anchor_strata: int = 3  # ability strata an anchor should meet in the coverage phase

    def __post_init__(self) -> None:
        if self.wave_size is not None and self.wave_size < 1:
            raise ValueError("wave_size must be at least 1")
        if self.max_count_spread < 1:
            raise ValueError("max_count_spread must be at least 1")
        if self.max_pair_repeats < 1:
            raise ValueError("max_pair_repeats must be at least 1")
        if not 0.0 <= self.exploration <= 1.0:
            raise ValueError("exploration must be in [0, 1]")
        if not 0.0 <= self.useful_min_information <= 0.25:
            raise ValueError("useful_min_information must be in [0, 0.25]")
        if self.anchor_strata < 1 or self.coverage_per_item < 0 or self.seed < 0:
            raise ValueError("anchor_strata must be >= 1, coverage_per_item and seed >= 0")


class _History:
    """Per-item counts and order balance; per pair, how often it met and who was shown first last time."""

    def __init__(self, n_items: int, comparisons: Sequence[Comparison]) -> None:
        self.counts: IntArray = comparisons_per_item(n_items, comparisons)
        self.balance: IntArray = np.zeros(n_items, dtype=np.int64)  # shown first minus shown second
        self.meetings: list[dict[int, int]] = [{} for _ in range(n_items)]  # sparse and symmetric
        self.last_first_against: list[set[int]] = [set() for _ in range(n_items)]  # b: a was first last time
        for c in comparisons:
            self._count(c.first, c.second)
        np.add.at(self.balance, np.fromiter((c.first for c in comparisons), np.int64, len(comparisons)), 1)
        np.add.at(self.balance, np.fromiter((c.second for c in comparisons), np.int64, len(comparisons)), -1)

    def _count(self, first: int, second: int) -> None:
        self.meetings[first][second] = self.meetings[first].get(second, 0) + 1
        self.meetings[second][first] = self.meetings[first][second]
        self.last_first_against[first].add(second)
        self.last_first_against[second].discard(first)

    def add(self, first: int, second: int) -> None:
        self.counts[first] += 1
        self.counts[second] += 1
        self.balance[first] += 1
        self.balance[second] -= 1
        self._count(first, second)

    def meetings_with(self, item: int, n_items: int) -> IntArray:
        """How often ``item`` has been compared with each item."""
        met = np.zeros(n_items, dtype=np.int64)
        for j, k in self.meetings[item].items():
            met[j] = k
        return met


def _validate(state: PlanningState) -> None:
    if state.n_items < 0:
        raise ValueError("n_items must be non-negative")
    if state.fit is not None and state.fit.n_items != state.n_items:
        raise ValueError("the fit does not have n_items items")
    if any(not 0 <= a < state.n_items for a in state.anchors):
        raise ValueError("anchor index out of range")
    if state.wave < 0:
        raise ValueError("wave must be non-negative")


def _capped(counts: IntArray, config: PlannerConfig) -> BoolArray:
    cap = config.max_comparisons_per_item
    return np.zeros(counts.shape, dtype=np.bool_) if cap is None else np.asarray(counts >= cap)


def _estimates(n_items: int, fit: FitResult | None) -> tuple[FloatArray, FloatArray]:
    if fit is None:
        return np.zeros(n_items), np.ones(n_items)
    return fit.theta, fit.se


class _WaveBuilder:
    def __init__(self, state: PlanningState, config: PlannerConfig) -> None:
        n = state.n_items
        self.n, self.config = n, config
        self.history = _History(n, state.comparisons)
        self.rng = np.random.default_rng([config.seed, state.wave])
        self.tiebreak: IntArray = self.rng.permutation(n).astype(np.int64)
        self.theta, self.se = _estimates(n, state.fit)
        self.fitted = state.fit is not None
        self.is_anchor = np.zeros(n, dtype=np.bool_)
        self.is_anchor[list(state.anchors)] = True
        n_components, self.component = connected_components(n, state.comparisons)
        self.coverage = (
            state.fit is None or n_components > 1 or int(self.history.counts.min()) < config.coverage_per_item
        )
        self.epsilon = exploration_weight(self.se, config.exploration)
        self.stratum = self._strata(state)
        self.anchor_met = np.zeros((n, config.anchor_strata), dtype=np.int64)  # anchor x student stratum
        for c in state.comparisons:
            self._note_anchor_meeting(c.first, c.second)
        self.paired_in_wave: list[set[int]] = [set() for _ in range(n)]

    def _strata(self, state: PlanningState) -> IntArray:
        """Each student's ability stratum (0 = lowest) by the current theta; without a fit, all in one."""
        stratum = np.zeros(self.n, dtype=np.int64)
        students = np.flatnonzero(~self.is_anchor)
        if state.fit is not None and students.size:
            ranks = np.empty(students.size, dtype=np.int64)
            ranks[np.argsort(self.theta[students], kind="stable")] = np.arange(students.size)
            stratum[students] = ranks * self.config.anchor_strata // students.size
        return stratum

    def _note_anchor_meeting(self, a: int, b: int) -> None:
        if self.is_anchor[a] and not self.is_anchor[b]:
            self.anchor_met[a, self.stratum[b]] += 1
        elif self.is_anchor[b] and not self.is_anchor[a]:
            self.anchor_met[b, self.stratum[a]] += 1

    def build(self, target: int) -> list[PlannedPair]:
        pairs: list[PlannedPair] = []
        while len(pairs) < target:
            # If the least-compared items have no allowed partner left, the spread rule would block every
            # other item for good; the round is then retried without it.
            round_pairs = self._round(target - len(pairs), within_spread=True) or self._round(
                target - len(pairs), within_spread=False
            )
            if not round_pairs:
                break
            for pair in round_pairs:
                pairs.append(pair)
                self._record(pair)
        return pairs

    def _round(self, limit: int, *, within_spread: bool) -> list[PlannedPair]:
        """At most ``limit`` pairs in which every item appears at most once.

        The assignment runs over a few more participants than needed (``_ROUND_MARGIN`` a side), so a pair
        that the rules forbid can be replaced; the pairs of the least-compared items are kept.
        """
        first_side, second_side = self._sides(limit + _ROUND_MARGIN, within_spread=within_spread)
        if not first_side.size or not second_side.size:
            return []
        allowed, weight = self._weights(first_side, second_side)
        rows, cols = linear_sum_assignment(weight, maximize=True)
        kept = [(r, c) for r, c in zip(rows.tolist(), cols.tolist(), strict=True) if allowed[r, c]]
        counts = self.history.counts
        kept.sort(key=lambda rc: (counts[first_side[rc[0]]] + counts[second_side[rc[1]]], -weight[rc]))
        return [PlannedPair(int(first_side[r]), int(second_side[c])) for r, c in kept[:limit]]

    def _sides(self, limit: int, *, within_spread: bool) -> tuple[IntArray, IntArray]:
        """The round's participants, split into those shown first and those shown second.

        Participants are the least-compared items within the spread. An item shown first more often than
        second so far is shown second now and vice versa, which keeps every |first - second| <= 1; the
        balanced items fill the two sides evenly, alternating along theta in the adaptive phase so that
        near neighbours sit on opposite sides and can meet.
        """
        counts, balance = self.history.counts, self.history.balance
        open_items = ~_capped(counts, self.config)
        if int(open_items.sum()) < 2:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        min_open = int(counts[open_items].min())
        eligible = open_items.copy()
        if within_spread:
            eligible &= counts <= min_open + self.config.max_count_spread - 1
        order = np.lexsort((self.tiebreak, counts))
        order = order[eligible[order]]
        size = min(limit, order.size // 2)
        first: list[int] = []
        second: list[int] = []
        flexible: list[int] = []
        for item in order.tolist():
            if len(first) + len(second) + len(flexible) == 2 * size:
                break
            if balance[item] > 0:
                if len(second) < size:
                    second.append(item)
            elif balance[item] < 0:
                if len(first) < size:
                    first.append(item)
            else:
                flexible.append(item)
        flex = np.array(flexible, dtype=np.int64)
        flex = self.rng.permutation(flex) if self.coverage else flex[np.argsort(self.theta[flex], kind="stable")]
        total = len(first) + len(second) + flex.size
        to_first = min(max(0, (total + 1) // 2 - len(first)), flex.size)
        # Alternate along the order while both sides still need items, then fill whichever is short.
        alternating = min(to_first, flex.size - to_first)
        goes_first = np.zeros(flex.size, dtype=np.bool_)
        goes_first[: 2 * alternating : 2] = True
        goes_first[2 * alternating : 2 * alternating + to_first - alternating] = True
        return (
            np.concatenate([np.array(first, dtype=np.int64), flex[goes_first]]),
            np.concatenate([np.array(second, dtype=np.int64), flex[~goes_first]]),
        )

    def _weights(self, first: IntArray, second: IntArray) -> tuple[BoolArray, FloatArray]:
        """Which first-second pairs are allowed, and the assignment weight of each.

        The weight is lexicographic by construction: tier (unseen useful > useful repeat > unseen >
        repeat) dominates, then "not anchor against anchor", then the score, so the assignment maximises
        unseen useful pairs first and the information (or coverage) score last.
        """
        config = self.config
        repeats = np.zeros((first.size, second.size), dtype=np.int64)
        same_order_as_last = np.zeros((first.size, second.size), dtype=np.bool_)
        paired = np.zeros((first.size, second.size), dtype=np.bool_)
        for row, item in enumerate(first.tolist()):
            repeats[row] = self.history.meetings_with(item, self.n)[second]
            same_order_as_last[row] = np.isin(second, list(self.history.last_first_against[item]))
            paired[row] = np.isin(second, list(self.paired_in_wave[item]))
        # A repeat is shown in the reverse of its latest order: a second meeting reverses the first.
        allowed = (repeats < config.max_pair_repeats) & ~same_order_as_last & ~paired
        delta = self.theta[first][:, None] - self.theta[second][None, :]
        variance = self.se[first][:, None] ** 2 + self.se[second][None, :] ** 2
        useful = (
            np.ones(delta.shape, dtype=np.bool_)
            if self.coverage
            else np.asarray(pair_information(delta, variance) >= config.useful_min_information)
        )
        unseen = repeats == 0
        tier = np.where(unseen & useful, 3.0, np.where(useful, 2.0, np.where(unseen, 1.0, 0.0)))
        not_anchor_pair = ~(self.is_anchor[first][:, None] & self.is_anchor[second][None, :])
        score = self._scores(first, second, delta, variance)
        anchor_unit = _MAX_SCORE * (first.size + 1)
        tier_unit = (anchor_unit + _MAX_SCORE) * (first.size + 1)
        weight = tier * tier_unit + not_anchor_pair * anchor_unit + score
        return allowed, np.where(allowed, weight, -tier_unit)

    def _scores(self, first: IntArray, second: IntArray, delta: FloatArray, variance: FloatArray) -> FloatArray:
        # The random draw alone (random baseline, or no fit yet), or mixed into the adaptive score.
        score: FloatArray = self.rng.random(delta.shape)
        if self.fitted and self.config.adaptive:
            gain = variance_reduction(delta, variance)
            top = float(gain.max())
            scaled = gain / top if top > 0.0 else gain
            score = (1.0 - self.epsilon) * scaled + self.epsilon * score
        if self.coverage:
            other_component: FloatArray = (self.component[first][:, None] != self.component[second][None, :]).astype(
                np.float64
            )
            return 4.0 * other_component + 2.0 * self._anchor_novelty(first, second) + score
        return score

    def _anchor_novelty(self, first: IntArray, second: IntArray) -> FloatArray:
        """1.0 where the pair gives its anchor a student from the stratum that anchor has met least."""
        least_met = self.anchor_met == self.anchor_met.min(axis=1, keepdims=True)  # item x stratum
        first_anchor = self.is_anchor[first][:, None] & ~self.is_anchor[second][None, :]
        second_anchor = self.is_anchor[second][None, :] & ~self.is_anchor[first][:, None]
        novel_for_first = least_met[first][:, self.stratum[second]]
        novel_for_second = least_met[second][:, self.stratum[first]].T
        novel: FloatArray = ((first_anchor & novel_for_first) | (second_anchor & novel_for_second)).astype(np.float64)
        return novel

    def _record(self, pair: PlannedPair) -> None:
        a, b = pair.first, pair.second
        self.history.add(a, b)
        self.paired_in_wave[a].add(b)
        self.paired_in_wave[b].add(a)
        self._note_anchor_meeting(a, b)
        if self.component[a] != self.component[b]:
            self.component[self.component == self.component[b]] = self.component[a]


def plan_wave(state: PlanningState, config: PlannerConfig) -> list[PlannedPair]:
    """The next wave of pairs, in presentation order. Empty when no pair is allowed (caps, repeats)."""
    _validate(state)
    target = config.wave_size if config.wave_size is not None else state.n_items // 2
    if config.max_total_comparisons is not None:
        target = min(target, config.max_total_comparisons - len(state.comparisons))
    if state.n_items < 2 or target < 1:
        return []
    return _WaveBuilder(state, config).build(target)


def count_useful_pairs(
    n_items: int, comparisons: Sequence[Comparison], fit: FitResult | None, config: PlannerConfig
) -> int:
    """How many pairs could still be planned (caps, repeat limit) and are useful under ``fit``.

    Presentation order and in-wave rules are ignored: they only postpone a pair. Without a fit every
    allowed pair counts as useful. The stopping rule passes the pooled fit: this is a report on the
    batch, not a design choice.
    """
    _validate(PlanningState(n_items, comparisons, fit))
    history = _History(n_items, comparisons)
    open_items = ~_capped(history.counts, config)
    theta, se = _estimates(n_items, fit)
    total = 0
    for i in np.flatnonzero(open_items).tolist():
        allowed = open_items & (history.meetings_with(i, n_items) < config.max_pair_repeats)
        allowed[: i + 1] = False  # each unordered pair once
        if fit is not None:
            allowed &= pair_information(theta[i] - theta, se[i] ** 2 + se**2) >= config.useful_min_information
        total += int(allowed.sum())
    return total
