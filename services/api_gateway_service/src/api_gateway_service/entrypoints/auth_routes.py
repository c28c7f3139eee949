"""Sign-in and the teacher's own account: ``/v1/auth/*``, ``/v1/me`` and the JWKS (thin: see ``SignIn``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from api_gateway_service.domain.access_tokens import AccessClaims
from api_gateway_service.entrypoints.caller import Caller, current_caller, current_claims
from api_gateway_service.entrypoints.context import gateway_context
from api_gateway_service.entrypoints.edge import client_ip
from api_gateway_service.metrics import LOGINS, login_outcome
from api_gateway_service.proxying import relay
from common_core.http.class_management import AccountDeletionRequest, ChangePasswordRequest, UserProfile
from common_core.http.errors import ErrorResponse
from common_core.http.gateway import JsonWebKeySet, LoginRequest, RefreshTokenRequest, TokenResponse
from huleedu_service_libs.errors import RateLimitedError

router = APIRouter(tags=["auth"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not signed in, or the token was refused (the code says why)."},
    429: {"model": ErrorResponse, "description": "Too many requests; Retry-After says when to try again."},
}


@router.post("/v1/auth/login", response_model=TokenResponse, responses=_ERRORS)
async def login(body: LoginRequest, request: Request) -> Response | TokenResponse:
    context = gateway_context(request)
    try:
        await context.limiter.hit(context.limits.login_per_ip, client_ip(request.scope))
    except RateLimitedError:
        LOGINS.labels("rate_limited").inc()
        raise
    answer = await context.accounts.verify(body.email, body.password)
    LOGINS.labels(login_outcome(answer.status_code)).inc()
    if answer.status_code != 200:
        return relay(answer)
    profile = UserProfile.model_validate_json(answer.content)
    return await context.sign_in.start(str(profile.user_id))


@router.post("/v1/auth/refresh", response_model=TokenResponse, responses=_ERRORS)
async def refresh(body: RefreshTokenRequest, request: Request) -> TokenResponse:
    return await gateway_context(request).sign_in.refresh(body.refresh_token)


@router.post("/v1/auth/logout", status_code=204, responses=_ERRORS)
async def logout(body: RefreshTokenRequest, request: Request) -> Response:
    await gateway_context(request).sign_in.end(body.refresh_token)
    return Response(status_code=204)


@router.post("/v1/auth/password", status_code=204, responses=_ERRORS)
async def change_password(
    body: ChangePasswordRequest, request: Request, claims: Annotated[AccessClaims, Depends(current_claims)]
) -> Response:
    context = gateway_context(request)
    answer = await context.accounts.change_password(claims.user_id, body)
    if answer.status_code != 204:
        return relay(answer)
    await context.sign_in.end_others(claims.user_id, claims.session_id)
    return Response(status_code=204)


@router.delete(
    "/v1/account",
    status_code=204,
    responses={
        **_ERRORS,
        409: {
            "model": ErrorResponse,
            "description": "The account owns shared assignments: the details list them; hand them over or stop "
            "sharing them first. Nothing was deleted.",
        },
    },
)
async def delete_account(
    body: AccountDeletionRequest, request: Request, claims: Annotated[AccessClaims, Depends(current_claims)]
) -> Response:
    """Delete the signed-in teacher's account with everything it owns (docs/data-protection.md): the password
    is asked again; every session ends at once; the other services erase the rest from the event."""
    context = gateway_context(request)
    answer = await context.accounts.delete_account(claims.user_id, body)
    if answer.status_code != 204:
        return relay(answer)
    await context.sign_in.forget_user(claims.user_id)
    return Response(status_code=204)


@router.get("/v1/me", response_model=UserProfile, responses=_ERRORS)
async def me(request: Request, caller: Annotated[Caller, Depends(current_caller)]) -> Response:
    return relay(await gateway_context(request).accounts.profile(caller.user_id))


@router.get("/.well-known/jwks.json", response_model=JsonWebKeySet)
async def jwks(request: Request) -> dict[str, Any]:
    return gateway_context(request).keys.jwks()
