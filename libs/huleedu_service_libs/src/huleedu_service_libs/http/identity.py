"""Who the request is for: the identity the gateway puts in ``X-User-ID`` / ``X-Org-ID``.

Only the gateway sets these headers, after validating the JWT, and it strips any a client
sent (ARCHITECTURE §4); a service behind it trusts them. The Quart and FastAPI accessors in
``quart_support`` / ``fastapi_support`` read the headers and call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from huleedu_service_libs.errors import UnauthorizedError
from huleedu_service_libs.http.request_input import unstorable_reason

USER_ID_HEADER = "X-User-ID"
ORG_ID_HEADER = "X-Org-ID"
# The services that call a teacher route on a teacher's behalf (with the identity headers above).
TEACHER_CALLERS = ("api_gateway_service", "bff_teacher_service")


@dataclass(frozen=True, slots=True)
class IdentityContext:
    user_id: str
    org_id: str | None = None


def identity_from_headers(user_id: str | None, org_id: str | None) -> IdentityContext | None:
    """The identity in the two header values, or ``None`` when no user is named."""
    user = (user_id or "").strip()
    if not user:
        return None
    org = (org_id or "").strip() or None
    # Only the gateway sets these, from a validated token; text a database cannot store means
    # the header did not come from it.
    for header, value in ((USER_ID_HEADER, user), (ORG_ID_HEADER, org or "")):
        if unstorable_reason(value) is not None:
            raise UnauthorizedError(f"{header} is not a valid identity")
    return IdentityContext(user_id=user, org_id=org)


def require_identity(user_id: str | None, org_id: str | None) -> IdentityContext:
    identity = identity_from_headers(user_id, org_id)
    if identity is None:
        raise UnauthorizedError(f"Missing {USER_ID_HEADER}: this route needs an authenticated user")
    return identity
