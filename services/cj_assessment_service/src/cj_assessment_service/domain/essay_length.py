"""Essay length as the covariate the LLM may be biased on in a moderation fit (issue 24). No I/O.

LLM judges tend to prefer longer essays (verbosity bias). Declared to ``cj_engine.judge_fit.fit_judges`` as
a covariate, the LLM sees theta + z * beta and the teachers theta, so teacher verdicts on pairs that differ in
length teach beta and correct every essay for it, including those no teacher judged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from cj_engine.types import FloatArray

# A word is a run of characters other than ASCII whitespace. One pattern for PostgreSQL (``regexp_count`` in
# the moderation repository) and Python: ``\s`` would follow the database's locale, this class does not.
WORD_PATTERN = r"[^ \t\n\r\f\v]+"
_WORD = re.compile(WORD_PATTERN)

# Below this SD of log(1 + words) (lengths within about 1 % of each other) length cannot explain a
# preference, and z-scores would only magnify rounding: no covariate.
MIN_LOG_LENGTH_SD = 0.01
MIN_ESSAYS = 3


def word_count(text: str) -> int:
    """What the moderation repository computes in SQL, for fakes and tests."""
    return len(_WORD.findall(text))


def length_covariate(words: Sequence[int]) -> FloatArray | None:
    """The within-job z-score of log(1 + words), one column (n x 1), in the order of ``words`` (anchors
    included: they are judged like essays). None when length cannot be learnt from: fewer than three essays,
    or lengths too alike (``MIN_LOG_LENGTH_SD``)."""
    if len(words) < MIN_ESSAYS:
        return None
    if any(w < 0 for w in words):
        raise ValueError("a word count cannot be negative")
    log_length = np.log1p(np.asarray(words, dtype=np.float64))
    sd = float(log_length.std())  # population SD: the column has mean 0 and variance 1 over the job
    if not math.isfinite(sd) or sd < MIN_LOG_LENGTH_SD:
        return None
    z: FloatArray = (log_length - log_length.mean()) / sd
    return z.reshape(-1, 1)
