"""A .docx (a zip) unpacked within a budget, trusting none of its headers.

A zip's headers say how large each part is, and they can lie: a small file can unpack to
gigabytes. So the text parts are stream-decompressed in chunks against a running total, and
everything that is not XML (images, embedded objects, fonts, thumbnails) is never decompressed at
all. python-docx then reads a rebuilt, uncompressed package in memory, in which each skipped part
is an empty placeholder so that the document's relationships still resolve.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO

CHUNK_BYTES = 64 * 1024
MAX_PARTS = 1000  # a Word essay has 10-30 parts; thousands only make the package expensive to walk
_TEXT_PART_SUFFIXES = (".xml", ".rels")


class TooLargeUnpackedError(Exception):
    """The text parts unpack to more than the budget."""


class TooManyPartsError(Exception):
    """The package has more parts than any essay needs."""


def bounded_package(raw: bytes, max_unpacked_bytes: int) -> IO[bytes]:
    """The package with its XML parts checked against ``max_unpacked_bytes`` and its media emptied.

    Raises :class:`TooLargeUnpackedError`, :class:`TooManyPartsError`, or ``zipfile.BadZipFile`` (and the
    zip module's other errors) for a package that is not a readable zip.
    """
    rebuilt = io.BytesIO()
    budget = max_unpacked_bytes
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_STORED) as target:
        members = source.infolist()
        if len(members) > MAX_PARTS:
            raise TooManyPartsError
        for member in members:
            if member.is_dir():
                continue
            if not member.filename.lower().endswith(_TEXT_PART_SUFFIXES):
                target.writestr(member.filename, b"")
                continue
            data = _read_capped(source, member, budget)
            if data is None:
                raise TooLargeUnpackedError
            budget -= len(data)
            target.writestr(member.filename, data)
    rebuilt.seek(0)
    return rebuilt


def _read_capped(source: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> bytes | None:
    """The part's bytes, or ``None`` as soon as more than ``budget`` bytes have come out.

    Each ``read`` decompresses at most one chunk, so memory stays bounded whatever the header says.
    """
    chunks: list[bytes] = []
    with source.open(member) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            budget -= len(chunk)
            if budget < 0:
                return None
            chunks.append(chunk)
    return b"".join(chunks)
