"""The API gateway's own public routes: sign-in and its tokens (OAuth 2 field names, RFC 6749 §5.1).

- ``POST /v1/auth/login`` :class:`LoginRequest` → :class:`TokenResponse` (CMS checks the password;
  its lock after repeated failures is a 429 with ``Retry-After``).
- ``POST /v1/auth/refresh`` :class:`RefreshTokenRequest` → :class:`TokenResponse`: the refresh token is
  exchanged for a new one; presenting a used one again ends the whole session.
- ``POST /v1/auth/logout`` :class:`RefreshTokenRequest` → 204: ends the session.
- ``POST /v1/auth/password`` ``ChangePasswordRequest`` (``common_core.http.class_management``) → 204;
  ends the teacher's other sessions.
- ``GET /v1/me`` → ``UserProfile`` (``common_core.http.class_management``).
- ``GET /.well-known/jwks.json`` → :class:`JsonWebKeySet`: the public key of RS256 access tokens (empty for HS256).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common_core.http.class_management import MAX_PASSWORD_LENGTH, EmailAddress

# An opaque refresh token is 43 URL-safe characters; the bound only keeps junk out.
MAX_REFRESH_TOKEN_LENGTH = 200


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LoginRequest(_Strict):
    email: EmailAddress
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RefreshTokenRequest(_Strict):
    refresh_token: str = Field(min_length=1, max_length=MAX_REFRESH_TOKEN_LENGTH)


class TokenResponse(_Strict):
    access_token: str = Field(description="A JWT for 'Authorization: Bearer ...' on every other route.")
    refresh_token: str = Field(description="Opaque; good for one exchange at /v1/auth/refresh.")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - OAuth 2's token type, not a credential
    expires_in: int = Field(ge=1, description="Seconds until the access token expires.")


class JsonWebKey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    kty: Literal["RSA"]
    kid: str
    use: Literal["sig"]
    alg: Literal["RS256"]
    n: str = Field(description="The modulus, base64url.")
    e: str = Field(description="The exponent, base64url.")


class JsonWebKeySet(_Strict):
    keys: list[JsonWebKey]


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (LoginRequest, RefreshTokenRequest, TokenResponse, JsonWebKeySet)
