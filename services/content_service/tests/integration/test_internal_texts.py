"""The internal text store: content-addressed storage and lookups, behind the internal key."""

import hashlib

import pytest

CJ = "cj_assessment_service"


async def store(content, text: str, kind: str = "rubric", **kwargs):
    return await content.call(
        "POST",
        "/internal/v1/texts",
        service=kwargs.pop("service", CJ),
        user=kwargs.pop("user", None),
        json_body={"content": text, "kind": kind},
        **kwargs,
    )


async def test_storing_the_same_text_twice_gives_one_id(content):
    rubric = "Rubric\r\n  - a clear thesis (2 points)\r\n  - evidence (3 points)\r\n"
    first = await store(content, rubric)
    again = await store(content, rubric.replace("\r\n", "\n"))
    assert (first.status_code, again.status_code) == (201, 200)
    body = await first.get_json()
    expected = "Rubric\n  - a clear thesis (2 points)\n  - evidence (3 points)"  # indentation kept
    assert body == {
        "text_id": hashlib.sha256(expected.encode()).hexdigest(),
        "kind": "rubric",
        "content": expected,
        "word_count": 9,
    }
    assert await again.get_json() == body
    fetched = await content.call("GET", f"/internal/v1/texts/{body['text_id']}", service=CJ, user=None)
    assert await fetched.get_json() == body


async def test_batch_get_returns_the_found_texts_and_names_the_missing(content):
    ids = [
        (await (await store(content, f"Anchor essay number {n}.", "anchor")).get_json())["text_id"] for n in range(3)
    ]
    unknown = "0" * 64
    response = await content.call(
        "POST", "/internal/v1/texts/batch-get", service=CJ, user=None, json_body={"text_ids": [*ids, unknown, ids[0]]}
    )
    assert response.status_code == 200
    body = await response.get_json()
    assert set(body["texts"]) == set(ids)
    assert body["texts"][ids[1]]["content"] == "Anchor essay number 1."
    assert body["missing"] == [unknown]


async def test_unknown_and_malformed_text_ids(content):
    missing = await content.call("GET", f"/internal/v1/texts/{'a' * 64}", service=CJ, user=None)
    assert missing.status_code == 404
    malformed = await content.call("GET", "/internal/v1/texts/not-a-sha", service=CJ, user=None)
    assert malformed.status_code == 400
    empty = await store(content, "   \n  ")
    assert empty.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/internal/v1/texts/{'a' * 64}", None),
        ("POST", "/internal/v1/texts/batch-get", {"text_ids": ["a" * 64]}),
        ("POST", "/internal/v1/texts", {"content": "A prompt.", "kind": "student_prompt"}),
    ],
)
@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"key": None}, 401),
        ({"key": "wrong"}, 401),
        ({"service": None}, 403),
        ({"service": "llm_provider_service"}, 403),
    ],
)
async def test_internal_routes_reject_a_missing_or_wrong_key_or_caller(content, method, path, body, kwargs, status):
    options = {"service": CJ, **kwargs}
    response = await content.call(method, path, user=None, json_body=body, **options)
    assert response.status_code == status
    assert (await response.get_json())["error"]["code"] == ("UNAUTHORIZED" if status == 401 else "FORBIDDEN")
    assert await content.fetch("SELECT 1 FROM texts") == []


# The gateway and the BFF read only for a teacher, and only that teacher's essays (test_text_ownership.py).
@pytest.mark.parametrize("caller", ["cj_assessment_service", "class_management_service"])
async def test_each_documented_service_reader_may_read_texts_without_a_user(content, caller):
    stored = await (await store(content, "A student prompt.", "student_prompt")).get_json()
    response = await content.call("GET", f"/internal/v1/texts/{stored['text_id']}", service=caller, user=None)
    assert response.status_code == 200


async def test_cms_may_read_texts_but_not_store_them(content):
    stored = await (await store(content, "An essay opening. Tuva Karlsson", "essay")).get_json()
    cms = "class_management_service"
    one = await content.call("GET", f"/internal/v1/texts/{stored['text_id']}", service=cms, user=None)
    assert one.status_code == 200
    many = await content.call(
        "POST", "/internal/v1/texts/batch-get", service=cms, user=None, json_body={"text_ids": [stored["text_id"]]}
    )
    assert list((await many.get_json())["texts"]) == [stored["text_id"]]
    refused = await store(content, "A rubric CMS has no business writing.", "rubric", service=cms)
    assert refused.status_code == 403
