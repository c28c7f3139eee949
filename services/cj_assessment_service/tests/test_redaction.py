"""The names of an essay's author replaced before the text leaves for LPS (domain/redaction.py)."""

from __future__ import annotations

import re
import unicodedata
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cj_assessment_service.domain.job import JobEssay
from cj_assessment_service.domain.redaction import PLACEHOLDER, name_parts, redact_names

P = PLACEHOLDER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anna Svensson\n\nMy summer", f"{P}\n\nMy summer"),
        ("Svensson, Anna\nMy summer", f"{P}\nMy summer"),
        ("Svensson Anna, 9B", f"{P}, 9B"),
        ("by anna svensson", f"by {P}"),  # a full name in any case
        ("ANNA wrote to Svensson.", f"{P} wrote to {P}."),
        ("Anna's dog and Annas katt", f"{P}'s dog and {P}s katt"),  # English and Swedish genitives stay
        ("Hannah, Annabel and Annasson", "Hannah, Annabel and Annasson"),  # whole words only
        ("anna said so", "anna said so"),  # a bare lower-case first name is left: it may be a word
    ],
)
def test_a_full_name_in_either_order_and_each_capitalised_part_are_replaced(text: str, expected: str):
    assert redact_names(text, ["Anna Svensson"]) == expected


def test_will_keeps_the_verb_but_not_a_sentence_initial_will():
    text = "Will Smith. I will go, with goodwill. Will it rain? WILL!"
    assert redact_names(text, ["Will Smith"]) == f"{P}. I will go, with goodwill. {P} it rain? {P}!"


def test_swedish_letters_hyphens_and_apostrophes():
    names = ["Åsa Öberg-Lind", "Seán O'Brien"]
    text = "Åsa Öberg-Lind skrev. Öberg och Lind; öberg. ÅSA! Seán O\u2019Brien, O'Brien."
    assert redact_names(text, names) == f"{P} skrev. {P} och {P}; öberg. {P}! {P}, {P}."


def test_a_decomposed_text_matches_a_composed_name():
    decomposed = unicodedata.normalize("NFD", "Örjan skrev")
    assert redact_names(decomposed, ["Örjan Ek"]) == f"{P} skrev"


def test_initials_digits_and_no_names_leave_the_text_alone():
    text = "A. B. wrote 42 lines."
    assert redact_names(text, []) == text
    assert redact_names(text, ["A. B."]) == text  # single letters are not name parts
    assert name_parts("Svensson, Anna-Karin (9B)") == ["Svensson", "Anna-Karin", "B"]


def test_several_names_of_one_author():
    text = "Kalle Anka, also known as Karl Andersson, Kalles vän."
    assert redact_names(text, ["Kalle Anka", "Karl Andersson"]) == f"{P}, also known as {P}, {P}s vän."


def test_a_job_essay_sends_the_redacted_text_and_keeps_the_original():
    essay = JobEssay(
        essay_id=uuid.uuid4(),
        item_index=0,
        is_anchor=False,
        known_grade=None,
        anchor_label=None,
        text_ref="r",
        content="Maja Ek\nText.",
        names=["Maja Ek"],
    )
    assert essay.text_for_provider(redact=True) == f"{P}\nText."
    assert essay.text_for_provider(redact=False) == "Maja Ek\nText."
    assert essay.content == "Maja Ek\nText."


# --- properties ---------------------------------------------------------------------------------------

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ"
LOWER = "abcdefghijklmnopqrstuvwxyzåäöéü"
part = st.builds(lambda first, rest: first + rest, st.sampled_from(UPPER), st.text(LOWER, min_size=1, max_size=9))
full_name = st.lists(part, min_size=1, max_size=3).map(" ".join)
filler = st.lists(
    st.sampled_from(["the", "essay", "i", "will", "write", "om", "och", "är", ",", ".", "\n"]), max_size=12
)


def _capitalised_occurrences(text: str, word: str) -> list[str]:
    """``word`` in ``text`` as a whole word written with a capital initial."""
    pattern = rf"(?<!\w){re.escape(word[0].upper())}(?i:{re.escape(word[1:])})(?!\w)"
    return re.findall(pattern, text)


@settings(max_examples=300, deadline=None)
@given(name=full_name, before=filler, after=filler, form=st.sampled_from(["as_given", "reversed", "comma", "parts"]))
def test_no_capitalised_name_part_survives(name: str, before: list[str], after: list[str], form: str):
    parts = name.split()
    written = {
        "as_given": name,
        "reversed": " ".join(parts[::-1]),
        "comma": f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name,
        "parts": " and ".join(p.upper() if i % 2 else p for i, p in enumerate(parts)),
    }[form]
    text = " ".join([*before, written, *after])

    redacted = redact_names(text, [name])

    assert P in redacted
    for p in parts:
        assert _capitalised_occurrences(redacted, p) == [], (text, redacted)


@settings(max_examples=300, deadline=None)
@given(name=part, words=st.lists(st.text(LOWER + " ,.\n", max_size=12), max_size=10))
def test_a_text_in_lower_case_keeps_every_word_of_a_one_part_name(name: str, words: list[str]):
    text = " ".join([*words, name.lower()])
    assert redact_names(text, [name]) == text


@settings(max_examples=200, deadline=None)
@given(name=full_name, text=st.text(max_size=200))
def test_only_names_change(name: str, text: str):
    """Every character outside a replaced name stays: removing the placeholders leaves a subsequence of the text."""
    redacted = redact_names(text, [name])
    remainder = redacted.replace(P, "")
    source = iter(unicodedata.normalize("NFC", text))
    assert all(ch in source for ch in remainder)
