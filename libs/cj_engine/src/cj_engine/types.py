"""The engine's shared data types: comparisons in, fits out.

Items are indexed 0..n-1; the caller maps its own ids (essay ids) to indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Comparison:
    """One judgement. ``first`` was shown first (position A), ``second`` second (position B)."""

    first: int
    second: int
    winner: int
    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.first == self.second:
            raise ValueError("a comparison needs two different items")
        if self.winner not in (self.first, self.second):
            raise ValueError("the winner must be one of the two items compared")
        if not (self.weight > 0 and np.isfinite(self.weight)):
            raise ValueError("weight must be a positive finite number")

    @property
    def loser(self) -> int:
        return self.second if self.winner == self.first else self.first

    @property
    def first_won(self) -> bool:
        return self.winner == self.first


@dataclass(frozen=True)
class FitOptions:
    """How to fit. The defaults suit CJ batches of 2 to a few thousand essays."""

    prior_sd: float = 3.0  # weak N(0, prior_sd^2) prior on each theta: finite estimates always
    estimate_position: bool = True  # fit the log-odds that the first-shown essay wins
    position_prior_sd: float = 1.0
    use_weights: bool = False  # per-comparison weights (e.g. judge confidence); off by default
    # The share of judgements that are a coin flip whatever the essays: P(first wins) = lapse/2 + (1 - lapse)
    # sigmoid(...). 0 is the plain Bradley-Terry model; cj_engine.grade_fit estimates it.
    lapse: float = 0.0
    tol: float = 1e-8
    max_iter: int = 200


@dataclass(frozen=True)
class FitResult:
    """Bradley-Terry estimates on the logit scale, centred at 0 and corrected for position."""

    theta: FloatArray
    se: FloatArray  # from the prior-regularised Fisher information, same identification as theta
    position_effect: float  # log-odds that the essay shown first wins (0 if not estimated)
    position_se: float
    comparisons_per_item: IntArray
    n_components: int  # connected components of the comparison graph
    ssr: float  # scale separation reliability, clamped to [0, 1]; inflated by adaptive pairing
    converged: bool
    iterations: int
    extra: dict[str, float] = field(default_factory=dict)
    # The posterior covariance of the centred theta (n x n), with fit_bradley_terry(..., covariance=True):
    # what a grade projection needs to take an essay's theta jointly with the anchors'.
    covariance: FloatArray | None = None
    lapse: float = 0.0  # the lapse share the fit used (FitOptions.lapse)

    @property
    def n_items(self) -> int:
        return int(self.theta.shape[0])
