"""Access tokens: short-lived JWTs the gateway signs at sign-in and checks on every request.

Validation pins the one configured algorithm before anything else is trusted: the header's
``alg`` is read only to name the refusal (``none``, or the other family, which is how an
HS/RS confusion attack arrives), never to choose how to verify. PyJWT then checks the signature
first and the claims after it, so a tampered payload is a bad signature, not a wrong claim.
Each refusal is its own error code, so a client (and a log) can tell an expired token from a forged one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from huleedu_service_libs.errors import ErrorCode, UnauthorizedError

REQUIRED_CLAIMS = ("sub", "iss", "aud", "exp", "iat", "nbf", "jti", "sid")


class TokenRejectedError(UnauthorizedError):
    """A 401 whose code says why the access token was refused."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]  # per instance: one class, many reasons


@dataclass(frozen=True)
class SigningKeys:
    """The configured algorithm and its keys; the JWKS is empty for HS256 (a shared secret is never published)."""

    algorithm: Literal["HS256", "RS256"]
    signing_key: Any
    verification_key: Any
    key_id: str | None = None

    @classmethod
    def hs256(cls, secret: str) -> SigningKeys:
        return cls("HS256", secret, secret)

    @classmethod
    def rs256(cls, private_key_pem: str, key_id: str) -> SigningKeys:
        private_key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(private_key, RSAPrivateKey):
            raise ValueError("the RS256 private key must be an RSA key in PEM form")
        return cls("RS256", private_key, private_key.public_key(), key_id)

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        if not isinstance(self.verification_key, RSAPublicKey):
            return {"keys": []}
        jwk = RSAAlgorithm.to_jwk(self.verification_key, as_dict=True)
        return {"keys": [{**jwk, "kid": self.key_id, "use": "sig", "alg": self.algorithm}]}


@dataclass(frozen=True)
class AccessClaims:
    """What a valid token says: the teacher, the token's id, and the sign-in session it belongs to."""

    user_id: str
    token_id: str
    session_id: str


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    token_id: str
    expires_in: int


@dataclass(frozen=True)
class AccessTokens:
    keys: SigningKeys
    issuer: str
    audience: str
    ttl_s: int
    leeway_s: int = 0

    def issue(self, user_id: str, session_id: str, now: datetime) -> IssuedAccessToken:
        token_id = str(uuid.uuid4())
        claims = {
            "sub": user_id,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(seconds=self.ttl_s),
            "jti": token_id,
            "sid": session_id,
        }
        headers = {"kid": self.keys.key_id} if self.keys.key_id else None
        token = jwt.encode(claims, self.keys.signing_key, algorithm=self.keys.algorithm, headers=headers)
        return IssuedAccessToken(token, token_id, self.ttl_s)

    def validate(self, token: str) -> AccessClaims:
        self._check_algorithm(token)
        try:
            claims = jwt.decode(
                token,
                self.keys.verification_key,
                algorithms=[self.keys.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejectedError(ErrorCode.TOKEN_EXPIRED, "The access token has expired; refresh it") from None
        except jwt.ImmatureSignatureError:
            raise TokenRejectedError(ErrorCode.TOKEN_NOT_YET_VALID, "The access token is not valid yet") from None
        except jwt.InvalidSignatureError:
            raise TokenRejectedError(ErrorCode.TOKEN_BAD_SIGNATURE, "The access token's signature is invalid") from None
        except jwt.InvalidIssuerError:
            raise TokenRejectedError(ErrorCode.TOKEN_WRONG_ISSUER, "The access token has another issuer") from None
        except jwt.InvalidAudienceError:
            raise TokenRejectedError(
                ErrorCode.TOKEN_WRONG_AUDIENCE, "The access token is for another audience"
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejectedError(
                ErrorCode.TOKEN_CLAIM_MISSING, f"The access token lacks the {exc.claim!r} claim"
            ) from None
        except jwt.InvalidTokenError:
            raise _malformed() from None
        subject, token_id, session_id = claims["sub"], claims["jti"], claims["sid"]
        if not all(isinstance(value, str) and value for value in (subject, token_id, session_id)):
            raise _malformed()
        return AccessClaims(subject, token_id, session_id)

    def _check_algorithm(self, token: str) -> None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise _malformed() from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm.lower() == "none":
            raise TokenRejectedError(ErrorCode.TOKEN_ALG_NONE, "Unsigned access tokens are not accepted")
        if algorithm != self.keys.algorithm:
            raise TokenRejectedError(
                ErrorCode.TOKEN_ALG_MISMATCH, f"The access token must be signed with {self.keys.algorithm}"
            )


def _malformed() -> TokenRejectedError:
    return TokenRejectedError(ErrorCode.TOKEN_MALFORMED, "The access token is not a well-formed JWT")
