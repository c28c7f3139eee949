"""Vetting one uploaded file against the limits."""

import pytest

from content_service.domain.intake import AcceptedFile, RejectedFile, UploadLimits, vet_file
from content_service.domain.text_normalisation import text_id

LIMITS = UploadLimits(max_file_bytes=10_000, min_words=5, max_words=50)


def test_an_acceptable_file_carries_its_text_id_words_and_hint():
    result = vet_file("tuva_karlsson.txt", b"One two three four five six.\r\n", LIMITS)
    assert isinstance(result, AcceptedFile)
    assert result.text == "One two three four five six."
    assert result.text_id == text_id("One two three four five six.")
    assert result.word_count == 6
    assert result.author_hint == "Tuva Karlsson"


@pytest.mark.parametrize(
    ("filename", "raw", "reason"),
    [
        ("big.txt", b"word " * 3000, "too large: 15 kB (at most 10 kB)"),
        ("short.txt", b"Only three words", "too short: 3 words (at least 5)"),
        ("long.txt", b"word " * 60, "too long: 60 words (at most 50)"),
        ("dots.txt", b"... --- !!!", "empty file"),
        ("x.png", b"\x89PNG", "not a supported type: upload .txt, .md, .docx or .pdf"),
    ],
)
def test_each_limit_has_its_reason(filename: str, raw: bytes, reason: str):
    result = vet_file(filename, raw, LIMITS)
    assert isinstance(result, RejectedFile)
    assert result.reason == reason
