"""A text is read for a teacher only when it is an essay of one of their batches; services read
without a user only if they are CJ or CMS (issue 14, defect 8)."""

from __future__ import annotations

import pytest

from .test_internal_texts import store

TEACHER_A, TEACHER_B = "teacher-a", "teacher-b"
SERVICE_READERS = ("cj_assessment_service", "class_management_service")
TEACHER_PROXIES = ("api_gateway_service", "bff_teacher_service")


async def _essay_refs(content) -> list[str]:
    batch_id = await content.batch_with_essays(2)
    essays = await (await content.call("GET", f"/v1/batches/{batch_id}/essays", user=TEACHER_A)).get_json()
    return [essay["text_ref"] for essay in essays["items"]]


async def _get(content, text_id: str, service: str, user: str | None):
    return await content.call("GET", f"/internal/v1/texts/{text_id}", service=service, user=user)


async def _batch_get(content, text_ids: list[str], service: str, user: str | None):
    response = await content.call(
        "POST", "/internal/v1/texts/batch-get", service=service, user=user, json_body={"text_ids": text_ids}
    )
    return response.status_code, await response.get_json()


@pytest.mark.parametrize("service", TEACHER_PROXIES)
async def test_a_teacher_reads_only_the_essays_of_their_own_batches(content, service):
    refs = await _essay_refs(content)
    rubric = (await (await store(content, "A rubric only CJ reads.", "rubric")).get_json())["text_id"]

    assert (await _get(content, refs[0], service, TEACHER_A)).status_code == 200
    other = await _get(content, refs[0], service, TEACHER_B)
    unknown = await _get(content, "b" * 64, service, TEACHER_B)
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert (await other.get_json())["error"]["message"] == (await unknown.get_json())["error"]["message"]
    # Assignment texts reach teachers through CJ's assignment routes, never straight from the store.
    assert (await _get(content, rubric, service, TEACHER_A)).status_code == 404

    status, own = await _batch_get(content, [*refs, rubric], service, TEACHER_A)
    assert (status, sorted(own["texts"]), own["missing"]) == (200, sorted(refs), [rubric])
    status, theirs = await _batch_get(content, refs, service, TEACHER_B)
    assert (status, theirs["texts"], theirs["missing"]) == (200, {}, refs)


@pytest.mark.parametrize("service", TEACHER_PROXIES)
async def test_a_teacher_proxy_without_a_user_reads_nothing(content, service):
    [ref, _] = await _essay_refs(content)
    assert (await _get(content, ref, service, None)).status_code == 401
    assert (await _batch_get(content, [ref], service, None))[0] == 401


@pytest.mark.parametrize("service", SERVICE_READERS)
async def test_cj_and_cms_read_any_text_without_a_user(content, service):
    [ref, _] = await _essay_refs(content)
    assert (await _get(content, ref, service, None)).status_code == 200
    status, body = await _batch_get(content, [ref], service, None)
    assert (status, list(body["texts"])) == (200, [ref])
