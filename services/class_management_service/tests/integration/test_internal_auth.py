"""Internal and teacher routes refuse a missing or wrong key, a caller not on their list, and a
client-sent X-User-ID without the gateway's key (PITFALLS: unauthenticated internal route,
header spoofing)."""

import uuid

import pytest
from quart.typing import TestClientProtocol as QuartClient

from .conftest import KEY, gateway

SOME_ID = str(uuid.uuid4())
ROUTES = [
    ("POST", "/internal/v1/auth/verify", "api_gateway_service"),
    ("GET", f"/internal/v1/users/{SOME_ID}", "api_gateway_service"),
    ("GET", f"/internal/v1/users/{SOME_ID}/access-log", "bff_teacher_service"),
    ("GET", f"/internal/v1/students/{SOME_ID}/record", "bff_teacher_service"),
    ("GET", f"/internal/v1/batches/class-info?batch_ids={SOME_ID}", "bff_teacher_service"),
    ("GET", f"/internal/v1/batches/{SOME_ID}/student-names", "bff_teacher_service"),
    ("GET", f"/internal/v1/classes/{SOME_ID}", "content_service"),
    ("GET", "/v1/classes", "api_gateway_service"),
    ("POST", "/v1/students", "api_gateway_service"),
    ("GET", f"/v1/batches/{SOME_ID}/associations", "api_gateway_service"),
]


async def _call(client: QuartClient, method: str, path: str, headers: dict[str, str]):
    return await client.open(path, method=method, headers=headers, json={})


@pytest.mark.parametrize(("method", "path", "caller"), ROUTES)
async def test_a_missing_or_wrong_key_is_401_and_a_stranger_is_403(
    client: QuartClient, method: str, path: str, caller: str
):
    user = {"X-User-ID": SOME_ID}
    missing = await _call(client, method, path, {"X-Service-ID": caller, **user})
    wrong = await _call(client, method, path, {**gateway(SOME_ID, service=caller, key=KEY + "x")})
    stranger = await _call(client, method, path, gateway(SOME_ID, service="cj_assessment_service"))
    assert (missing.status_code, wrong.status_code, stranger.status_code) == (401, 401, 403)
    body = await wrong.get_json()
    assert body["error"]["code"] == "UNAUTHORIZED"
    assert body["error"]["service"] == "class_management_service"


async def test_a_client_sent_user_id_alone_reaches_nothing(client: QuartClient):
    spoofed = await client.get("/v1/classes", headers={"X-User-ID": SOME_ID, "x-user-id": SOME_ID})
    assert spoofed.status_code == 401


async def test_teacher_routes_need_the_gateway_identity_too(client: QuartClient):
    anonymous = await client.get("/v1/classes", headers=gateway())
    assert anonymous.status_code == 401
    assert "X-User-ID" in (await anonymous.get_json())["error"]["message"]


async def test_the_bff_may_read_users_but_not_check_passwords(client: QuartClient):
    profile = await client.get(f"/internal/v1/users/{SOME_ID}", headers=gateway(SOME_ID, service="bff_teacher_service"))
    verify = await client.post(
        "/internal/v1/auth/verify",
        headers=gateway(service="bff_teacher_service"),
        json={"email": "a@b.se", "password": "x"},
    )
    assert (profile.status_code, verify.status_code) == (404, 403)
