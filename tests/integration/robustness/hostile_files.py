"""Hostile uploads, made by the test itself: decompression bombs, binaries posing as text, odd names.

A bomb's ``document.xml`` is written with a streaming compressor, so a 1 GB bomb costs a few MB of
memory to make, and it is made once per run.
"""

from __future__ import annotations

import functools
import io
import os
import struct
import uuid
import zipfile
import zlib
from dataclasses import dataclass

_CHUNK = b"<w:p><w:r><w:t>" + b"bomb " * 200 + b"</w:t></w:r></w:p>"
_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)
_DOC_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><w:document '
    b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)
_DOC_TAIL = b"</w:body></w:document>"


@dataclass(frozen=True)
class HostileFile:
    label: str
    filename: bytes  # raw bytes, as a client puts them in Content-Disposition
    content: bytes


def _deflated(size: int) -> tuple[bytes, int, int]:
    """A document.xml of about ``size`` bytes, deflated raw (as in a zip): (data, CRC-32, real size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(_DOC_HEAD)]
    crc = zlib.crc32(_DOC_HEAD)
    written = len(_DOC_HEAD)
    block = _CHUNK * max(1, 1_000_000 // len(_CHUNK))
    while written < size:
        # Whole paragraphs only, so that the XML stays well-formed whatever the size.
        piece = block if size - written >= len(block) else _CHUNK * (1 + (size - written) // len(_CHUNK))
        parts.append(compressor.compress(piece))
        crc = zlib.crc32(piece, crc)
        written += len(piece)
    parts.append(compressor.compress(_DOC_TAIL))
    crc = zlib.crc32(_DOC_TAIL, crc)
    parts.append(compressor.flush())
    return b"".join(parts), crc & 0xFFFFFFFF, written + len(_DOC_TAIL)


@functools.cache
def docx_bomb(unpacked_bytes: int, *, lying_header: bool = False) -> bytes:
    """A .docx whose word/document.xml unpacks to ``unpacked_bytes``.

    With ``lying_header`` the zip's headers claim the part is 1 kB, as a hand-made bomb would,
    so a check that trusts ``ZipInfo.file_size`` lets it through.
    """
    data, crc, real_size = _deflated(unpacked_bytes)
    declared = 1_000 if lying_header else real_size
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
    small = buffer.getvalue()
    return _append_member(small, "word/document.xml", data, crc, declared)


def _append_member(archive: bytes, name: str, data: bytes, crc: int, declared_size: int) -> bytes:
    """``archive`` with one more deflated member whose headers state ``declared_size``."""
    with zipfile.ZipFile(io.BytesIO(archive)) as existing:
        members = [(info, existing.read(info.filename)) for info in existing.infolist()]
    out = io.BytesIO()
    central: list[bytes] = []
    for info, content in members:
        deflated = zlib.compressobj(9, zlib.DEFLATED, -15)
        body = deflated.compress(content) + deflated.flush()
        central.append(_write_local(out, info.filename.encode(), body, zlib.crc32(content), len(content)))
    central.append(_write_local(out, name.encode(), data, crc, declared_size))
    start = out.tell()
    for record in central:
        out.write(record)
    size = out.tell() - start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), size, start, 0))
    return out.getvalue()


def _write_local(out: io.BytesIO, name: bytes, body: bytes, crc: int, size: int) -> bytes:
    offset = out.tell()
    fields = (20, 0, 8, 0, 0, crc, len(body), size, len(name), 0)
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name + body)
    header = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset)
    return header + name


def binary_as_text() -> bytes:
    """A Windows program's first bytes, then noise: what an .exe renamed .txt looks like."""
    header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode."
    return header + os.urandom(6_000)


def essay(words: int = 300) -> bytes:
    return (" ".join(f"word{n % 50}" for n in range(words)) + ".").encode()


def hostile_files() -> list[HostileFile]:
    return [
        HostileFile("docx unpacking to 5 MB", b"five.docx", docx_bomb(5_000_000)),
        HostileFile("docx unpacking to 90 MB", b"ninety.docx", docx_bomb(90_000_000)),
        HostileFile("docx unpacking to 1 GB", b"giga.docx", docx_bomb(1_000_000_000)),
        HostileFile("docx with lying headers, 200 MB", b"liar.docx", docx_bomb(200_000_000, lying_header=True)),
        HostileFile("random bytes as .docx", b"noise.docx", os.urandom(20_000)),
        HostileFile("random bytes as .pdf", b"noise.pdf", b"%PDF-1.7\n" + os.urandom(20_000)),
        HostileFile("a program renamed .txt", b"essay.txt", binary_as_text()),
        HostileFile("a NUL in the file name", b"ess\x00ay.txt", essay()),
        HostileFile("a 1,000-character file name", b"e" * 1_000 + b".txt", essay()),
        HostileFile("a Latin-1 file name", "Åsa_Öberg.txt".encode("latin-1"), essay()),
        HostileFile("an empty file", b"empty.txt", b""),
    ]


def multipart(files: list[tuple[str, bytes, bytes]], fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart/form-data body: (field name, raw file name, content) parts, then plain fields."""
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for field, filename, content in files:
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode())
        body.write(filename.replace(b'"', b"") + b'"\r\nContent-Type: application/octet-stream\r\n\r\n')
        body.write(content + b"\r\n")
    for name, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"
