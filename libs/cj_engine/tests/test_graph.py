"""The comparison graph: actual comparison counts, connected components, array conversion."""

from __future__ import annotations

import numpy as np
import pytest

from cj_engine.graph import ComparisonArrays, comparisons_per_item, connected_components
from cj_engine.types import Comparison

COMPARISONS = [
    Comparison(0, 1, 0),
    Comparison(1, 0, 0, weight=5.0),
    Comparison(2, 3, 3),
    Comparison(0, 1, 1),
]


def test_counts_are_actual_comparisons_with_duplicates_and_no_weights() -> None:
    assert comparisons_per_item(5, COMPARISONS).tolist() == [3, 3, 1, 1, 0]


def test_components_count_isolated_items_and_label_consistently() -> None:
    n_components, labels = connected_components(5, COMPARISONS)
    assert n_components == 3
    assert labels[0] == labels[1]
    assert labels[2] == labels[3]
    assert len({int(labels[0]), int(labels[2]), int(labels[4])}) == 3


def test_no_comparisons_every_item_is_its_own_component() -> None:
    n_components, labels = connected_components(4, [])
    assert n_components == 4
    assert sorted(labels.tolist()) == [0, 1, 2, 3]
    assert comparisons_per_item(4, []).tolist() == [0, 0, 0, 0]


def test_a_chain_is_one_component() -> None:
    chain = [Comparison(i, i + 1, i) for i in range(9)]
    assert connected_components(10, chain)[0] == 1


def test_arrays_keep_order_outcome_and_weight() -> None:
    arrays = ComparisonArrays.from_comparisons(5, COMPARISONS)
    assert arrays.n_comparisons == 4
    assert arrays.first.tolist() == [0, 1, 2, 0]
    assert arrays.second.tolist() == [1, 0, 3, 1]
    assert arrays.first_won.tolist() == [1.0, 0.0, 0.0, 0.0]
    assert arrays.weight.tolist() == [1.0, 5.0, 1.0, 1.0]
    assert arrays.first.dtype == np.int64
    # The graph functions accept the arrays as well as the comparisons.
    assert comparisons_per_item(5, arrays).tolist() == comparisons_per_item(5, COMPARISONS).tolist()
    assert connected_components(5, arrays)[0] == 3


def test_out_of_range_and_mismatched_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="out of range"):
        ComparisonArrays.from_comparisons(3, [Comparison(0, 3, 0)])
    with pytest.raises(ValueError, match="at least 1"):
        ComparisonArrays.from_comparisons(0, [])
    with pytest.raises(ValueError, match="n_items"):
        comparisons_per_item(6, ComparisonArrays.from_comparisons(5, COMPARISONS))
