"""Multipart uploads through ``setup_quart_app``: a part header that is not UTF-8 costs one file, not the form."""

from __future__ import annotations

import json
from typing import Any

from quart import Quart, request

from huleedu_service_libs.http.quart_support import setup_quart_app
from huleedu_service_libs.settings import ServiceSettings

BOUNDARY = "b0undary"


def make_app(*, tolerant: bool = True) -> Quart:
    app = Quart(__name__)

    @app.post("/v1/upload")
    async def upload() -> dict[str, Any]:
        form, files = await request.form, await request.files
        return {
            "fields": {key: form.getlist(key) for key in form},
            "files": [[f.filename, f.read().decode()] for f in files.getlist("files")],
        }

    if tolerant:
        setup_quart_app(app, ServiceSettings(service_name="multipart_test", HULEEDU_INTERNAL_API_KEY="k"))
    app.config["MAX_FORM_MEMORY_SIZE"] = 1_000
    return app


def multipart(parts: list[tuple[bytes, bytes]]) -> bytes:
    """Parts as (Content-Disposition parameters, body), the parameters as raw bytes on the wire."""
    body = b""
    for params, content in parts:
        body += f"--{BOUNDARY}\r\n".encode() + b"Content-Disposition: form-data; " + params + b"\r\n\r\n"
        body += content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


async def post(app: Quart, body: bytes) -> tuple[int, Any]:
    response = await app.test_client().post(
        "/v1/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    )
    return response.status_code, json.loads(await response.get_data(as_text=True))


MIXED = multipart(
    [
        (b'name="title"', "Åsa's essays".encode()),
        (b'name="files"; filename="first.txt"', b"one"),
        (b'name="files"; filename="' + "Åsa Öberg.txt".encode("latin-1") + b'"', b"two"),
        (b'name="files"; filename="' + "Åsa Öberg.txt".encode() + b'"', b"three"),
    ]
)


async def test_without_the_tolerant_parser_one_latin1_name_empties_the_whole_form():
    """The failure this module exists for; if Quart ever fixes it, this test says the module can go."""
    status, body = await post(make_app(tolerant=False), MIXED)
    assert (status, body) == (200, {"fields": {}, "files": []})


async def test_a_latin1_name_arrives_marked_and_every_other_part_is_kept():
    status, body = await post(make_app(), MIXED)
    assert status == 200
    assert body["fields"] == {"title": ["Åsa's essays"]}
    assert body["files"] == [
        ["first.txt", "one"],
        ["\udcc5sa \udcd6berg.txt", "two"],  # the raw bytes as lone surrogates, for the name check to refuse
        ["Åsa Öberg.txt", "three"],
    ]


async def test_large_files_are_streamed_and_fields_keep_their_memory_limit():
    big = b"x" * 2_000_000
    status, body = await post(make_app(), multipart([(b'name="files"; filename="big.txt"', big)]))
    assert status == 200
    assert body["files"] == [["big.txt", big.decode()]]
    status, _ = await post(make_app(), multipart([(b'name="title"', b"y" * 5_000)]))
    assert status == 413
