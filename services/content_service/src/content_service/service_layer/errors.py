"""Content service's own error: a reused Idempotency-Key (the shared errors cover everything else)."""

from __future__ import annotations

from huleedu_service_libs.errors import HuleEduError


class IdempotencyKeyReusedError(HuleEduError):
    """422: the key already belongs to a request with other settings; replaying it would hide the change.

    The shared ``ErrorCode`` enum has no member for this, so the code is a plain string: the
    error body's ``code`` is a string anyway (``common_core.http.errors.ErrorDetail``).
    """

    code = "IDEMPOTENCY_KEY_REUSED"  # type: ignore[assignment]
    http_status = 422
