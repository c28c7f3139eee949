"""Submission order of a wave for ``serial_bundle``: consecutive pairs share essays. No I/O.

LPS bundles up to K consecutive comparisons of a lane (in submission order) into one provider call
and shows each distinct essay once per call, so a bundle saves input tokens only as far as its K
pairs share essays. The planner emits a wave round by round, each round a matching (every essay at
most once), so K consecutive planned pairs carry 2K different essays. Here the wave's pair graph is
walked instead: each next pair continues from the essay the previous one ended on, so a serial-bundle
wave of two rounds (a graph of paths and cycles) is laid out path by path and cycle by cycle, and a
window of K pairs carries about K + 1 essays.

Only the order changes: every pair keeps its presentation order (who is A), so the planner's position
balance is untouched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from cj_engine.planner import PlannedPair


def order_for_bundles(pairs: Sequence[PlannedPair]) -> list[PlannedPair]:
    """The same pairs (same objects, same orientation), reordered so that neighbours share essays.

    Deterministic: ties go to the pair planned first. A walk starts at the least-connected essay
    left (a path's end), so a path is laid out end to end instead of from its middle outwards.
    """
    incident: dict[int, list[int]] = defaultdict(list)
    for index, pair in enumerate(pairs):
        incident[pair.first].append(index)
        incident[pair.second].append(index)
    used = [False] * len(pairs)
    # Unused pairs per essay: an essay with none left is a dead end for the walk.
    remaining = {essay: len(indices) for essay, indices in incident.items()}

    def take(index: int) -> None:
        used[index] = True
        remaining[pairs[index].first] -= 1
        remaining[pairs[index].second] -= 1

    def next_from(essay: int) -> int | None:
        return next((i for i in incident[essay] if not used[i]), None)

    def walk_start() -> tuple[int, int]:
        """The pair to start a new walk with, and the essay the walk leaves it by (called while one is left)."""
        _, index, exit_ = min(
            (remaining[entry], index, exit_)
            for index, pair in enumerate(pairs)
            if not used[index]
            for entry, exit_ in ((pair.first, pair.second), (pair.second, pair.first))
        )
        return index, exit_

    order: list[int] = []
    while len(order) < len(pairs):
        index, frontier = walk_start()
        take(index)
        order.append(index)
        while True:
            last = pairs[order[-1]]
            other = last.first if frontier == last.second else last.second
            # Continue from the frontier; if it is a dead end, branch from the last pair's other essay.
            step = next_from(frontier)
            if step is None:
                step = next_from(other)
                frontier = other if step is not None else frontier
            if step is None:
                break
            following = pairs[step]
            frontier = following.second if following.first == frontier else following.first
            take(step)
            order.append(step)
    return [pairs[i] for i in order]
