"""The CJ client asked before an account is deleted: CJ's list as is, and a 503 for anything else (fails closed)."""

import uuid

import httpx
import pytest

from class_management_service.adapters.cj_client import CJSharedAssignments
from huleedu_service_libs.errors import ServiceUnavailableError

USER = str(uuid.uuid4())
PATH = f"/internal/v1/users/{USER}/shared-assignments"


async def _ask(answer) -> list:
    async with httpx.AsyncClient(base_url="http://cj", transport=httpx.MockTransport(answer)) as client:
        return await CJSharedAssignments(client).shared_assignments(USER)


async def test_cjs_list_is_answered_and_the_user_is_named_in_the_path_and_header():
    assignment = str(uuid.uuid4())
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [{"assignment_id": assignment, "title": "Debattartikel"}]})

    [shared] = await _ask(answer)

    assert (str(shared.assignment_id), shared.title) == (assignment, "Debattartikel")
    assert (seen[0].url.path, seen[0].headers["X-User-ID"]) == (PATH, USER)
    assert await _ask(lambda request: httpx.Response(200, json={"items": []})) == []


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


@pytest.mark.parametrize(
    "answer",
    [
        _refuse,
        lambda request: httpx.Response(503, json={"error": {}}),
        lambda request: httpx.Response(404, json={"error": {}}),
        lambda request: httpx.Response(200, json={"assignments": []}),
        lambda request: httpx.Response(200, content=b"not json"),
    ],
    ids=["unreachable", "5xx", "404", "another shape", "not json"],
)
async def test_anything_but_cjs_list_is_a_503(answer):
    with pytest.raises(ServiceUnavailableError, match="nothing was deleted"):
        await _ask(answer)
