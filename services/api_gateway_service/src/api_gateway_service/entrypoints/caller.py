"""Who is calling: the teacher named by a valid bearer access token (a FastAPI dependency).

A route that acts for a teacher declares ``caller: Annotated[Caller, Depends(current_caller)]``;
the token is checked (401 with the reason's own code otherwise, ``TOKEN_REVOKED`` once its session
has ended) and the teacher's request limit counted before the route runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from api_gateway_service.domain.access_tokens import AccessClaims, TokenRejectedError
from api_gateway_service.entrypoints.context import gateway_context
from api_gateway_service.metrics import TOKEN_REJECTIONS, rejection_reason
from huleedu_service_libs.errors import ErrorCode

_BEARER = "bearer"


@dataclass(frozen=True)
class Caller:
    user_id: str
    token_id: str


async def current_claims(request: Request) -> AccessClaims:
    """The valid access token's claims, after the teacher's request limit was counted."""
    context = gateway_context(request)
    try:
        claims = context.tokens.validate(_bearer_token(request))
        if await context.sign_in.has_ended(claims.session_id):
            raise TokenRejectedError(ErrorCode.TOKEN_REVOKED, "This session has ended; sign in again")
    except TokenRejectedError as rejected:
        TOKEN_REJECTIONS.labels(rejection_reason(rejected.code)).inc()
        raise
    await context.limiter.hit(context.limits.per_user, claims.user_id)
    return claims


async def current_caller(request: Request) -> Caller:
    claims = await current_claims(request)
    return Caller(user_id=claims.user_id, token_id=claims.token_id)


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != _BEARER or not token.strip():
        raise TokenRejectedError(ErrorCode.TOKEN_MISSING, "Sign in first: send 'Authorization: Bearer <access token>'")
    return token.strip()
