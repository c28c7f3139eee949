"""How much a comparison is worth to the planner: expected information and the exploration weight.

Kept apart from the wave builder so the formulas can be read (and tested) on their own.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from cj_engine.types import FloatArray


def predicted_win_probability(delta: FloatArray, variance: FloatArray) -> FloatArray:
    """P(i beats j) for theta_i - theta_j = ``delta`` whose uncertainty is ``variance`` (se_i^2 + se_j^2).

    The logistic is averaged over the uncertainty with the probit approximation
    E[sigmoid(x)] ~ sigmoid(mu / sqrt(1 + pi * var / 8)): an uncertain pair is predicted closer to 0.5,
    so two items that look far apart but are barely measured still count as informative.
    """
    return np.asarray(expit(delta / np.sqrt(1.0 + math.pi * variance / 8.0)), dtype=np.float64)


def pair_information(delta: FloatArray, variance: FloatArray) -> FloatArray:
    """Expected Fisher information p(1 - p) of one comparison about theta_i - theta_j (at most 0.25)."""
    p = predicted_win_probability(delta, variance)
    return p * (1.0 - p)


def variance_reduction(delta: FloatArray, variance: FloatArray) -> FloatArray:
    """Expected reduction of the posterior variance of theta_i - theta_j from one more comparison.

    With prior variance v and information I, the posterior variance is v / (1 + v I), so the reduction
    is v^2 I / (1 + v I). This is the planner's score: it prefers p(win) near 0.5 (large I) and, among
    such pairs, the items whose estimates are still uncertain (large v), which is what "weighted by the
    items' current SE" means here.
    """
    information = pair_information(delta, variance)
    return variance**2 * information / (1.0 + variance * information)


def exploration_weight(se: FloatArray, exploration: float) -> float:
    """The weight of the random component in the adaptive score, in [0, exploration].

    ``exploration * min(1, mean SE^2)`` with SE in logits: while items are measured to about a logit or
    worse, the information score itself is unreliable and the planner mostly explores; it settles
    towards pure information as the SEs shrink (about exploration / 2 at SE 0.7, a quarter at SE 0.5).
    Exploration also keeps the design from following early lucky wins, the mechanism that inflates SSR.
    """
    if se.size == 0:
        return exploration
    return float(exploration * min(1.0, float(np.mean(se**2))))
