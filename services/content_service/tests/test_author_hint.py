"""Author hints from file names and first lines, with Swedish names."""

import pytest

from content_service.domain.author_hint import author_hint


@pytest.mark.parametrize(
    ("filename", "text", "expected"),
    [
        ("Karlsson_Tuva_essay.docx", "Uniforms are bad.", "Karlsson Tuva"),
        ("tuva_karlsson.txt", "Uniforms are bad.", "Tuva Karlsson"),
        ("ERIK_LINDQVIST_v2.pdf", "Uniforms are bad.", "Erik Lindqvist"),
        ("2024-05-01 uppsats Åsa Öberg.docx", "Uniforms are bad.", "Åsa Öberg"),
        ("essay1.txt", "Anna-Karin Berg\n\nUniforms are bad.", "Anna-Karin Berg"),
        ("essay1.txt", "Namn: Björn af Ekström\n\nText.", None),  # "af" is lower case among capitals
        ("essay1.txt", "Name: Ängla Ödmark\n\nText.", "Ängla Ödmark"),
        ("tuva_karlsson.txt", "Namn: Elsa Nilsson\n\nText.", "Elsa Nilsson"),  # a labelled line wins
    ],
)
def test_names_are_found(filename: str, text: str, expected: str | None):
    assert author_hint(filename, text) == expected


@pytest.mark.parametrize(
    ("filename", "text"),
    [
        ("essay1.txt", "The Importance Of Sleep\n\nText."),
        ("The_Importance_of_Sleep.docx", "Text."),
        ("uppsats-2.docx", "Why school uniforms are bad.\n\nText."),
        ("essay.txt", "Uniforms\n\nText."),  # one word is not a name
        ("essay.txt", "Varför skoluniformer är dåliga\n\nText."),
        ("essay.txt", "I think uniforms are bad for everyone in school.\n\nText."),
    ],
)
def test_titles_and_sentences_are_not_names(filename: str, text: str):
    assert author_hint(filename, text) is None
