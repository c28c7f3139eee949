"""Which student wrote this essay? Names in the author hint, the file name and the first lines.

Scoring, all in 0..1:

1. **Normalise** every text: Unicode NFKD with the combining marks dropped (å, ä → a; ö → o;
   é → e), letters that do not decompose spelt out (ø → o, æ → ae, ß → ss, ł → l, đ → d),
   case-folded, and split into word tokens on anything that is not a letter. Order is lost on
   purpose, so "Karlsson Tuva" and "Tuva Karlsson" are the same evidence.
2. **Token similarity**: 1 for equal tokens; for tokens of at least 5 letters, the ``difflib``
   ratio when it is at least 0.85 (one typo: "Karlson" ~ "Karlsson" = 0.93); else 0. Shorter
   names must match exactly, so "Berg" is never taken for "Öberg".
3. **A student against one piece of evidence**: ``given`` = the best similarity of any of the
   student's given names (the first name field, which may hold middle names; Swedes often go
   by their second name), ``family`` = the mean over the last-name parts ("Berg-Lind" has two)
   of each part's best similarity. Both found: ``(given + family) / 2``; a middle name that is
   missing costs nothing. Only the family name: ``0.5 * family``. Only a given name:
   ``0.4 * given``.
4. **Evidence weight**: the author hint and the file name 1.0, the essay's first lines 0.9
   (more words, so more chance of a name by coincidence). A student's score is the best
   weighted score over the evidence.
5. **Confidence** = best score - half the runner-up's score, so two students who match
   equally well ("Tuva Karlsson" twice in a class) come out at half, below the default 0.6
   threshold, and the teacher decides.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

_UNDECOMPOSED = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe"})
_NOT_LETTERS = re.compile(r"[^\w]|[\d_]+")
_FUZZY_MIN_LENGTH = 5
_FUZZY_MIN_RATIO = 0.85
_FAMILY_ONLY_FACTOR = 0.5
_GIVEN_ONLY_FACTOR = 0.4


class EvidenceSource(StrEnum):
    AUTHOR_HINT = "author_hint"
    FILENAME = "filename"
    OPENING_LINES = "opening_lines"


EVIDENCE_WEIGHT: dict[EvidenceSource, float] = {
    EvidenceSource.AUTHOR_HINT: 1.0,
    EvidenceSource.FILENAME: 1.0,
    EvidenceSource.OPENING_LINES: 0.9,
}


@dataclass(frozen=True, slots=True)
class RosterStudent:
    student_id: UUID
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class Evidence:
    source: EvidenceSource
    text: str


@dataclass(frozen=True, slots=True)
class StudentScore:
    student_id: UUID
    score: float
    source: EvidenceSource


@dataclass(frozen=True, slots=True)
class Suggestion:
    student_id: UUID
    confidence: float
    score: float
    source: EvidenceSource
    runner_up: StudentScore | None


def normalise_tokens(text: str) -> list[str]:
    """Accent-, case- and punctuation-free word tokens of ``text``."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_UNDECOMPOSED)
    return [token for token in _NOT_LETTERS.split(bare) if token]


def essay_evidence(author_hint: str | None, filename: str | None, opening_text: str | None) -> list[Evidence]:
    """The pieces of evidence an uploaded essay offers, strongest first."""
    found: list[Evidence] = []
    if author_hint and author_hint.strip():
        found.append(Evidence(EvidenceSource.AUTHOR_HINT, author_hint))
    if filename and filename.strip():
        stem = filename.rsplit(".", 1)[0] if "." in filename else filename
        found.append(Evidence(EvidenceSource.FILENAME, stem))
    if opening_text and opening_text.strip():
        found.append(Evidence(EvidenceSource.OPENING_LINES, opening_text))
    return found


def opening_lines(text: str, count: int) -> str:
    """The first ``count`` non-empty lines of ``text``, each capped so a wall of text stays small."""
    lines = [line.strip()[:200] for line in text.splitlines() if line.strip()]
    return "\n".join(lines[:count])


def _similarity(name_token: str, tokens: Iterable[str]) -> float:
    best = 0.0
    for token in tokens:
        if token == name_token:
            return 1.0
        if min(len(token), len(name_token)) >= _FUZZY_MIN_LENGTH:
            ratio = difflib.SequenceMatcher(None, name_token, token).ratio()
            if ratio >= _FUZZY_MIN_RATIO:
                best = max(best, ratio)
    return best


def score_student(student: RosterStudent, tokens: Sequence[str]) -> float:
    """How well one piece of evidence (as tokens) names ``student``: 0..1, unweighted."""
    given_names = normalise_tokens(student.first_name)
    family_parts = normalise_tokens(student.last_name)
    token_set = set(tokens)
    given = max((_similarity(name, token_set) for name in given_names), default=0.0)
    family = sum(_similarity(part, token_set) for part in family_parts) / len(family_parts) if family_parts else 0.0
    if given > 0 and family > 0:
        return (given + family) / 2
    if family > 0:
        return _FAMILY_ONLY_FACTOR * family
    return _GIVEN_ONLY_FACTOR * given


def rank_students(roster: Sequence[RosterStudent], evidence: Sequence[Evidence]) -> list[StudentScore]:
    """Every student with a non-zero score, best first."""
    tokenised = [(item.source, normalise_tokens(item.text)) for item in evidence]
    scores: list[StudentScore] = []
    for student in roster:
        best: StudentScore | None = None
        for source, tokens in tokenised:
            weighted = EVIDENCE_WEIGHT[source] * score_student(student, tokens)
            if weighted > 0 and (best is None or weighted > best.score):
                best = StudentScore(student.student_id, weighted, source)
        if best is not None:
            scores.append(best)
    # Ties keep a stable order (by id) so the same inputs always give the same suggestion.
    return sorted(scores, key=lambda s: (-s.score, str(s.student_id)))


def suggest_student(
    roster: Sequence[RosterStudent], evidence: Sequence[Evidence], *, min_confidence: float
) -> Suggestion | None:
    """The most likely author, or ``None`` when no student reaches ``min_confidence``."""
    ranked = rank_students(roster, evidence)
    if not ranked:
        return None
    best = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else None
    confidence = max(0.0, min(1.0, best.score - (runner_up.score / 2 if runner_up else 0.0)))
    if confidence < min_confidence:
        return None
    return Suggestion(best.student_id, round(confidence, 4), round(best.score, 4), best.source, runner_up)
