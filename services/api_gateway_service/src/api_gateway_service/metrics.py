"""The gateway's sign-in metrics; each is emitted where its comment says, its label decided by the function beside it.

The names carry the platform prefix because the gateway is the platform's one front door: there is
no other service whose logins or token refusals they could be confused with.
"""

from __future__ import annotations

from prometheus_client import Counter

from huleedu_service_libs.errors import ErrorCode

# entrypoints.auth_routes (login): every sign-in attempt, by login_outcome (or "rate_limited" when the
# gateway's own per-IP login limit refused it before CMS was asked).
LOGINS = Counter("huleedu_logins_total", "Sign-in attempts by outcome", ["outcome"])
# entrypoints.caller (current_claims): access tokens refused, by rejection_reason.
TOKEN_REJECTIONS = Counter("huleedu_token_rejections_total", "Access tokens refused, by reason", ["reason"])


def login_outcome(cms_status: int) -> str:
    """The outcome of a sign-in from CMS's answer: it says 401 for a wrong password, 429 once the account is locked."""
    if cms_status == 200:
        return "success"
    if cms_status == 401:
        return "invalid_credentials"
    if cms_status == 429:
        return "locked"
    return "error"  # CMS refused the request for another reason (a 4xx/5xx an operator must look at)


def rejection_reason(code: ErrorCode) -> str:
    """Four reasons an operator acts on differently; every forgery or malformation is "invalid"."""
    if code == ErrorCode.TOKEN_EXPIRED:
        return "expired"
    if code == ErrorCode.TOKEN_REVOKED:
        return "revoked"
    if code == ErrorCode.TOKEN_MISSING:
        return "missing"
    return "invalid"
