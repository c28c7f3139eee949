"""Tolerant parsing of verdicts: fenced JSON is fine; a missing or ambiguous winner is an error.

An unparseable verdict never defaults to "A" (PITFALLS: a silent position bias); it is an
``INVALID_RESPONSE`` that the worker retries once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from llm_provider_service.domain.failures import FailureCode, ProviderError

Winner = Literal["A", "B"]
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_WINNER = re.compile(r"^\s*(?:essay\s+)?([ab])\s*$", re.IGNORECASE)
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Verdict:
    winner: Winner
    confidence: int
    justification: str


def _invalid(message: str) -> ProviderError:
    return ProviderError(FailureCode.INVALID_RESPONSE, message)


def extract_json(text: str) -> object:
    """The first JSON value in ``text``: inside a code fence if there is one, else the first {...} or [...]."""
    fenced = _FENCE.search(text)
    candidate = fenced.group(1) if fenced else text
    candidate = candidate.strip()
    decoder = json.JSONDecoder()
    for start, char in enumerate(candidate):
        if char in "{[":
            try:
                found: object = decoder.raw_decode(candidate, start)[0]
                return found
            except json.JSONDecodeError:
                continue
    raise _invalid("the answer holds no JSON")


def truncate_at_word(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` at a word boundary, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - len(_ELLIPSIS)]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + _ELLIPSIS


def _winner(raw: object) -> Winner:
    if isinstance(raw, str) and (match := _WINNER.match(raw)):
        return "A" if match.group(1).upper() == "A" else "B"
    raise _invalid(f"missing or ambiguous winner: {str(raw)[:40]!r}")


def _confidence(raw: object) -> int:
    if isinstance(raw, bool):
        raise _invalid("confidence is not a number")
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _invalid(f"confidence is not a number: {str(raw)[:20]!r}") from None
    if not 1 <= value <= 5:
        raise _invalid(f"confidence {value} is outside 1-5")
    return round(value)


def verdict_from(obj: object, max_chars: int) -> Verdict:
    if not isinstance(obj, dict):
        raise _invalid("a verdict must be a JSON object")
    justification = obj.get("justification")
    return Verdict(
        winner=_winner(obj.get("winner")),
        confidence=_confidence(obj.get("confidence")),
        justification=truncate_at_word(justification if isinstance(justification, str) else "", max_chars),
    )


def parse_verdict(text: str, max_chars: int) -> Verdict:
    return verdict_from(extract_json(text), max_chars)


def parse_bundle(text: str, pair_count: int, max_chars: int) -> dict[int, Verdict | ProviderError]:
    """One entry per pair 1..``pair_count``: its verdict, or why it is missing or invalid.

    Each item is judged on its own, so one bad item never fails the others. A pair number that
    appears twice with different verdicts is ambiguous.
    """
    try:
        payload = extract_json(text)
    except ProviderError as failure:
        return dict.fromkeys(range(1, pair_count + 1), failure)
    items = payload.get("verdicts") if isinstance(payload, dict) else payload
    found: dict[int, Verdict | ProviderError] = {}
    for raw in items if isinstance(items, list) else []:
        number = raw.get("pair") if isinstance(raw, dict) else None
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= pair_count:
            continue
        try:
            verdict: Verdict | ProviderError = verdict_from(raw, max_chars)
        except ProviderError as failure:
            verdict = failure
        previous = found.get(number)
        if previous is not None and previous != verdict:
            verdict = _invalid(f"pair {number} has conflicting verdicts")
        found[number] = verdict
    return {n: found.get(n, _invalid(f"pair {n} is missing from the answer")) for n in range(1, pair_count + 1)}
