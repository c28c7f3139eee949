"""Teacher accounts: create-teacher, the credential check with its lock-out, profiles, the dev demo teacher."""

import io
import uuid
from collections.abc import Callable

from quart.typing import TestClientProtocol as QuartClient

from class_management_service.app import create_app
from class_management_service.config import Settings
from class_management_service.di import teacher_store
from class_management_service.entrypoints.create_teacher import run_create_teacher
from class_management_service.service_layer.accounts import DEMO_EMAIL, DEMO_PASSWORD
from huleedu_service_libs.settings import DEV_INTERNAL_API_KEY
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure

from .conftest import ALEMBIC_DIR, dev_mode_settings, gateway

PASSWORD = "lång-och-säker-lösen"


def _create(settings: Settings, email: str, password: str = PASSWORD, name: str = "Karin Lärare") -> int:
    return run_create_teacher(
        ["--email", email, "--name", name], settings, stdin=io.StringIO(password + "\n"), open_store=teacher_store
    )


async def _verify(client: QuartClient, email: str, password: str):
    return await client.post("/internal/v1/auth/verify", headers=gateway(), json={"email": email, "password": password})


async def test_create_teacher_then_sign_in_and_read_the_profile(client: QuartClient, settings: Settings, capsys):
    assert _create(settings, "Karin@Skola.se") == 0
    assert "with user id" in capsys.readouterr().out

    signed_in = await _verify(client, "  karin@skola.SE ", PASSWORD)
    assert signed_in.status_code == 200
    profile = await signed_in.get_json()
    assert (profile["email"], profile["display_name"], profile["locale"]) == ("karin@skola.se", "Karin Lärare", "sv-SE")

    fetched = await client.get(f"/internal/v1/users/{profile['user_id']}", headers=gateway(profile["user_id"]))
    assert await fetched.get_json() == profile
    unknown_id = str(uuid.uuid4())
    unknown = await client.get(
        f"/internal/v1/users/{unknown_id}", headers=gateway(unknown_id, service="bff_teacher_service")
    )
    assert unknown.status_code == 404


async def test_create_teacher_refuses_a_taken_email_and_a_short_password(settings: Settings, capsys):
    assert _create(settings, "karin@skola.se") == 0
    assert _create(settings, "KARIN@skola.se") == 1
    assert "already exists" in capsys.readouterr().err
    assert _create(settings, "other@skola.se", password="kort") == 1
    assert "at least 10 characters" in capsys.readouterr().err


async def test_wrong_password_and_unknown_email_get_the_same_401(client: QuartClient, settings: Settings):
    assert _create(settings, "karin@skola.se") == 0
    wrong = await _verify(client, "karin@skola.se", "fel lösenord")
    unknown = await _verify(client, "nobody@skola.se", PASSWORD)
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    assert (await wrong.get_json())["error"]["message"] == (await unknown.get_json())["error"]["message"]


async def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client: QuartClient, settings: Settings, running_app
):
    assert settings.login_max_failures == 3
    assert _create(settings, "karin@skola.se") == 0
    statuses = [(await _verify(client, "karin@skola.se", f"guess {i}")).status_code for i in range(3)]
    assert statuses == [401, 401, 429]

    locked = await _verify(client, "Karin@skola.se", PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= settings.login_lockout_seconds
    error = (await locked.get_json())["error"]
    assert error["code"] == "RATE_LIMITED"
    assert "Too many failed sign-in attempts" in error["message"]

    # Other accounts are unaffected; once the lock expires the right password works again.
    assert (await _verify(client, "someone@skola.se", "x")).status_code == 401
    redis = running_app.app.extensions["class_management_service"].login_guard._redis
    for key in await redis.keys(settings.redis_key_prefix + "login_failures:*"):
        await redis.delete(key)
    assert (await _verify(client, "karin@skola.se", PASSWORD)).status_code == 200


async def test_a_success_forgives_earlier_failures(client: QuartClient, settings: Settings):
    assert _create(settings, "karin@skola.se") == 0
    for _ in range(2):
        assert (await _verify(client, "karin@skola.se", "fel")).status_code == 401
    assert (await _verify(client, "karin@skola.se", PASSWORD)).status_code == 200
    for _ in range(2):
        assert (await _verify(client, "karin@skola.se", "fel")).status_code == 401


async def test_verify_validates_its_body(client: QuartClient):
    response = await client.post("/internal/v1/auth/verify", headers=gateway(), json={"email": "not-an-email"})
    fields = {f["field"] for f in (await response.get_json())["error"]["details"]["fields"]}
    assert response.status_code == 400
    assert fields == {"email", "password"}


async def test_dev_mode_seeds_the_demo_teacher_once(
    database_factory: Callable[[str], str], infrastructure: Infrastructure, unique_group_id: str, redis_prefix: str
):
    url = migrated_database(database_factory, ALEMBIC_DIR, "demo")
    settings = dev_mode_settings(infrastructure, url, consumer_group=unique_group_id, redis_key_prefix=redis_prefix)
    assert settings.dev_mode
    assert settings.effective_internal_api_key() == DEV_INTERNAL_API_KEY
    for _ in range(2):  # a restart finds the demo teacher and leaves it be
        app = await create_app(settings)
        async with app.test_app() as test_app:
            response = await test_app.test_client().post(
                "/internal/v1/auth/verify",
                headers=gateway(key=DEV_INTERNAL_API_KEY),
                json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            )
            assert response.status_code == 200


async def test_a_teacher_finds_a_colleague_by_email_and_learns_only_the_id_and_stored_email(
    client: QuartClient, settings: Settings
):
    """``POST /internal/v1/users/lookup``: the BFF adding a moderator (issue 24)."""
    assert _create(settings, "owner@skola.se") == 0
    assert _create(settings, "Kollega@Skola.se", name="Kollega") == 0
    owner = await (await _verify(client, "owner@skola.se", PASSWORD)).get_json()
    colleague = await (await _verify(client, "kollega@skola.se", PASSWORD)).get_json()
    bff = gateway(owner["user_id"], service="bff_teacher_service")

    found = await client.post("/internal/v1/users/lookup", headers=bff, json={"email": " KOLLEGA@skola.se "})
    assert found.status_code == 200
    # The email as stored (trimmed, lower case), not as typed: the BFF shows the owner this one.
    assert await found.get_json() == {"user_id": colleague["user_id"], "email": "kollega@skola.se"}

    unknown = await client.post("/internal/v1/users/lookup", headers=bff, json={"email": "nobody@skola.se"})
    assert unknown.status_code == 404
    error = (await unknown.get_json())["error"]
    assert error["message"] == "No teacher account uses this email address"
    assert "skola" not in str(error["details"])

    hostile_bodies: list[object] = [
        {"email": "not-an-email"},
        {"email": "a@b\x00.se"},
        {"email": "x" * 400 + "@b.se"},
        {},
        [],
    ]
    for hostile in hostile_bodies:
        refused = await client.post("/internal/v1/users/lookup", headers=bff, json=hostile)
        assert refused.status_code == 400, hostile
        assert "error" in await refused.get_json()
    # Only the BFF, and only for a signed-in teacher.
    assert (
        await client.post("/internal/v1/users/lookup", headers=gateway(owner["user_id"]), json={})
    ).status_code == 403
    no_user = await client.post(
        "/internal/v1/users/lookup", headers=gateway(service="bff_teacher_service"), json={"email": "owner@skola.se"}
    )
    assert no_user.status_code == 401
