"""Token estimates from text, so the mock's usage and the rate limiter's budgets are realistic."""

from __future__ import annotations

import math

# About four characters per token for English prose with the common BPE tokenizers.
CHARS_PER_TOKEN = 4.0


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN)) if text else 0
