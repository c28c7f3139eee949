"""Decoding plain-text files and normalising text, so equal essays always hash equal."""

import codecs
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content_service.domain.text_normalisation import (
    canonical_text,
    count_words,
    decode_text,
    normalise_text,
    text_id,
)

SWEDISH = "Åsa läste en bok om öar.\nHon tyckte om den."


@pytest.mark.parametrize(
    "raw",
    [
        SWEDISH.encode("utf-8"),
        codecs.BOM_UTF8 + SWEDISH.encode("utf-8"),
        SWEDISH.encode("utf-16"),  # with a BOM, in the machine's byte order
        codecs.BOM_UTF16_BE + SWEDISH.encode("utf-16-be"),
        SWEDISH.encode("utf-16-le"),  # no BOM: recognised by its NUL bytes
        SWEDISH.encode("utf-16-be"),
        SWEDISH.encode("cp1252"),  # not valid UTF-8: Windows-1252 is the fallback
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16be-bom", "utf16le-nobom", "utf16be-nobom", "cp1252"],
)
def test_every_supported_encoding_decodes_to_the_same_text(raw: bytes):
    assert decode_text(raw) == SWEDISH


def test_cp1252_only_characters_survive_the_fallback():
    # Curly quotes and the en dash live at 0x80-0x9F in Windows-1252, where Latin-1 has controls.
    text = "\u201cSmart\u201d \u2013 na\u00efve"
    assert decode_text(text.encode("cp1252")) == text


def test_newlines_spaces_and_unicode_form_are_normalised_and_paragraphs_kept():
    decomposed = unicodedata.normalize("NFD", "Året")
    raw = f"  {decomposed}  var\tlångt.\r\nNy rad.\r\rNytt stycke.\n\n\n\n\nSista\u00a0stycket.\u2028Slut.  "
    assert normalise_text(raw) == "Året var långt.\nNy rad.\n\nNytt stycke.\n\nSista stycket.\nSlut."


def test_equal_essays_with_different_line_endings_get_one_text_id():
    assert text_id(normalise_text("One.\r\n\r\nTwo.")) == text_id(normalise_text("One.\n\nTwo.\n"))


def test_canonical_text_keeps_indentation_but_unifies_newlines():
    assert (
        canonical_text("Rubric:\r\n  - clear thesis\r\n    (2 points)\r\n")
        == "Rubric:\n  - clear thesis\n    (2 points)"
    )


def test_words_are_counted_as_a_teacher_would():
    assert count_words("It's a well-known fact — 42 pupils agree, don\u2019t they?") == 9
    assert count_words(" \n\t ") == 0


@given(st.text())
def test_normalising_twice_changes_nothing(text: str):
    once = normalise_text(text)
    assert normalise_text(once) == once
