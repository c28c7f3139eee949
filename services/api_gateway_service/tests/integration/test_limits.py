"""Per-IP, per-user and sign-in limits in Redis (429 with Retry-After and the error body), the body limit, CORS."""

from __future__ import annotations

import httpx

from .conftest import Cms, Gateway, bearer, error_code, sign_in


def assert_limited(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    error = response.json()["error"]
    assert (error["code"], error["service"], error["details"]["limit"]) == (
        "RATE_LIMITED",
        "api_gateway_service",
        limit,
    )


async def test_per_ip_limit_before_authentication(gateway_without_cms: Gateway):
    async with gateway_without_cms.client(ip_request_limit=3) as client:
        answers = [await client.get("/v1/me") for _ in range(4)]
        health = await client.get("/healthz")
    async with gateway_without_cms.client(ip_request_limit=3, client_ip="198.51.100.9") as other_ip:
        other = await other_ip.get("/v1/me")

    assert [a.status_code for a in answers[:3]] == [401, 401, 401]
    assert_limited(answers[3], "ip")
    assert health.status_code == 200  # probes are not counted
    assert other.status_code == 401  # another address has its own count


async def test_per_user_limit_after_authentication(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client(user_request_limit=2) as client:
        tokens = await sign_in(client, email)
        answers = [await client.get("/v1/me", headers=bearer(tokens)) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_limited(answers[2], "user")


async def test_tight_login_limit_per_ip(gateway: Gateway, cms: Cms):
    email, _ = await cms.new_teacher()
    async with gateway.client(login_ip_limit=2) as client:
        answers = [
            await client.post("/v1/auth/login", json={"email": email, "password": "not the password"}) for _ in range(2)
        ]
        # The right password no longer helps from this address: the attempts were counted, not the failures.
        limited = await client.post("/v1/auth/login", json={"email": email, "password": "anything"})

    assert [a.status_code for a in answers] == [401, 401]
    assert_limited(limited, "login_ip")


async def test_a_body_over_the_limit_is_refused_before_it_is_read(gateway_without_cms: Gateway):
    big = {"email": "a@example.org", "password": "x" * 5000}
    async with gateway_without_cms.client(max_body_bytes=2048) as client:
        declared = await client.post("/v1/auth/login", json=big)

        async def chunks():
            for _ in range(10):
                yield b"x" * 1024

        streamed = await client.post("/v1/auth/login", content=chunks(), headers={"content-type": "application/json"})

    assert (declared.status_code, error_code(declared)) == (413, "PAYLOAD_TOO_LARGE")
    assert (streamed.status_code, error_code(streamed)) == (413, "PAYLOAD_TOO_LARGE")


async def test_cors_allows_only_the_configured_origins(gateway_without_cms: Gateway):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    async with gateway_without_cms.client() as closed:
        none_configured = await closed.options("/v1/auth/login", headers={"Origin": "https://app.example", **preflight})
    async with gateway_without_cms.client(cors_origins=["https://app.example"]) as client:
        allowed = await client.options("/v1/auth/login", headers={"Origin": "https://app.example", **preflight})
        other = await client.options("/v1/auth/login", headers={"Origin": "https://evil.example", **preflight})

    assert "access-control-allow-origin" not in none_configured.headers
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers
