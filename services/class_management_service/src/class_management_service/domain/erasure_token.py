"""The confirmation token of a student's erasure: it binds one student, one set of essays and an expiry.

``v1.<digest>.<expiry>``, the digest a SHA-256 over the version, the student id, the sorted essay ids and
the expiry. It is a confirmation, not a secret: the teacher confirms exactly what the preview showed, and
a token computed for another student, or before another essay was confirmed as theirs, no longer fits.
Whoever sends it must still own the student (checked apart from the token).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

VERSION = "v1"
_EXPIRY_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_DIGEST_CHARS = 32  # 128 bits: plenty to tell two sets of essays apart


class MalformedTokenError(ValueError):
    """Not a token this service writes."""


def _digest(student_id: uuid.UUID, essay_ids: Iterable[uuid.UUID], expiry: str) -> str:
    material = "|".join([VERSION, str(student_id), ",".join(sorted(str(e) for e in essay_ids)), expiry])
    return hashlib.sha256(material.encode()).hexdigest()[:_DIGEST_CHARS]


def make_token(student_id: uuid.UUID, essay_ids: Iterable[uuid.UUID], expires_at: datetime) -> str:
    """``expires_at`` is kept to the second (the token carries it as text)."""
    expiry = expires_at.astimezone(UTC).strftime(_EXPIRY_FORMAT)
    return f"{VERSION}.{_digest(student_id, essay_ids, expiry)}.{expiry}"


def token_expiry(token: str) -> datetime:
    """When the token stops being accepted; :class:`MalformedTokenError` for anything not written by ``make_token``."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION or len(parts[1]) != _DIGEST_CHARS:
        raise MalformedTokenError(token)
    try:
        return datetime.strptime(parts[2], _EXPIRY_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise MalformedTokenError(token) from None


def token_fits(token: str, student_id: uuid.UUID, essay_ids: Iterable[uuid.UUID]) -> bool:
    """Whether the token was made for exactly this student and these essays (its expiry checked apart)."""
    expires_at = token_expiry(token)
    return token == make_token(student_id, essay_ids, expires_at)
