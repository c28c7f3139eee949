"""Scale separation reliability (SSR): reported beside every fit, never used to stop (see ``reliability``).

Its own module because the fit reports it and the reliability estimates refit: neither may import the other's
module to reach it.
"""

from __future__ import annotations

import numpy as np

from cj_engine.types import FloatArray


def scale_separation_reliability(theta: FloatArray, se: FloatArray) -> float:
    """SSR = (observed variance of theta - mean SE^2) / observed variance of theta, clamped to [0, 1].

    The observed variance is the population variance (ddof=0) of the centred theta, and mean SE^2 is the
    average error variance, so SSR is the share of the observed spread that is not measurement error.
    Fewer than 2 items or zero spread give 0.0: there is no scale to be reliable about.
    """
    theta_arr = np.asarray(theta, dtype=np.float64)
    se_arr = np.asarray(se, dtype=np.float64)
    if theta_arr.shape != se_arr.shape:
        raise ValueError("theta and se must have the same shape")
    if theta_arr.size < 2:
        return 0.0
    observed = float(np.var(theta_arr))
    if not observed > 0.0:
        return 0.0
    ssr = (observed - float(np.mean(se_arr**2))) / observed
    return float(np.clip(ssr, 0.0, 1.0))
