"""What one more teacher verdict would teach the fit: the expected shrinkage of the essays' posterior variances.

The moderation plan (``moderation_plan``) chooses its pairs one at a time by ``TeacherDesign.gain``, the
expected reduction of trace(Cov theta) from a teacher's verdict on a pair, and after each choice updates the
covariance as if the verdict had been given (``observe``: the Gaussian rank-one update of a logistic
observation at its expected information). Why the trace of the full covariance, not the pair's own variance
(the adaptive planner's ``variance_reduction``): with a declared covariate (``judge_fit``'s ``covariates``),
every essay that has the feature shares the uncertainty of the LLM's bias beta, so their thetas are
correlated and one verdict on a pair that differs in the feature shrinks all of them at once. The trace also
says when the bias is known well enough: the gain of a contrast pair falls with Var(beta), and boundary pairs
take over.

Why the teachers' log discriminations are in the covariance too: a contrast pair of two essays the LLM put
level tells mostly the product a_teacher * beta, and a's prior is centred on the LLM's 1 while a teacher is
noisier, so a plan that seeks beta alone leaves a too large and beta too small. Measured on
scripts/bench/bench_cj_moderation.py (seeds 0-19, length declared; beta's truth about 1.48 on the fitted
scale, a's about 0.65), with an exhaustive greedy search: theta alone in the trace gave beta 0.92 and a 0.82,
and left 0.236 logits of the 0.632 bias on the biased essays (no better than the earlier fixed quotas, 0.237);
theta and log a gave beta 1.16 and a 0.77, and left 0.117. The same seeds with the plan's lazy search leave
0.196: a few other pairs, and other presentation orders and so other coin flips for the teacher, move a
20-seed figure that much (README, "Teacher moderation", gives the bootstrap interval).

A teacher verdict on (i, j) is sigmoid(a (theta_i - theta_j) + gamma) with the teachers' discrimination a on
the LLM's scale (their fitted mean, or the prior's 1 before any teacher has judged); its gradient is
a (e_i - e_j), its expected Fisher weight p (1 - p) with p averaged over the pair's uncertainty
(``planner_scoring.pair_information``).
"""

from __future__ import annotations

import numpy as np

from cj_engine.judge_fit import MultiJudgeFit
from cj_engine.planner_scoring import pair_information
from cj_engine.types import FloatArray, IntArray


class TeacherDesign:
    """The covariance of (theta, the teachers' log discriminations) that the verdicts planned so far would
    leave, and the gain of one more.

    Kept as the fit's covariance less the planned verdicts' rank-one terms, U U' (one column each), never
    updated in place: a gain then costs O(size x verdicts planned), where a dense update per verdict cost
    O(size^2) (seconds for a plan of 500 verdicts at 1,000 essays)."""

    def __init__(self, fit: MultiJudgeFit) -> None:
        self.theta = fit.fit.theta
        n = self.theta.shape[0]
        teachers = [j for j in fit.judges if not j.is_reference]
        theta_cov = fit.fit.covariance if fit.fit.covariance is not None else np.diag(fit.fit.se**2)
        cross, b_cov = fit.theta_log_discrimination_covariance, fit.log_discrimination_covariance
        decided = np.array([j.n_decisions for j in teachers], dtype=np.float64)
        if cross is None or b_cov is None or decided.sum() == 0:
            # no teacher verdict yet (or no joint covariance): one teacher, log a at its prior, independent
            cross, b_cov = np.zeros((n, 1)), np.array([[fit.discrimination_prior_sd**2]])
            decided = np.ones(1)
        self._base = np.block([[theta_cov, cross], [cross.T, b_cov]])
        self._updates = np.zeros((self._base.shape[0], 0))
        # the next verdicts come from the teachers in the proportions they have judged so far
        self.shares = decided / decided.sum()
        self._b_column = self._base[:, n:] @ self.shares  # Sigma's log-a columns times the shares, kept current
        self.discrimination = teacher_discrimination(fit)

    @property
    def covariance(self) -> FloatArray:
        """The current joint covariance, dense (for inspection; the plan never needs it whole)."""
        return np.asarray(self._base - self._updates @ self._updates.T, dtype=np.float64)

    def _gradient_image(self, first: IntArray, second: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per pair: the Fisher weight p (1 - p), Sigma g ((n + teachers) x pairs, g the verdict's gradient
        a (e_i - e_j) on theta and a (theta_i - theta_j) shares on log a) and g' Sigma g."""
        n, a, base, updates = self.theta.shape[0], self.discrimination, self._base, self._updates
        delta = self.theta[first] - self.theta[second]
        # Sigma (e_i - e_j) as base less U U' (rows of the symmetric base: contiguous)
        spread = (base[first] - base[second]).T - updates @ (updates[first] - updates[second]).T
        image = a * (spread + np.outer(self._b_column, delta))
        columns = np.arange(first.shape[0])
        quadratic = a * (image[first, columns] - image[second, columns]) + a * delta * (self.shares @ image[n:])
        theta_variance = np.maximum(spread[first, columns] - spread[second, columns], 0.0)
        weight = pair_information(a * delta, a**2 * theta_variance)
        return weight, image, np.maximum(quadratic, 0.0)

    def gain(self, first: IntArray, second: IntArray) -> FloatArray:
        """Expected reduction of trace(Cov theta) from one teacher verdict on each pair (first[k], second[k])."""
        if first.shape[0] == 0:
            return np.zeros(0)
        weight, image, quadratic = self._gradient_image(first, second)
        n = self.theta.shape[0]
        return np.asarray(weight * np.einsum("ij,ij->j", image[:n], image[:n]) / (1.0 + weight * quadratic))

    def observe(self, first: int, second: int) -> None:
        """Update the covariance as if a teacher had judged (first, second)."""
        weight, image, quadratic = self._gradient_image(np.array([first]), np.array([second]))
        column = image[:, 0] * np.sqrt(weight[0] / (1.0 + weight[0] * quadratic[0]))
        self._updates = np.column_stack([self._updates, column])
        self._b_column = self._b_column - column * float(column[self.theta.shape[0] :] @ self.shares)


def teacher_discrimination(fit: MultiJudgeFit) -> float:
    """The non-reference judges' discrimination on the LLM's scale, weighted by their verdicts; 1 (the prior's
    centre) before any has judged."""
    others = [j for j in fit.judges if not j.is_reference and j.n_decisions > 0]
    if not others:
        return 1.0
    total = sum(j.n_decisions for j in others)
    return sum(j.discrimination * j.n_decisions for j in others) / total
