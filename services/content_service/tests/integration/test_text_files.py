"""``POST /internal/v1/texts/files``: a file into the text store, vetted exactly like an essay upload."""

import hashlib

from services.content_service.tests.hostile_files import docx_bomb, renamed_exe
from services.content_service.tests.integration.conftest import multipart

CJ = "cj_assessment_service"


async def send(content, filename: str, raw: bytes, kind: str = "anchor", service: str = CJ):
    body, headers = multipart([(filename, raw)], field_name="file")
    boundary = headers["Content-Type"].split("boundary=")[1]
    kind_part = f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'.encode()
    return await content.call(
        "POST", "/internal/v1/texts/files", service=service, user=None, data=kind_part + body, headers=headers
    )


async def test_a_file_is_extracted_and_stored_like_an_essay(content, samples):
    essay = "Åsa Öberg\n\n" + samples.essay_text("anchor")
    first = await send(content, "Åsa.txt", essay.encode("cp1252"))
    assert first.status_code == 201, await first.get_data(as_text=True)
    body = await first.get_json()
    assert body["kind"] == "anchor"
    assert body["content"] == essay
    assert body["text_id"] == hashlib.sha256(essay.encode()).hexdigest()
    again = await send(content, "again.txt", essay.encode("utf-16"))
    assert again.status_code == 200
    assert (await again.get_json())["text_id"] == body["text_id"]
    docx_anchor = await send(content, "anchor.docx", samples.docx([samples.essay_text("docx")], table=[["A", "B"]]))
    assert docx_anchor.status_code == 201
    assert (await docx_anchor.get_json())["content"].startswith("A\n\nB\n\n")


async def test_a_rejected_file_is_a_400_naming_the_file_and_the_reason(content):
    cases = {
        "virus.txt": (renamed_exe(), "not a text file: it looks like a program or binary data"),
        "bomb.docx": (docx_bomb(90_000_000), "too large once unpacked"),
        "photo.jpg": (b"\xff\xd8\xff", "not a supported type"),
        "bad\x00name.txt": (b"word " * 50, "the file name contains control characters"),
    }
    for filename, (raw, reason) in cases.items():
        response = await send(content, filename, raw)
        assert response.status_code == 400, filename
        error = (await response.get_json())["error"]
        shown = filename.replace("\x00", "\ufffd")
        assert error["details"]["filename"] == shown
        assert error["details"]["reason"].startswith(reason)
        assert error["message"].startswith(f"{shown}: {reason}")
    assert await content.fetch("SELECT 1 FROM texts") == []


async def test_only_cj_may_send_files_and_exactly_one_file_with_a_kind(content, samples):
    essay = samples.essay_text("x").encode()
    assert (await send(content, "a.txt", essay, service="bff_teacher_service")).status_code == 403
    assert (await send(content, "a.txt", essay, kind="poem")).status_code == 400
    two, headers = multipart([("a.txt", essay), ("b.txt", essay)], field_name="file")
    response = await content.call("POST", "/internal/v1/texts/files", service=CJ, user=None, data=two, headers=headers)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["details"]["field"] == "file"
