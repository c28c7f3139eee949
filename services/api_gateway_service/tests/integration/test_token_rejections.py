"""Every way an access token can be wrong is a 401 with its own code; RS256 signs, publishes and checks.

The tokens here are forged with PyJWT itself (or by hand, for ``alg=none``), so each case
differs from a good token in exactly one respect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .conftest import SECRET, Cms, Gateway, bearer, error_code, sign_in

ISSUER, AUDIENCE = "huleedu-api-gateway", "huleedu-api"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PEM = RSA_KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
RSA_PUBLIC_PEM = RSA_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    good: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
    }
    good.update(changes)
    return {name: value for name, value in good.items() if value is not None}


def hs256(**changes: Any) -> str:
    return jwt.encode(claims(**changes), SECRET, algorithm="HS256")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=").decode()


def _numeric(values: dict[str, Any]) -> dict[str, Any]:
    return {key: int(value.timestamp()) if isinstance(value, datetime) else value for key, value in values.items()}


def unsigned() -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_numeric(claims()))}."


def tampered() -> str:
    header, payload, signature = hs256().split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["sub"] = str(uuid.uuid4())
    return f"{header}.{_b64(forged)}.{signature}"


HS256_CASES = {
    "expired": (lambda: hs256(exp=datetime.now(UTC) - timedelta(seconds=5)), "TOKEN_EXPIRED"),
    "not yet valid": (lambda: hs256(nbf=datetime.now(UTC) + timedelta(minutes=5)), "TOKEN_NOT_YET_VALID"),
    "tampered": (tampered, "TOKEN_BAD_SIGNATURE"),
    "another secret": (
        lambda: jwt.encode(claims(), "another-secret-of-at-least-32-characters", algorithm="HS256"),
        "TOKEN_BAD_SIGNATURE",
    ),
    "wrong issuer": (lambda: hs256(iss="someone-else"), "TOKEN_WRONG_ISSUER"),
    "wrong audience": (lambda: hs256(aud="another-api"), "TOKEN_WRONG_AUDIENCE"),
    "alg none": (unsigned, "TOKEN_ALG_NONE"),
    "RS256 where HS256 is configured": (lambda: jwt.encode(claims(), RSA_PEM, algorithm="RS256"), "TOKEN_ALG_MISMATCH"),
    "HS512": (lambda: jwt.encode(claims(), SECRET * 2, algorithm="HS512"), "TOKEN_ALG_MISMATCH"),
    "no jti": (lambda: hs256(jti=None), "TOKEN_CLAIM_MISSING"),
    "no exp": (lambda: hs256(exp=None), "TOKEN_CLAIM_MISSING"),
    "not a JWT": (lambda: "not-a-jwt", "TOKEN_MALFORMED"),
    "garbage segments": (lambda: "a.b.c", "TOKEN_MALFORMED"),
    "empty subject": (lambda: hs256(sub=""), "TOKEN_MALFORMED"),
}


@pytest.mark.parametrize("case", sorted(HS256_CASES))
async def test_each_bad_token_is_a_401_with_its_own_code(gateway_without_cms: Gateway, case: str):
    forge, code = HS256_CASES[case]
    async with gateway_without_cms.client() as client:
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {forge()}"})

    assert response.status_code == 401, response.text
    body = response.json()["error"]
    assert (body["code"], body["service"]) == (code, "api_gateway_service")


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer   "])
async def test_no_bearer_token_is_token_missing(gateway_without_cms: Gateway, header: str | None):
    headers = {"Authorization": header} if header is not None else {}
    async with gateway_without_cms.client() as client:
        response = await client.get("/v1/me", headers=headers)

    assert (response.status_code, error_code(response)) == (401, "TOKEN_MISSING")


async def test_an_hs256_token_signed_with_the_rs256_public_key_is_refused(gateway_without_cms: Gateway):
    """The HS/RS confusion: a verifier that let the token pick the algorithm would take the public key as
    an HMAC secret. (PyJWT itself refuses to sign with a PEM as the secret, so the HMAC is made by hand.)"""
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(_numeric(claims()))}"
    signature = hmac.new(RSA_PUBLIC_PEM, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    async with gateway_without_cms.client(jwt_algorithm="RS256", jwt_private_key=RSA_PEM) as client:
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})

    assert (response.status_code, error_code(response)) == (401, "TOKEN_ALG_MISMATCH")


async def test_rs256_signs_publishes_its_key_and_accepts_its_own_tokens(gateway: Gateway, cms: Cms):
    email, user_id = await cms.new_teacher()
    async with gateway.client(jwt_algorithm="RS256", jwt_private_key=RSA_PEM, jwt_key_id="k1") as client:
        tokens = await sign_in(client, email)
        jwks = (await client.get("/.well-known/jwks.json")).json()
        me = await client.get("/v1/me", headers=bearer(tokens))

    assert me.status_code == 200, me.text
    (key,) = jwks["keys"]
    assert (key["kid"], key["alg"], key["use"], key["kty"]) == ("k1", "RS256", "sig", "RSA")
    public_key = RSAAlgorithm.from_jwk(json.dumps(key))
    decoded = jwt.decode(tokens["access_token"], public_key, algorithms=["RS256"], audience=AUDIENCE)  # type: ignore[arg-type]
    assert decoded["sub"] == user_id
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == "k1"


async def test_hs256_publishes_no_key(gateway_without_cms: Gateway):
    async with gateway_without_cms.client() as client:
        response = await client.get("/.well-known/jwks.json")

    assert response.json() == {"keys": []}
