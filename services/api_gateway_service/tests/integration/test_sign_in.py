"""Sign-in through the real CMS: tokens, rotation, reuse detection, logout, password change (issue 16)."""

from __future__ import annotations

import jwt
from sqlalchemy import text

from huleedu_service_libs.db import create_engine

from .conftest import CMS_LOCK_AFTER, PASSWORD, SECRET, Cms, Gateway, bearer, error_code, sign_in

NEW_PASSWORD = "ett ännu längre och säkrare lösenord"


async def test_login_answers_oauth_tokens_and_me_is_the_teacher(gateway: Gateway, cms: Cms):
    email, user_id = await cms.new_teacher()
    async with gateway.client() as client:
        tokens = await sign_in(client, email)
        me = await client.get("/v1/me", headers=bearer(tokens))

    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    claims = jwt.decode(tokens["access_token"], SECRET, algorithms=["HS256"], audience="huleedu-api")
    assert claims["sub"] == user_id
    assert {"sub", "iss", "aud", "exp", "iat", "nbf", "jti"} <= set(claims)
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == user_id
    assert me.json()["email"] == email


async def test_a_wrong_password_is_cms_answer(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client() as client:
        response = await client.post("/v1/auth/login", json={"email": email, "password": "not the password"})

    assert response.status_code == 401
    assert response.json()["error"]["service"] == "class_management_service"


async def test_refresh_rotates_and_a_reused_token_ends_the_whole_session(gateway: Gateway, cms: Cms):
    email, user_id = await cms.new_teacher()
    async with gateway.client() as client:
        first = await sign_in(client, email)
        second = (await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
        third = (await client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})).json()
        reused = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        newest_after_reuse = await client.post("/v1/auth/refresh", json={"refresh_token": third["refresh_token"]})

    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    assert jwt.decode(third["access_token"], SECRET, algorithms=["HS256"], audience="huleedu-api")["sub"] == user_id
    assert (reused.status_code, error_code(reused)) == (401, "REFRESH_TOKEN_REUSED")
    # The thief's or the owner's newest token: either way the family is gone.
    assert (newest_after_reuse.status_code, error_code(newest_after_reuse)) == (401, "REFRESH_TOKEN_REVOKED")


