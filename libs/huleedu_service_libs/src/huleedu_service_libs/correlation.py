"""The correlation id of the work in progress, carried in a context variable.

Set at the edge (an HTTP request's ``X-Correlation-ID``, a consumed envelope's
``correlation_id``) and read wherever work leaves the process: log lines, outgoing HTTP
headers, new event envelopes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Correlation-ID"

_current: ContextVar[uuid.UUID | None] = ContextVar("huleedu_correlation_id", default=None)


def current_correlation_id() -> uuid.UUID | None:
    return _current.get()


def correlation_id_or_new() -> uuid.UUID:
    """The current id, or a fresh one for work that starts here (never ``None`` in an envelope)."""
    return _current.get() or uuid.uuid4()


def parse_correlation_id(raw: str | None) -> uuid.UUID | None:
    """A client-sent id if it is a UUID; anything else is ignored rather than trusted."""
    if not raw:
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        return None


@contextmanager
def correlation_scope(correlation_id: uuid.UUID) -> Iterator[uuid.UUID]:
    token = _current.set(correlation_id)
    try:
        yield correlation_id
    finally:
        _current.reset(token)
