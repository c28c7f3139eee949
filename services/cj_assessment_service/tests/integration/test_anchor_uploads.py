"""Bulk anchor uploads: the assignment is checked first, then counts and sizes, then the grades file,
and only then are files extracted, by content service (a fake over HTTP here)."""

import pytest

from cj_assessment_service.domain import anchor_grades
from services.cj_assessment_service.tests.integration.conftest import Harness, post_multipart, teacher_headers
from services.content_service.tests.hostile_files import docx_bomb

ASSIGNMENT = {"title": "Letters", "course_code": "ENG5", "grade_scale": "eng5_np", "instructions": "Compare."}


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return docx_bomb(90_000_000)


async def new_assignment(client, user: str = "teacher-1", shared: bool = False) -> str:
    created = await client.post("/v1/assignments", json={**ASSIGNMENT, "shared": shared}, headers=teacher_headers(user))
    assert created.status_code == 201
    return (await created.get_json())["assignment_id"]


async def post_raw_multipart(client, path: str, parts: list[tuple[str, tuple[str, bytes]]]):
    """Like ``post_multipart``, but file names go out as raw UTF-8 (httpx would percent-encode a NUL)."""
    boundary = "hostile-boundary"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n\r\n'.encode()
        + data
        + b"\r\n"
        for field, (name, data) in parts
    )
    headers = {**teacher_headers(), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return await client.post(path, data=body + f"--{boundary}--\r\n".encode(), headers=headers)


def counting_grades_parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = anchor_grades.parse_grades_file

    def counting(filename: str, data: bytes) -> dict[str, str]:
        parsed.append(filename)
        return real(filename, data)

    monkeypatch.setattr(anchor_grades, "parse_grades_file", counting)
    return parsed


async def test_a_bomb_for_an_assignment_the_caller_cannot_edit_is_refused_unread(harness: Harness, bomb, monkeypatch):
    app = await harness.start()
    client = app.test_client()
    private = await new_assignment(client, shared=False)
    shared = await new_assignment(client, shared=True)
    parsed = counting_grades_parses(monkeypatch)
    upload = [("files", ("bomb.docx", bomb)), ("grades", ("g.csv", b"bomb,C\n"))]
    unknown = "00000000-0000-0000-0000-00000000beef"
    for assignment_id, status in ((unknown, 404), (private, 404), (shared, 403)):
        response = await post_multipart(client, f"/v1/assignments/{assignment_id}/anchors/bulk", upload, "teacher-2")
        assert response.status_code == status, await response.get_data(as_text=True)
    assert parsed == []  # not even the grades file was read
    assert harness.content.file_stores == 0  # and no file went to extraction


async def test_counts_names_and_the_grades_file_are_checked_before_any_file_is_extracted(harness: Harness):
    app = await harness.start(max_anchor_files=2)
    client = app.test_client()
    assignment_id = await new_assignment(client)
    url = f"/v1/assignments/{assignment_id}/anchors/bulk"
    good = [("files", ("a1.txt", b"Anchor one.")), ("files", ("a2.txt", b"Anchor two."))]
    cases = [
        ([*good, ("files", ("a3.txt", b"Three.")), ("grades", ("g.csv", b"a1,C\na2,B\na3,A\n"))], "at most 2"),
        ([*good, ("grades", ("g.json", b"[" * 50_000 + b"]" * 50_000))], "g.json: not a grades file (nested"),
        ([*good, ("grades", ("g.csv", b"a1,C\na2,\xff\n"))], "g.csv: not UTF-8 text"),
        ([*good, ("grades", ("g.csv", b"a1,C\x00\na2,B\n"))], "g.csv: holds a NUL"),
        ([*good, ("grades", ("g.csv", b"a1,C\n" * 50_000))], "g.csv: too large"),
        (
            [("files", ("a\x00b.txt", b"Anchor.")), ("files", ("a2.txt", b"Two.")), ("grades", ("g.csv", b"a2,B\n"))],
            "a\ufffdb.txt: the file name contains control characters",
        ),
    ]
    for parts, message in cases:
        response = await post_raw_multipart(client, url, parts)
        assert response.status_code == 400, message
        assert message in (await response.get_json())["error"]["message"]
    assert harness.content.file_stores == 0
    listed = await client.get(f"/v1/assignments/{assignment_id}/anchors", headers=teacher_headers())
    assert (await listed.get_json())["anchors"] == []

    created = await post_multipart(client, url, [*good, ("grades", ("g.csv", b"a1,C+\na2,B\n"))])
    assert created.status_code == 201, await created.get_data(as_text=True)
    assert harness.content.file_stores == 2
