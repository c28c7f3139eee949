"""The teacher of every query is ``X-User-ID``, never a user id the caller names (issue 14, defect 8)."""

from __future__ import annotations

import pytest

from .conftest import CALLER

OWNER, OTHER = "owner-teacher", "other-teacher"


def _as(user: str | None) -> dict[str, str]:
    return CALLER if user is None else {**CALLER, "X-User-ID": user}


async def _owned_batch(query_service):
    story = query_service.story(OWNER, title="Owner's essays")
    await query_service.fold(story.registered(), story.uploaded(0))
    return story


@pytest.mark.parametrize("route", ["batches", "summary"])
async def test_a_user_route_names_only_the_caller(query_service, route):
    await _owned_batch(query_service)
    url = f"/internal/v1/users/{OWNER}/{route}"

    status, own = await query_service.get(url, headers=_as(OWNER))
    assert status == 200
    assert own["total" if route == "batches" else "total_batches"] == 1

    status, body = await query_service.get(url, headers=_as(OTHER))
    assert status == 404
    assert body["error"]["code"] == "NOT_FOUND"
    assert OWNER not in str(body)
    status, body = await query_service.get(url, headers=_as(None))
    assert (status, body["error"]["code"]) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("suffix", ["", "/history"])
async def test_a_batch_route_answers_only_its_owner_as_if_unknown_to_anyone_else(query_service, suffix):
    story = await _owned_batch(query_service)
    url = f"/internal/v1/batches/{story.batch_id}{suffix}"
    unknown_status, unknown = await query_service.get(
        f"/internal/v1/batches/00000000-0000-0000-0000-000000000000{suffix}", headers=_as(OTHER)
    )
    assert unknown_status == 404

    assert (await query_service.get(url, headers=_as(OWNER)))[0] == 200
    # Naming the owner in the query string no longer lends the caller the owner's rights.
    status, body = await query_service.get(url, headers=_as(OTHER), user_id=OWNER)
    assert status == 404
    assert {k: v for k, v in body["error"].items() if k != "correlation_id"} == {
        k: v for k, v in unknown["error"].items() if k != "correlation_id"
    }
    status, body = await query_service.get(url, headers=_as(None), user_id=OWNER)
    assert (status, body["error"]["code"]) == (401, "UNAUTHORIZED")
