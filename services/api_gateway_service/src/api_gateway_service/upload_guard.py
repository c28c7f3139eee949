"""Multipart uploads pass through the gateway as a stream, checked against the owner's limits on the way.

The gateway never holds an upload: every chunk the client sends is handed on to the owning service as
soon as it has been counted. A streaming multipart parser watches the same chunks, so a request that
goes over a limit (too many files, one file too large, too many bytes in all) is refused with 413 the
moment it does, before the rest is read, and the owner sees its request break off unfinished (so it
stores nothing). A declared ``Content-Length`` over the limit is refused before the first byte is read.

The limits mirror the owners' settings (content service: 50 files, 5 MB a file, 100 MB a request; CJ's
bulk anchors: 30 files of 5 MB), so a teacher learns at the edge what the owner would refuse anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from huleedu_service_libs.errors import PayloadTooLargeError, ValidationFailedError

_MEGABYTE = 1_000_000


@dataclass(frozen=True)
class UploadLimits:
    max_files: int
    max_file_bytes: int
    max_request_bytes: int
    files_field: str = "files"


def _megabytes(size: int) -> str:
    return f"{size / _MEGABYTE:g} MB"


def multipart_boundary(content_type: str | None) -> bytes:
    """The boundary of a ``multipart/form-data`` body; 400 for anything else."""
    media, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary", b"")
    if media != b"multipart/form-data" or not boundary:
        raise ValidationFailedError(
            "Send the files as multipart/form-data (with a boundary)", details={"content_type": content_type}
        )
    return boundary


def check_declared_length(content_length: str | None, limits: UploadLimits) -> None:
    """Refuse a body that announces itself as too large before reading any of it."""
    if content_length is None or not content_length.strip().isdigit():
        return
    if int(content_length) > limits.max_request_bytes:
        raise PayloadTooLargeError(
            f"The upload is larger than {_megabytes(limits.max_request_bytes)}; send fewer or smaller files",
            details={"limit_bytes": limits.max_request_bytes},
        )


class _PartWatcher:
    """Counts the files and each file's bytes as the parser reports them."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.files = 0
        self._header_name = b""
        self._header_value = b""
        self._part_is_file = False
        self._part_name = b""
        self._part_filename = ""
        self._part_bytes = 0

    def on_part_begin(self) -> None:
        self._part_is_file = False
        self._part_name = b""
        self._part_filename = ""
        self._part_bytes = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            _, options = parse_options_header(self._header_value)
            self._part_name = options.get(b"name", b"")
            if b"filename" in options or b"filename*" in options:
                self._part_is_file = True
                self._part_filename = options.get(b"filename", b"").decode("utf-8", "replace")
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        if self._part_is_file and self._part_name == self.limits.files_field.encode():
            self.files += 1
            if self.files > self.limits.max_files:
                raise PayloadTooLargeError(
                    f"Too many files in one upload: at most {self.limits.max_files}; upload the rest separately",
                    details={"limit_files": self.limits.max_files},
                )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._part_is_file:
            return
        self._part_bytes += end - start
        if self._part_bytes > self.limits.max_file_bytes:
            raise PayloadTooLargeError(
                f"{self._part_filename or 'A file'} is larger than {_megabytes(self.limits.max_file_bytes)}, "
                "the limit for one file; leave it out or make it smaller",
                details={"filename": self._part_filename, "limit_bytes": self.limits.max_file_bytes},
            )


def guarded_upload(
    chunks: AsyncIterable[bytes], content_type: str | None, content_length: str | None, limits: UploadLimits
) -> AsyncIterator[bytes]:
    """The client's body, chunk by chunk and unchanged, for the downstream request.

    A body that is not multipart (400) or declares too many bytes (413) is refused here, before
    the downstream call starts; the returned stream raises 413 at the first chunk over a limit.
    """
    boundary = multipart_boundary(content_type)
    check_declared_length(content_length, limits)
    return _watched(chunks, boundary, limits)


async def _watched(chunks: AsyncIterable[bytes], boundary: bytes, limits: UploadLimits) -> AsyncIterator[bytes]:
    watcher = _PartWatcher(limits)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": watcher.on_part_begin,
            "on_header_field": watcher.on_header_field,
            "on_header_value": watcher.on_header_value,
            "on_header_end": watcher.on_header_end,
            "on_headers_finished": watcher.on_headers_finished,
            "on_part_data": watcher.on_part_data,
        },
    )
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limits.max_request_bytes:
            raise PayloadTooLargeError(
                f"The upload is larger than {_megabytes(limits.max_request_bytes)}; send fewer or smaller files",
                details={"limit_bytes": limits.max_request_bytes},
            )
        try:
            parser.write(chunk)
        except MultipartParseError as exc:
            raise ValidationFailedError(f"The multipart body is malformed: {exc}") from None
        yield chunk
