"""Teacher moderation through the gateway (issue 24): the public routes under the batch are the BFF's, asked
for the token's teacher only; bodies are checked with the contract's models first; the BFF's answers, its
refusals included, pass through as they are."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from common_core.http.examples import example_of
from services.api_gateway_service.tests.integration.proxy.conftest import TEACHER, Gateway
from services.api_gateway_service.tests.stand_in import Answer

BATCH = uuid.uuid4()
PUBLIC = f"/v1/batches/{BATCH}/moderation"
BFF = f"/bff/v1/teacher/batches/{BATCH}/moderation"
A, B = str(uuid.uuid4()), str(uuid.uuid4())
COLLEAGUE = uuid.uuid4()


@pytest.mark.parametrize(
    ("method", "rest", "body", "model", "status"),
    [
        ("GET", "next", None, "ModerationScreen", 200),
        ("POST", "verdicts", {"first": A, "second": B, "winner": B, "reason": "clearer"}, "ModerationVerdictView", 201),
        ("DELETE", "verdicts/last", None, "ModerationVerdictView", 200),
        ("GET", "report", None, "ModerationReport", 200),
        ("GET", "moderators", None, "ModeratorList", 200),
        ("POST", "moderators", {"email": "kollega@skola.se"}, "ModeratorList", 200),
        ("DELETE", f"moderators/{COLLEAGUE}", None, "ModeratorList", 200),
    ],
)
async def test_each_route_is_the_bffs_for_the_tokens_teacher(
    gateway: Gateway, method: str, rest: str, body: dict[str, str] | None, model: str, status: int
):
    gateway.point_bff_at_the_stand_in()
    answer = example_of(model)
    gateway.downstream.answer(method, f"{BFF}/{rest}", Answer(status=status, body=answer))

    response = await gateway.client.request(
        method, f"{PUBLIC}/{rest}", json=body, headers={"X-User-ID": "victim", "x-service-id": "bff_teacher_service"}
    )

    assert (response.status_code, response.json()) == (status, answer)
    seen = gateway.downstream.last()
    assert (seen.method, seen.path) == (method, f"{BFF}/{rest}")
    assert seen.headers.getlist("X-User-ID") == [TEACHER]
    if body is not None:
        assert json.loads(seen.body) == body


async def test_the_invitations_and_a_refusal_pass_through(gateway: Gateway):
    gateway.point_bff_at_the_stand_in()
    invitations = example_of("ModerationInvitations")
    gateway.downstream.answer("GET", "/bff/v1/teacher/moderation/invitations", Answer(body=invitations))
    assert (await gateway.client.get("/v1/moderation/invitations")).json() == invitations
    error: dict[str, Any] = {
        "error": {
            "code": "NOT_FOUND",
            "message": "No teacher account uses this email address",
            "correlation_id": None,
            "service": "bff_teacher_service",
            "details": {},
        }
    }
    gateway.downstream.answer("POST", f"{BFF}/moderators", Answer(status=404, body=error))
    refused = await gateway.client.post(f"{PUBLIC}/moderators", json={"email": "nobody@skola.se"})
    assert (refused.status_code, refused.json()) == (404, error)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"{PUBLIC}/verdicts", {"first": A, "second": B}),
        ("POST", f"{PUBLIC}/verdicts", {"first": A, "second": B, "winner": A, "reason": "two\nlines"}),
        ("POST", f"{PUBLIC}/verdicts", {"first": A, "second": B, "winner": A, "reason": "x" * 201}),
        ("POST", f"{PUBLIC}/moderators", {"email": "not an email"}),
        ("DELETE", f"{PUBLIC}/moderators/not-a-uuid", None),
        ("GET", "/v1/batches/not-a-uuid/moderation/next", None),
    ],
)
async def test_hostile_input_is_refused_before_the_bff(gateway: Gateway, method: str, path: str, body: object):
    gateway.point_bff_at_the_stand_in()
    response = await gateway.client.request(method, path, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert gateway.downstream.seen == []
