"""Decoding and normalising text so the same essay always yields the same characters (and sha256)."""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control characters other than tab and newline carry no meaning in an essay (form feeds from
# PDFs, NULs from broken exports) and would make equal texts hash differently.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\u2028|\u2029|\x85")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_RUN = re.compile(r"\n{3,}")
_WORD = re.compile(r"\w+(?:['\u2019\-]\w+)*")


def decode_text(raw: bytes) -> str:
    """Bytes of a plain-text file as text: UTF-8 (with or without BOM), UTF-16, else Windows-1252.

    UTF-16 without a BOM is recognised by its NUL bytes, which UTF-8 text never contains.
    Windows-1252 is the last resort because it decodes almost any byte sequence; the five bytes
    it leaves undefined become U+FFFD rather than failing the upload.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if raw.startswith(_UTF16_BOMS):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf16 = _bomless_utf16(raw)
    if utf16 is not None:
        return raw.decode(utf16, errors="replace")
    return raw.decode("cp1252", errors="replace")


def _bomless_utf16(raw: bytes) -> str | None:
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.3 and even_nuls < half * 0.05:
        return "utf-16-le"
    if even_nuls > half * 0.3 and odd_nuls < half * 0.05:
        return "utf-16-be"
    return None


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` newlines, single spaces, trimmed lines, and at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text).replace("\ufeff", "")
    text = _CONTROL.sub(" ", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


def canonical_text(text: str) -> str:
    """NFC and ``\\n`` newlines only: for texts whose spacing may matter (rubrics, prompts, anchors)."""
    return _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text)).replace("\ufeff", "").strip()


def join_paragraphs(paragraphs: list[str]) -> str:
    """Paragraphs from a structured document, one blank line apart."""
    return "\n\n".join(p for p in (p.strip() for p in paragraphs) if p)


def count_words(text: str) -> int:
    """Words as a teacher counts them: letters and digits, with inner apostrophes and hyphens."""
    return len(_WORD.findall(text))


def text_id(content: str) -> str:
    """The content address of a text: the sha256 hex digest of its UTF-8 bytes."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
