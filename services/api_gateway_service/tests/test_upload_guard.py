"""The streamed upload check: bytes pass through unchanged, and a limit stops the stream where it is passed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api_gateway_service.upload_guard import (
    UploadLimits,
    check_declared_length,
    guarded_upload,
    multipart_boundary,
)
from huleedu_service_libs.errors import PayloadTooLargeError, ValidationFailedError

LIMITS = UploadLimits(max_files=3, max_file_bytes=1_000, max_request_bytes=10_000)
CHUNK = 256


def multipart(files: list[tuple[str, bytes]], *, extra_fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    request = httpx.Request(
        "POST",
        "http://gateway.test/",
        files=[("files", (name, content, "text/plain")) for name, content in files],
        data=extra_fields or {},
    )
    return request.read(), request.headers["content-type"]


class Chunks:
    """The client's body in chunks, counting how many the guard pulled."""

    def __init__(self, body: bytes) -> None:
        self.parts = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            self.pulled += 1
            yield part


async def drain(chunks: Chunks, content_type: str, limits: UploadLimits = LIMITS) -> bytes:
    return b"".join([chunk async for chunk in guarded_upload(chunks, content_type, None, limits)])


async def test_an_upload_within_the_limits_passes_through_byte_for_byte():
    body, content_type = multipart([("a.txt", b"x" * 1_000), ("b.txt", b"y" * 10), ("c.txt", b"z")])
    assert await drain(Chunks(body), content_type) == body


async def test_one_file_too_many_stops_the_stream_at_that_file():
    body, content_type = multipart([(f"{n}.txt", b"x" * 500) for n in range(4)] + [("late.txt", b"y" * 3_000)])
    chunks = Chunks(body)
    with pytest.raises(PayloadTooLargeError, match="Too many files in one upload: at most 3"):
        await drain(chunks, content_type)
    assert chunks.pulled < len(chunks.parts)


async def test_a_file_over_its_limit_is_refused_by_name_before_the_rest_is_read():
    body, content_type = multipart([("big.txt", b"x" * 1_001), ("after.txt", b"y" * 5_000)])
    chunks = Chunks(body)
    with pytest.raises(PayloadTooLargeError, match=r"big\.txt is larger than 0\.001 MB") as refused:
        await drain(chunks, content_type)
    assert refused.value.details["filename"] == "big.txt"
    assert chunks.pulled < len(chunks.parts)


async def test_a_request_over_the_total_is_refused_when_it_passes_it():
    limits = UploadLimits(max_files=50, max_file_bytes=1_000, max_request_bytes=3_000)
    body, content_type = multipart([(f"{n}.txt", b"x" * 900) for n in range(10)])
    chunks = Chunks(body)
    with pytest.raises(PayloadTooLargeError, match=r"larger than 0\.003 MB"):
        await drain(chunks, content_type, limits)
    assert chunks.pulled * CHUNK <= 3_000 + CHUNK


async def test_only_the_files_field_counts_towards_the_file_limit():
    body, content_type = multipart(
        [(f"{n}.txt", b"x") for n in range(3)], extra_fields={"note": "a form field is not a file"}
    )
    assert await drain(Chunks(body), content_type) == body


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    with pytest.raises(PayloadTooLargeError):
        check_declared_length("10001", LIMITS)
    check_declared_length("10000", LIMITS)
    check_declared_length(None, LIMITS)


@pytest.mark.parametrize("content_type", [None, "application/json", "multipart/form-data", "text/plain; boundary=x"])
def test_anything_but_multipart_with_a_boundary_is_a_400(content_type: str | None):
    with pytest.raises(ValidationFailedError, match="multipart/form-data"):
        multipart_boundary(content_type)


async def test_a_malformed_body_is_a_400():
    with pytest.raises(ValidationFailedError, match="malformed"):
        await drain(Chunks(b"not a multipart body at all" * 20), "multipart/form-data; boundary=abc")
