"""The mock judge's verdicts: deterministic (hashlib, never ``hash()``), and driven by the essays."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from llm_provider_service.domain.essay_features import FEATURE_NAMES, WEIGHTS, EssayFeatures, essay_features
from llm_provider_service.domain.verdicts import Verdict, Winner

# How strongly a quality difference (0..1 scale) moves the logit.
QUALITY_SCALE = 12.0


def seeded_unit(*parts: str) -> float:
    """A uniform number in (0, 1) from ``parts``: the same inputs give the same number in every process."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2**64


def logistic_noise(scale: float, *parts: str) -> float:
    u = seeded_unit(*parts)
    return scale * math.log(u / (1 - u))


@dataclass(frozen=True)
class JudgeSettings:
    profile: str = "heuristic"
    seed: str = "huleedu"
    noise_scale: float = 0.35
    position_bias: float = 0.0


def _confidence(margin: float) -> int:
    # |logit| bands: a coin flip is confidence 1, a clear difference 5.
    return 1 + sum(margin > edge for edge in (0.5, 1.2, 2.2, 3.5))


def _justification(winner: Winner, a: EssayFeatures, b: EssayFeatures, max_chars: int) -> str:
    better, worse = (a, b) if winner == "A" else (b, a)
    deciding = sorted(WEIGHTS, key=lambda name: WEIGHTS[name] * (better.score(name) - worse.score(name)), reverse=True)
    reasons = [FEATURE_NAMES[name] for name in deciding[:2] if better.score(name) > worse.score(name)]
    text = f"Essay {winner} is stronger"
    if reasons:
        text += " on " + " and ".join(reasons)
    if "spelling" in deciding[:2] and better.spelling > worse.spelling:
        text += f" ({better.spelling_error_rate:.1%} vs {worse.spelling_error_rate:.1%} misspelt words)"
    return (text + ".")[:max_chars]


def judge_pair(text_a: str, text_b: str, language: str, settings: JudgeSettings, max_chars: int) -> Verdict:
    """The verdict of one profile on one pair."""
    key = (settings.seed, hashlib.sha256(text_a.encode()).hexdigest(), hashlib.sha256(text_b.encode()).hexdigest())
    if settings.profile == "first_position":
        return Verdict("A", 3, "Essay A (first position profile).")
    if settings.profile == "coin":
        winner: Winner = "A" if seeded_unit(*key, "coin") < 0.5 else "B"
        return Verdict(winner, 1, f"Essay {winner} (coin profile).")
    a, b = essay_features(text_a, language), essay_features(text_b, language)
    logit = QUALITY_SCALE * (a.quality() - b.quality()) + settings.position_bias
    logit += logistic_noise(settings.noise_scale, *key, "noise")
    winner = "A" if logit > 0 else "B"
    return Verdict(winner, _confidence(abs(logit)), _justification(winner, a, b, max_chars))
