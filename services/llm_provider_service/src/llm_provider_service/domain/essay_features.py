"""Text features the mock judge reads from the essays themselves (PITFALLS: a mock that ignores them).

Each feature is scored 0..1 (1 = best); ``quality`` combines them. The spelling word list is
pyspellchecker's English frequency list, loaded once.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from functools import cache, lru_cache

_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

# The band of essay lengths (words) that earns full marks; school essays of a few hundred words.
LENGTH_BAND = (250, 700)
WEIGHTS = {"length": 1.0, "vocabulary": 1.4, "spelling": 1.8, "sentence_variety": 0.8, "paragraphing": 0.6}
FEATURE_NAMES = {
    "length": "length",
    "vocabulary": "vocabulary richness",
    "spelling": "spelling accuracy",
    "sentence_variety": "sentence variety",
    "paragraphing": "paragraphing",
}


@cache
def _english_words() -> frozenset[str]:
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="en").word_frequency.dictionary)


@dataclass(frozen=True)
class EssayFeatures:
    words: int
    length: float
    vocabulary: float
    spelling: float
    spelling_error_rate: float
    sentence_variety: float
    paragraphing: float

    def quality(self) -> float:
        weighted: float = sum(weight * float(getattr(self, name)) for name, weight in WEIGHTS.items())
        return weighted / sum(WEIGHTS.values())

    def score(self, name: str) -> float:
        return float(getattr(self, name))


def _length_score(words: int) -> float:
    low, high = LENGTH_BAND
    if words <= 0:
        return 0.0
    if low <= words <= high:
        return 1.0
    # Falls off with the log-distance from the band: half marks at half or double length.
    distance = math.log2(low / words) if words < low else math.log2(words / high)
    return max(0.0, 1.0 - 0.5 * distance)


def _vocabulary_score(tokens: list[str]) -> float:
    if not tokens:
        return 0.0
    # Guiraud's index (types / sqrt(tokens)) is far less length-dependent than the raw type-token ratio.
    guiraud = len(set(tokens)) / math.sqrt(len(tokens))
    return min(1.0, max(0.0, (guiraud - 3.0) / 7.0))


def _sentence_variety_score(text: str) -> float:
    lengths = [len(_WORD.findall(s)) for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    if len(lengths) < 2:
        return 0.0
    variation = statistics.pstdev(lengths) / max(1.0, statistics.mean(lengths))
    mean = statistics.mean(lengths)
    # Varied sentences of a readable mean length (about 10-25 words) score best.
    readable = 1.0 if 10 <= mean <= 25 else max(0.0, 1.0 - abs(mean - (10 if mean < 10 else 25)) / 15)
    return min(1.0, variation / 0.5) * readable


def _paragraphing_score(text: str, words: int) -> float:
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    if words < 120:
        return 1.0 if paragraphs else 0.0
    per_paragraph = words / max(1, len(paragraphs))
    if 40 <= per_paragraph <= 180:
        return 1.0
    return max(0.0, 1.0 - abs(math.log2(per_paragraph / (40 if per_paragraph < 40 else 180))) / 2)


@lru_cache(maxsize=4096)
def essay_features(text: str, language: str = "en") -> EssayFeatures:
    """The features of one essay; cached, since a CJ wave compares each essay many times."""
    tokens = [w.lower().strip("'\u2019-") for w in _WORD.findall(text)]
    tokens = [t for t in tokens if t]
    words = len(tokens)
    if language.lower().startswith("en") and tokens:
        known = _english_words()
        misspelt = sum(1 for t in tokens if t not in known and t.replace("\u2019", "'") not in known)
        error_rate = misspelt / words
    else:
        error_rate = 0.0  # no word list for this language: the feature does not discriminate
    return EssayFeatures(
        words=words,
        length=_length_score(words),
        vocabulary=_vocabulary_score(tokens),
        spelling=max(0.0, 1.0 - error_rate / 0.08),  # 8% or more misspelt words scores zero
        spelling_error_rate=error_rate,
        sentence_variety=_sentence_variety_score(text),
        paragraphing=_paragraphing_score(text, words),
    )
