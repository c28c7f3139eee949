"""Recognising bytes that are not text: a binary file renamed .txt must not become an essay.

Three signs, each cheap: a known binary signature on the raw bytes; a NUL character after
decoding (UTF-16 text is full of NUL *bytes*, so this is checked on characters, never on bytes);
and a high share of control characters or U+FFFD, which is what random bytes decode to.
"""

from __future__ import annotations

import re

# Magic numbers of programs, archives, images and documents. Only ones that no essay can start with:
# a text-like one (MZ) needs the zero bytes of the DOS header as well.
_SIGNATURES = (
    b"\x7fELF",  # Linux and BSD programs
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary, Java class
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit
    b"\x00asm",  # WebAssembly
    b"PK\x03\x04",  # zip (and .docx, .xlsx, .jar, .apk)
    b"PK\x05\x06",  # empty zip
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"\x1f\x8b",  # gzip
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x28\xb5\x2f\xfd",  # zstd
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: .doc, .xls, .msi
    b"SQLite format 3\x00",
)
_DOS_HEADER_BYTES = 64
# C0 controls other than tab, newlines, vertical tab and form feed (Word and PDFs emit those two as
# breaks), DEL, C1 controls, and the replacement character that undecodable bytes become.
_GARBAGE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
MAX_GARBAGE_SHARE = 0.05  # random bytes decode to about 13 %; real text, even mis-encoded, to ~0 %
NOT_TEXT_REASON = "not a text file: it looks like a program or binary data"


def has_binary_signature(raw: bytes) -> bool:
    if raw.startswith(_SIGNATURES):
        return True
    # An .exe: "MZ" then a DOS header, which is mostly zero bytes (text never holds one).
    return raw.startswith(b"MZ") and b"\x00" in raw[:_DOS_HEADER_BYTES]


def is_garbled(text: str) -> bool:
    """Whether decoded text holds a NUL, or too many control or replacement characters to be prose."""
    if "\x00" in text:
        return True
    return len(_GARBAGE.findall(text)) > len(text) * MAX_GARBAGE_SHARE
