"""Hostile files built in code: decompression bombs, lying zip headers, binaries renamed .txt.

Shared by the unit tests, the integration tests and ``scripts/bench/bench_hostile_uploads.py``, so
every one of them sends the same bombs.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile

import docx

_CHUNK = b"<w:p><w:r><w:t>" + b"A" * 4000 + b"</w:t></w:r></w:p>"


def docx_bomb(unpacked_bytes: int, *, essay: str = "A short essay.") -> bytes:
    """A real .docx whose ``word/document.xml`` unpacks to about ``unpacked_bytes``.

    The body repeats one paragraph, which deflate shrinks about a thousandfold: a bomb of 1 GB
    is about a megabyte on the wire, one of 90 MB about 90 kB.
    """
    base = _docx_parts(essay)
    document = base["word/document.xml"]
    head, tail = document.split(b"</w:body>")
    repeats = max(1, unpacked_bytes // len(_CHUNK))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, data in base.items():
            if name != "word/document.xml":
                package.writestr(name, data)
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            block = _CHUNK * 256
            for _ in range(repeats // 256):
                part.write(block)
            part.write(_CHUNK * (repeats % 256))
            part.write(b"</w:body>" + tail)
    return out.getvalue()


def docx_with_lying_sizes(unpacked_bytes: int) -> bytes:
    """A bomb whose zip headers claim ``word/document.xml`` is 100 bytes (both local and central)."""
    raw = bytearray(docx_bomb(unpacked_bytes))
    name = b"word/document.xml"
    # Central directory entries: signature PK\x01\x02, uncompressed size at offset 24, name at 46.
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if bytes(raw[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", raw, at + 24, 100)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def docx_with_image(paragraphs: list[str], image_bytes: int) -> bytes:
    """A .docx with an embedded (incompressible) image of ``image_bytes`` after the paragraphs."""
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.add_picture(io.BytesIO(_png(image_bytes)))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def renamed_exe(size: int = 6000) -> bytes:
    """What an .exe renamed .txt looks like: a DOS header, then bytes that are no text."""
    header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
    return header + os.urandom(size)


def _docx_parts(essay: str) -> dict[str, bytes]:
    document = docx.Document()
    document.add_paragraph(essay)
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return {member.filename: package.read(member) for member in package.infolist()}


def _png(size: int) -> bytes:
    """A valid 1-row RGB PNG whose pixel data is random, so it does not compress."""
    import zlib

    width = max(1, size // 3)
    raw_row = b"\x00" + os.urandom(width * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw_row)) + chunk(b"IEND", b"")
