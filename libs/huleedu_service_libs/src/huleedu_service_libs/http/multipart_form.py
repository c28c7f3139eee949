"""Multipart uploads whose part headers are not UTF-8 still parse, so one odd file name fails one file.

Browsers send a file name as raw UTF-8 (or RFC 2231 ``filename*=``), but older tools send raw
Latin-1 or cp1252 bytes. Werkzeug decodes part headers strictly, and Quart answers a decoding error
by silently handing the route an empty form: the whole upload vanished and the teacher was told to
attach a file. Here undecodable header bytes are kept as lone surrogates (``surrogateescape``); the
services' file-name checks already refuse a name holding one, for that file alone, with the reason.
"""

from __future__ import annotations

from typing import IO, Any, cast

from quart.formparser import FormDataParser, MultiPartParser, ParserFunc
from quart.wrappers.request import Body, Request
from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.sansio.multipart import (
    HEADER_CONTINUATION_RE,
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
    NeedData,
)

Parsed = tuple[MultiDict[str, Any], MultiDict[str, Any]]


class TolerantMultipartDecoder(MultipartDecoder):
    def _parse_headers(self, data: bytes | bytearray) -> Headers:
        headers: list[tuple[str, str]] = []
        for line in HEADER_CONTINUATION_RE.sub(b" ", data).splitlines():
            line = line.strip(b" \t")
            if line:
                name, _, value = line.decode("utf-8", "surrogateescape").partition(":")
                headers.append((name.strip(" \t"), value.strip(" \t")))
        return Headers(headers)


class TolerantMultiPartParser(MultiPartParser):
    """Quart's streaming parser with the tolerant decoder; limits and spooling are Quart's own."""

    async def parse(self, body: Body, boundary: bytes, content_length: int) -> Parsed:
        decoder = TolerantMultipartDecoder(boundary, self.max_content_length, max_parts=self.max_form_parts)
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, Any]] = []
        field: Field | None = None
        upload: tuple[File, IO[bytes]] | None = None
        chunks: list[bytes] = []
        field_size = 0
        async for data in body:
            decoder.receive_data(data)
            event = decoder.next_event()
            while not isinstance(event, (Epilogue, NeedData)):
                if isinstance(event, Field):
                    field, upload, chunks, field_size = event, None, [], 0
                elif isinstance(event, File):
                    field, upload = None, (event, self.start_file_streaming(event, content_length))
                elif isinstance(event, Data) and upload is not None:
                    part, stream = upload
                    stream.write(event.data)
                    if not event.more_data:
                        stream.seek(0)
                        stored = self.file_storage_cls(stream, part.filename, part.name, headers=part.headers)
                        files.append((part.name, stored))
                elif isinstance(event, Data) and field is not None:
                    field_size += len(event.data)
                    if self.max_form_memory_size is not None and field_size > self.max_form_memory_size:
                        raise RequestEntityTooLarge()
                    chunks.append(event.data)
                    if not event.more_data:
                        text = b"".join(chunks).decode(self.get_part_charset(field.headers), "replace")
                        fields.append((field.name, text))
                event = decoder.next_event()
        return self.cls(fields), self.cls(files)


async def _parse_multipart(
    form: FormDataParser, body: Body, mimetype: str, content_length: int | None, options: dict[str, str]
) -> Parsed:
    boundary = options.get("boundary", "").encode("ascii", "replace")
    if not boundary:
        raise ValueError("Missing boundary")
    parser = TolerantMultiPartParser(
        cls=form.cls or MultiDict,
        file_storage_cls=form.file_storage_class,
        max_content_length=form.max_content_length,
        max_form_memory_size=form.max_form_memory_size,
        max_form_parts=form.max_form_parts,
        stream_factory=form.stream_factory,
    )
    return await parser.parse(body, boundary, cast(int, content_length))


class TolerantFormDataParser(FormDataParser):
    def get_parse_func(self, mimetype: str, options: dict[str, str]) -> ParserFunc | None:
        if mimetype == "multipart/form-data":
            return _parse_multipart
        return super().get_parse_func(mimetype, options)


class TolerantRequest(Request):
    form_data_parser_class = TolerantFormDataParser
