"""The composed views: every part fetched at once, each bounded by its own timeout.

An optional part that fails becomes a named gap and an empty value; a core part that fails fails
the view (503, or 504 when it did not answer in time). Every part runs to its end or its timeout
before the view is decided, so no call is left running behind an answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    LLM_PROVIDER,
    RESULT_AGGREGATOR,
    OwnerError,
    Owners,
)
from common_core.http.bff import DashboardBatch, NewBatchOptions, TeacherDashboard, ViewGap, ViewPart
from huleedu_service_libs.errors import DependencyTimeoutError, ServiceUnavailableError

T = TypeVar("T")


@dataclass(frozen=True)
class Part(Generic[T]):
    """One owner's answer, or why there is none."""

    value: T | None
    reason: str | None
    timed_out: bool = False

    def gap(self, part: ViewPart) -> ViewGap | None:
        return None if self.reason is None else ViewGap(part=part, reason=self.reason)

    def required(self) -> T:
        """The value of a core part; the view fails without it."""
        if self.value is not None:
            return self.value
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
        return Part(None, str(failure))


@dataclass(frozen=True)
class TeacherViews:
    owners: Owners
    timeout_s: float
    dashboard_batch_count: int

    async def new_batch_options(self, user_id: str) -> NewBatchOptions:
        classes, assignments, catalogue = await asyncio.gather(
            fetch(self.owners.classes(user_id), CLASS_MANAGEMENT, self.timeout_s),
            fetch(self.owners.assignments(user_id), CJ_ASSESSMENT, self.timeout_s),
            fetch(self.owners.model_catalogue(user_id), LLM_PROVIDER, self.timeout_s),
        )
        gaps = [
            gap
            for gap in (classes.gap("classes"), assignments.gap("assignments"), catalogue.gap("models"))
            if gap is not None
        ]
        return NewBatchOptions(
            classes=classes.value.classes if classes.value else [],
            assignments=assignments.value.assignments if assignments.value else [],
            model_catalogue=catalogue.value,
            gaps=gaps,
        )

    async def dashboard(self, user_id: str) -> TeacherDashboard:
        summary, batches, classes = await asyncio.gather(
            fetch(self.owners.user_summary(user_id), RESULT_AGGREGATOR, self.timeout_s),
            fetch(self.owners.recent_batches(user_id, self.dashboard_batch_count), RESULT_AGGREGATOR, self.timeout_s),
            fetch(self.owners.classes(user_id), CLASS_MANAGEMENT, self.timeout_s),
        )
        batch_page = batches.required()
        names = {item.class_id: item.name for item in classes.value.classes} if classes.value else {}
        gap = classes.gap("class_names")
        return TeacherDashboard(
            summary=summary.required(),
            recent_batches=[
                DashboardBatch(**item.model_dump(), class_name=names.get(item.class_id) if item.class_id else None)
                for item in batch_page.items
            ],
            gaps=[gap] if gap else [],
        )
