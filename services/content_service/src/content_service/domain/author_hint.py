"""Guess who wrote an essay, from its file name or its first line; CMS matches the guess to a student.

A guess is only offered when it looks like a personal name: two to four words made of letters
(hyphens and apostrophes allowed), none of them a common word of an essay title. A labelled
first line ("Name: Tuva Karlsson", "Namn: ...", "By ...", "Av ...") wins over the file name,
which wins over an unlabelled first line. CMS tolerates case, order and accents, so the hint
keeps the writer's order ("Karlsson Tuva") and only fixes the case of all-lower or all-upper names.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_LABEL = re.compile(
    r"^\s*(?:name|namn|author|författare|student|elev|by|av)\s*[:\-\u2013]?\s+(?P<name>.+)$", re.IGNORECASE
)
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*\.?$")
_FILENAME_SEPARATORS = re.compile(r"[_\-.\s,+]+")
_HAS_DIGIT = re.compile(r"\d")
# Words of essay titles that never occur in a name: a line or file name holding one is not a name.
_TITLE_WORDS = frozenset(
    (
        *("a", "an", "and", "the", "of", "in", "on", "at", "to", "for", "with", "why", "how", "what", "is"),
        *("are", "my", "our", "your", "their", "about", "should", "untitled", "document"),
        *("och", "i", "på", "om", "att", "för", "med", "är", "en", "ett", "min", "mitt", "vår", "varför"),
        *("hur", "vad", "det", "den", "som", "dokument", "namnlös"),
    )
)
# Words teachers and students add to file names around the name; dropped before judging the rest.
_FILE_NOISE = frozenset(
    (
        *("essay", "essays", "uppsats", "uppsatser", "text", "draft", "final", "version", "copy", "kopia"),
        *("assignment", "task", "uppgift", "inlämning", "english", "engelska", "eng", "svenska", "swedish"),
        *("new", "ny"),
    )
)


def author_hint(filename: str, text: str) -> str | None:
    first_line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    labelled = _LABEL.match(first_line)
    if labelled:
        name = _as_name(labelled.group("name").split())
        if name:
            return name
    stem_words = _FILENAME_SEPARATORS.split(PurePosixPath(filename).stem)
    from_file = _as_name([w for w in stem_words if w.lower() not in _FILE_NOISE and not _HAS_DIGIT.search(w)])
    if from_file:
        return from_file
    return _as_name(first_line.split()) if not first_line.endswith((".", "?", "!", ":")) else None


def _as_name(words: list[str]) -> str | None:
    words = [w for w in words if w]
    if not 2 <= len(words) <= 4:
        return None
    if any(not _NAME_WORD.match(w) or w.rstrip(".").lower() in _TITLE_WORDS for w in words):
        return None
    # A title-cased line of ordinary words is a title, not a name; lower/upper-case file names
    # are fine because people type those that way.
    if not all(w[0].isupper() for w in words) and not all(w.islower() for w in words):
        return None
    return " ".join(_fix_case(w) for w in words)


def _fix_case(word: str) -> str:
    if word.islower() or word.isupper():
        return "-".join(part.capitalize() for part in word.split("-"))
    return word
