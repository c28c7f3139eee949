"""The serial_bundle submission order: a permutation that keeps every pair, and neighbours share essays."""

from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.bundle_order import order_for_bundles
from cj_engine.planner import PlannedPair

K = 8  # LPS's default serial bundle size


def essays_per_window(pairs: Sequence[PlannedPair], k: int = K) -> list[int]:
    """Distinct essays in each bundle LPS would form from this order (K consecutive pairs)."""
    return [len({e for p in pairs[i : i + k] for e in (p.first, p.second)}) for i in range(0, len(pairs), k)]


def component_of(pairs: Sequence[PlannedPair]) -> dict[int, int]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    for p in pairs:
        parent[find(p.first)] = find(p.second)
    return {e: find(e) for e in parent}


@st.composite
def max_degree_two_waves(draw: st.DrawFn) -> list[PlannedPair]:
    """A random graph of disjoint cycles (length >= 3) and paths, in a shuffled order and orientation."""
    n = draw(st.integers(min_value=2, max_value=60))
    essays = draw(st.permutations(range(n)))
    pairs: list[PlannedPair] = []
    start = 0
    while start < n:
        size = draw(st.integers(min_value=2, max_value=n - start)) if n - start > 2 else n - start
        part = essays[start : start + size]
        start += size
        edges = list(pairwise(part))
        if size >= 3 and draw(st.booleans()):
            edges.append((part[-1], part[0]))  # close the path into a cycle
        pairs += [PlannedPair(a, b) if draw(st.booleans()) else PlannedPair(b, a) for a, b in edges]
    return draw(st.permutations(pairs))


@given(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), max_size=60))
def test_any_wave_keeps_its_pairs_and_their_orientation(raw: list[tuple[int, int]]):
    pairs = [PlannedPair(a, b) for a, b in raw if a != b]
    ordered = order_for_bundles(pairs)
    assert Counter(ordered) == Counter(pairs)  # dataclass equality: first and second as planned
    assert order_for_bundles(pairs) == ordered  # deterministic


@settings(max_examples=200)
@given(max_degree_two_waves())
def test_on_paths_and_cycles_each_component_is_walked_in_one_piece(pairs: list[PlannedPair]):
    ordered = order_for_bundles(pairs)
    assert Counter(ordered) == Counter(pairs)
    component = component_of(pairs)
    blocks = [component[p.first] for p in ordered]
    # Each component appears as one contiguous block ...
    seen_blocks = [b for i, b in enumerate(blocks) if i == 0 or blocks[i - 1] != b]
    assert len(seen_blocks) == len(set(seen_blocks))
    # ... in which every pair continues from an essay of the pair before it.
    for before, after in pairwise(ordered):
        if component[before.first] == component[after.first]:
            assert {before.first, before.second} & {after.first, after.second}


@settings(max_examples=200)
@given(max_degree_two_waves(), st.integers(min_value=2, max_value=12))
def test_a_bundle_carries_at_most_one_essay_more_per_component_than_pairs(pairs: list[PlannedPair], k: int):
    """K walked pairs of one path span K + 1 essays (K on a closed cycle); each extra component adds one."""
    ordered = order_for_bundles(pairs)
    component = component_of(pairs)
    for i in range(0, len(ordered), k):
        window = ordered[i : i + k]
        touched = len({component[p.first] for p in window})
        assert essays_per_window(window, k) == [len({e for p in window for e in (p.first, p.second)})]
        assert essays_per_window(window, k)[0] <= len(window) + touched


def test_a_two_round_cj_wave_fits_a_bundle_of_eight_in_about_nine_essays():
    """The service's serial_bundle wave (two rounds) for 40 essays, as planned and as submitted."""
    budget = cj_loop.Budget(max_comparisons_per_item=20, target_reliability=0.8, min_comparisons_per_item=6)
    config = cj_loop.planner_config(seed=3, n_items=40, budget=budget, wave_size_multiplier=2)
    planned = cj_loop.plan_next_wave(40, [], None, frozenset(), 0, config)
    assert len(planned) == 40
    ordered = order_for_bundles(planned)
    # The planner's order is round by round (matchings): a bundle of 8 pairs shows about 16 essays.
    assert min(essays_per_window(planned)) >= 15
    walked = essays_per_window(ordered)
    assert sum(walked) / len(walked) <= 10
    assert max(walked) <= 11
