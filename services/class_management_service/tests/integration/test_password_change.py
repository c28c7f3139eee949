"""POST /v1/auth/password: the X-User-ID teacher's own password, the old one checked and counted
toward the sign-in lock, the new one under the creation rule (issue 15, accounts)."""

import uuid
from typing import Any

import pytest
from quart.typing import TestClientProtocol as QuartClient

from class_management_service.config import Settings
from class_management_service.entrypoints.http_support import CONTEXT_EXTENSION
from class_management_service.metrics import PASSWORD_CHANGES
from class_management_service.service_layer.accounts import create_teacher

from .conftest import gateway

URL = "/v1/auth/password"
OLD, NEW = "lång-och-säker-lösen", "ännu längre och säkrare"
BFF = "bff_teacher_service"


# The quart TestApp: its ``.app`` holds the service context (TestAppProtocol does not declare it).
async def _teacher(running_app: Any, email: str, password: str = OLD) -> str:
    context = running_app.app.extensions[CONTEXT_EXTENSION]
    async with context.unit_of_work() as uow:
        profile = await create_teacher(uow, context.passwords, email=email, display_name="Karin", password=password)
    return str(profile.user_id)


async def _change(
    client: QuartClient, user_id: str | None, old: str, new: str, *, service: str = "api_gateway_service"
):
    return await client.post(
        URL, headers=gateway(user_id, service=service), json={"old_password": old, "new_password": new}
    )


async def _signs_in(client: QuartClient, email: str, password: str) -> int:
    response = await client.post(
        "/internal/v1/auth/verify", headers=gateway(), json={"email": email, "password": password}
    )
    return response.status_code


def _count(outcome: str) -> float:
    value: float = PASSWORD_CHANGES.labels(outcome)._value.get()
    return value


@pytest.mark.parametrize("service", ["api_gateway_service", BFF])
async def test_the_new_password_works_and_the_old_one_no_longer_does(
    client: QuartClient, running_app: Any, service: str
):
    karin = await _teacher(running_app, "karin@skola.se")
    changed_before = _count("changed")

    response = await _change(client, karin, OLD, NEW, service=service)

    assert (response.status_code, await response.get_data()) == (204, b"")
    assert await _signs_in(client, "karin@skola.se", OLD) == 401
    assert await _signs_in(client, "karin@skola.se", NEW) == 200
    assert _count("changed") == changed_before + 1
    assert "cms_password_changes_total" in await (await client.get("/metrics")).get_data(as_text=True)


async def test_a_wrong_old_password_is_403_and_changes_nothing(client: QuartClient, running_app: Any):
    karin = await _teacher(running_app, "karin@skola.se")

    response = await _change(client, karin, "inte mitt lösenord", NEW)

    assert response.status_code == 403
    error = (await response.get_json())["error"]
    assert (error["code"], error["details"]["reason"]) == ("FORBIDDEN", "wrong_old_password")
    assert error["details"]["fields"][0]["field"] == "old_password"
    assert await _signs_in(client, "karin@skola.se", OLD) == 200
    assert await _signs_in(client, "karin@skola.se", NEW) == 401


async def test_wrong_old_passwords_count_toward_the_sign_in_lock(
    client: QuartClient, running_app: Any, settings: Settings
):
    assert settings.login_max_failures == 3
    karin = await _teacher(running_app, "karin@skola.se")
    assert await _signs_in(client, "karin@skola.se", "gissning") == 401

    statuses = [(await _change(client, karin, f"gissning {i}", NEW)).status_code for i in range(2)]

    assert statuses == [403, 429]  # the second wrong guess here is the third failure in all
    locked = await _change(client, karin, OLD, NEW)  # even the right password, while locked
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= settings.login_lockout_seconds
    assert "Too many failed password attempts" in (await locked.get_json())["error"]["message"]
    assert await _signs_in(client, "karin@skola.se", OLD) == 429  # one lock for sign-in and change


async def test_a_successful_change_forgives_earlier_failures(client: QuartClient, running_app: Any):
    karin = await _teacher(running_app, "karin@skola.se")
    for _ in range(2):
        assert (await _change(client, karin, "fel", NEW)).status_code == 403

    assert (await _change(client, karin, OLD, NEW)).status_code == 204

    for _ in range(2):  # with the failures kept, the second of these would lock the account
        assert await _signs_in(client, "karin@skola.se", "fel") == 401
    assert await _signs_in(client, "karin@skola.se", NEW) == 200


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("kort", "at least 10 characters"),
        (OLD, "the same as the old one"),
        ("x" * 1025, "at most 1024 characters"),
    ],
)
async def test_a_weak_or_unchanged_new_password_is_400(client: QuartClient, running_app: Any, new: str, message: str):
    karin = await _teacher(running_app, "karin@skola.se")

    response = await _change(client, karin, OLD, new)

    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert message in error["message"]
    assert [f["field"] for f in error["details"]["fields"]] == ["new_password"]
    assert await _signs_in(client, "karin@skola.se", OLD) == 200


async def test_a_request_that_cannot_be_valid_costs_no_guess(client: QuartClient, running_app: Any, settings: Settings):
    """A bad new password is refused before the old one is checked, so it never counts toward the lock."""
    karin = await _teacher(running_app, "karin@skola.se")
    for _ in range(settings.login_max_failures + 1):
        assert (await _change(client, karin, "fel", "kort")).status_code == 400
    assert await _signs_in(client, "karin@skola.se", OLD) == 200


async def test_the_identity_comes_from_x_user_id_only(client: QuartClient, running_app: Any):
    karin = await _teacher(running_app, "karin@skola.se")
    bertil = await _teacher(running_app, "bertil@skola.se", password="bertils-eget-lösenord")

    anonymous = await _change(client, None, OLD, NEW)
    assert anonymous.status_code == 401
    assert "X-User-ID" in (await anonymous.get_json())["error"]["message"]
    # Karin's password, sent as Bertil: checked against Bertil's account, so it is wrong.
    assert (await _change(client, bertil, OLD, NEW)).status_code == 403
    # A user id in the body is not a field at all.
    smuggled = await client.post(
        URL, headers=gateway(bertil), json={"old_password": OLD, "new_password": NEW, "user_id": karin}
    )
    assert smuggled.status_code == 400
    assert await _signs_in(client, "karin@skola.se", OLD) == 200
    # Someone the gateway vouches for, without a teacher account here (or with an id that is not one).
    for stranger in (str(uuid.uuid4()), "not-a-uuid"):
        assert (await _change(client, stranger, OLD, NEW)).status_code == 404


async def test_only_the_gateway_and_the_bff_may_call_it(client: QuartClient, running_app: Any):
    karin = await _teacher(running_app, "karin@skola.se")
    for service in ("content_service", "result_aggregator_service"):
        assert (await _change(client, karin, OLD, NEW, service=service)).status_code == 403
    no_key = await client.post(URL, headers={"X-Service-ID": "api_gateway_service", "X-User-ID": karin}, json={})
    assert no_key.status_code == 401
    assert await _signs_in(client, "karin@skola.se", OLD) == 200
