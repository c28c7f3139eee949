"""The comparison graph: items are nodes, every comparison is an edge.

The fit, the reliability measures and the planner all read comparisons as flat numpy arrays, so the
conversion from ``Comparison`` objects (and its range check) lives here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as _scipy_components

from cj_engine.types import Comparison, FloatArray, IntArray


@dataclass(frozen=True)
class ComparisonArrays:
    """Comparisons as parallel arrays, one entry per comparison (duplicates kept).

    ``first_won`` is 1.0 when the item shown first won and 0.0 otherwise; ``weight`` is each
    comparison's own weight (whether it is used is the fit's decision, not this container's).
    """

    n_items: int
    first: IntArray
    second: IntArray
    first_won: FloatArray
    weight: FloatArray

    @classmethod
    def from_comparisons(cls, n_items: int, comparisons: Sequence[Comparison]) -> ComparisonArrays:
        if n_items < 1:
            raise ValueError("n_items must be at least 1")
        m = len(comparisons)
        first = np.fromiter((c.first for c in comparisons), dtype=np.int64, count=m)
        second = np.fromiter((c.second for c in comparisons), dtype=np.int64, count=m)
        first_won = np.fromiter((c.winner == c.first for c in comparisons), dtype=np.float64, count=m)
        weight = np.fromiter((c.weight for c in comparisons), dtype=np.float64, count=m)
        if m and (min(first.min(), second.min()) < 0 or max(first.max(), second.max()) >= n_items):
            raise ValueError(f"comparison item index out of range for n_items={n_items}")
        return cls(n_items=n_items, first=first, second=second, first_won=first_won, weight=weight)

    @property
    def n_comparisons(self) -> int:
        return int(self.first.shape[0])


def as_comparison_arrays(n_items: int, comparisons: Sequence[Comparison] | ComparisonArrays) -> ComparisonArrays:
    """The comparisons as arrays; arrays given are passed through after checking ``n_items``."""
    if isinstance(comparisons, ComparisonArrays):
        if comparisons.n_items != n_items:
            raise ValueError("n_items does not match the ComparisonArrays given")
        return comparisons
    return ComparisonArrays.from_comparisons(n_items, comparisons)


def comparisons_per_item(n_items: int, comparisons: Sequence[Comparison] | ComparisonArrays) -> IntArray:
    """How many comparisons each item took part in: actual counts, duplicates included, weights ignored."""
    arrays = as_comparison_arrays(n_items, comparisons)
    counts = np.bincount(arrays.first, minlength=n_items) + np.bincount(arrays.second, minlength=n_items)
    return counts.astype(np.int64)


def connected_components(n_items: int, comparisons: Sequence[Comparison] | ComparisonArrays) -> tuple[int, IntArray]:
    """The number of connected components and each item's component label (0-based).

    An item never compared is a component of its own: its position relative to the rest is known only
    through the prior, which is exactly what the count should warn about.
    """
    arrays = as_comparison_arrays(n_items, comparisons)
    ones = np.ones(arrays.n_comparisons, dtype=np.int8)
    adjacency = coo_matrix((ones, (arrays.first, arrays.second)), shape=(n_items, n_items)).tocsr()
    n_components, labels = _scipy_components(adjacency, directed=False)
    return int(n_components), labels.astype(np.int64)
