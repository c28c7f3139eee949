"""One owner's part of a view: fetched under its own timeout, its failure returned rather than raised.

Every part of a view runs to its end or its timeout before the view is decided, so no call is
left running behind an answer. An optional part that failed becomes a named gap; a core part
that failed fails the view: 404 when the owner said the thing is not the teacher's, 503 when it
could not answer, 504 when it did not answer in time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bff_teacher_service.service_layer.ports import OwnerError
from common_core.http.bff import ViewGap, ViewPart
from huleedu_service_libs.errors import DependencyTimeoutError, NotFoundError, ServiceUnavailableError

T = TypeVar("T")
NOT_FOUND = 404


@dataclass(frozen=True)
class Part(Generic[T]):
    """One owner's answer, or why there is none."""

    value: T | None
    reason: str | None
    timed_out: bool = False
    status: int | None = None

    @property
    def not_found(self) -> bool:
        return self.status == NOT_FOUND

    def gap(self, part: ViewPart) -> ViewGap | None:
        return None if self.reason is None else ViewGap(part=part, reason=self.reason)

    def required(self, missing: str = "Not found") -> T:
        """The value of a core part; the view fails without it (``missing`` is the 404's message)."""
        if self.value is not None:
            return self.value
        if self.not_found:
            raise NotFoundError(missing)
        message = f"{self.reason}; try again shortly"
        if self.timed_out:
            raise DependencyTimeoutError(message)
        raise ServiceUnavailableError(message)


async def fetch(call: Awaitable[T], owner: str, timeout_s: float) -> Part[T]:
    """The owner's answer within ``timeout_s``; a failure is returned, never raised."""
    try:
        async with asyncio.timeout(timeout_s):
            return Part(await call, None)
    except TimeoutError:
        return Part(None, f"{owner} did not answer in time", timed_out=True)
    except OwnerError as failure:
        return Part(None, str(failure), timed_out=failure.timed_out, status=failure.status)


def gaps(*candidates: ViewGap | None) -> list[ViewGap]:
    return [gap for gap in candidates if gap is not None]