async def test_a_reuse_also_stops_the_sessions_access_tokens(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client() as client:
        first = await sign_in(client, email)
        second = (await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
        before = await client.get("/v1/me", headers=bearer(second))
        await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        after = await client.get("/v1/me", headers=bearer(second))

    assert before.status_code == 200
    assert (after.status_code, error_code(after)) == (401, "TOKEN_REVOKED")


async def test_a_reuse_leaves_the_teachers_other_sessions_alone(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client() as client:
        laptop = await sign_in(client, email)
        phone = await sign_in(client, email)
        await client.post("/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
        await client.post("/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
        phone_refresh = await client.post("/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})

    assert phone_refresh.status_code == 200, phone_refresh.text


async def test_logout_ends_the_session(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client() as client:
        tokens = await sign_in(client, email)
        logout = await client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
        me = await client.get("/v1/me", headers=bearer(tokens))
        again = await client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
        refresh = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        unknown = await client.post("/v1/auth/logout", json={"refresh_token": "never-issued"})

    assert logout.status_code == 204
    assert (me.status_code, error_code(me)) == (401, "TOKEN_REVOKED")
    assert again.status_code == 204
    assert (refresh.status_code, error_code(refresh)) == (401, "REFRESH_TOKEN_REVOKED")
    assert (unknown.status_code, error_code(unknown)) == (401, "REFRESH_TOKEN_INVALID")


async def test_an_expired_refresh_token_is_refused(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client() as client:
        tokens = await sign_in(client, email)
        engine = create_engine(gateway.database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE family_id IN "
                        "(SELECT family_id FROM token_families WHERE user_id = :user)"
                    ),
                    {"user": jwt.decode(tokens["access_token"], options={"verify_signature": False})["sub"]},
                )
        finally:
            await engine.dispose()
        refresh = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert (refresh.status_code, error_code(refresh)) == (401, "REFRESH_TOKEN_EXPIRED")


async def test_a_password_change_ends_every_other_session(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client() as client:
        here = await sign_in(client, email)
        elsewhere = await sign_in(client, email)
        change = await client.post(
            "/v1/auth/password",
            headers=bearer(here),
            json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        here_me = await client.get("/v1/me", headers=bearer(here))
        elsewhere_me = await client.get("/v1/me", headers=bearer(elsewhere))
        here_refresh = await client.post("/v1/auth/refresh", json={"refresh_token": here["refresh_token"]})
        elsewhere_refresh = await client.post("/v1/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})
        old_login = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        new_login = await client.post("/v1/auth/login", json={"email": email, "password": NEW_PASSWORD})

    assert change.status_code == 204, change.text
    assert here_me.status_code == 200
    assert (elsewhere_me.status_code, error_code(elsewhere_me)) == (401, "TOKEN_REVOKED")
    assert here_refresh.status_code == 200, here_refresh.text
    assert (elsewhere_refresh.status_code, error_code(elsewhere_refresh)) == (401, "REFRESH_TOKEN_REVOKED")
    assert old_login.status_code == 401
    assert new_login.status_code == 200


async def test_a_wrong_old_password_is_cms_answer_and_ends_no_session(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client() as client:
        here = await sign_in(client, email)
        elsewhere = await sign_in(client, email)
        change = await client.post(
            "/v1/auth/password",
            headers=bearer(here),
            json={"old_password": "not the password", "new_password": NEW_PASSWORD},
        )
        elsewhere_refresh = await client.post("/v1/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})

    assert change.status_code == 403
    assert change.json()["error"]["service"] == "class_management_service"
    assert elsewhere_refresh.status_code == 200


async def test_cms_lock_passes_through_with_its_retry_after(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client() as client:
        for _ in range(CMS_LOCK_AFTER):
            await client.post("/v1/auth/login", json={"email": email, "password": "not the password"})
        locked = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})

    assert locked.status_code == 429, locked.text
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.json()["error"]["service"] == "class_management_service"
    assert locked.json()["error"]["code"] == "RATE_LIMITED"


async def test_me_and_password_need_a_token(gateway: Gateway):
    async with gateway.client() as client:
        me = await client.get("/v1/me")
        password = await client.post("/v1/auth/password", json={"old_password": "a", "new_password": NEW_PASSWORD})

    assert (me.status_code, error_code(me)) == (401, "TOKEN_MISSING")
    assert (password.status_code, error_code(password)) == (401, "TOKEN_MISSING")


async def test_healthz(gateway: Gateway):
    async with gateway.client() as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "redis"}


async def test_sign_in_while_cms_is_down_is_a_503(gateway_without_cms: Gateway):
    async with gateway_without_cms.client() as client:
        response = await client.post("/v1/auth/login", json={"email": "a@example.org", "password": PASSWORD})

    assert (response.status_code, error_code(response)) == (503, "SERVICE_UNAVAILABLE")
    assert response.json()["error"]["service"] == "api_gateway_service"


async def test_a_deleted_account_ends_every_session_and_cannot_sign_in_again(gateway: Gateway, cms: Cms):
    """Issue 23: the password is asked again; then every session ends and the gateway keeps none of them."""
    email, user_id = await cms.new_teacher()
    async with gateway.client() as client:
        here = await sign_in(client, email)
        elsewhere = await sign_in(client, email)
        wrong = await client.request("DELETE", "/v1/account", headers=bearer(here), json={"password": "not it"})
        still_me = await client.get("/v1/me", headers=bearer(here))
        deleted = await client.request("DELETE", "/v1/account", headers=bearer(here), json={"password": PASSWORD})
        here_me = await client.get("/v1/me", headers=bearer(here))
        elsewhere_me = await client.get("/v1/me", headers=bearer(elsewhere))
        refresh = await client.post("/v1/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})
        login = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})

    assert (wrong.status_code, still_me.status_code) == (403, 200)
    assert deleted.status_code == 204, deleted.text
    assert (here_me.status_code, error_code(here_me)) == (401, "TOKEN_REVOKED")
    assert (elsewhere_me.status_code, error_code(elsewhere_me)) == (401, "TOKEN_REVOKED")
    assert refresh.status_code == 401
    assert login.status_code == 401
    engine = create_engine(gateway.database_url)
    try:
        async with engine.connect() as conn:
            left = await conn.scalar(text("SELECT count(*) FROM token_families WHERE user_id = :u"), {"u": user_id})
    finally:
        await engine.dispose()
    assert left == 0
