"""The teacher BFF's views (``/bff/v1/teacher/...``, reached through the gateway): one call per screen.

Each view is composed from the owners' answers in parallel. A part the screen can do without
(class names, the model catalogue) that fails or times out is left empty and named in ``gaps``,
so the page renders with the rest; a core part that fails (RAS for the dashboard) fails the call.

- ``GET /bff/v1/teacher/new-batch/options`` -> :class:`NewBatchOptions`
- ``GET /bff/v1/teacher/dashboard`` -> :class:`TeacherDashboard`
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common_core.http.cj_assessment import AssignmentSummary
from common_core.http.class_management import ClassOut
from common_core.http.model_catalogue import ModelCatalogue
from common_core.http.result_aggregator import BatchListItem, UserSummaryResponse

ViewPart = Literal["classes", "assignments", "models", "class_names"]


class _View(BaseModel):
    # Responses tolerate fields added later (additive evolution).
    model_config = ConfigDict(frozen=True, extra="ignore")


class ViewGap(_View):
    """A part of the view that is missing because its owner failed or did not answer in time."""

    part: ViewPart
    reason: str = Field(description="Why, in words a teacher can read.")


class NewBatchOptions(_View):
    """What the new-batch wizard offers: the teacher's classes, usable assignments and the models."""

    classes: list[ClassOut] = Field(description="The teacher's classes; empty when `classes` is a gap.")
    assignments: list[AssignmentSummary] = Field(
        description="Assignments the teacher may use (their own and shared); empty when `assignments` is a gap."
    )
    model_catalogue: ModelCatalogue | None = Field(description="Providers, models and prices; None when a gap.")
    gaps: list[ViewGap] = Field(description="Parts left out because their owner failed; empty when complete.")


class DashboardBatch(BatchListItem):
    class_name: str | None = Field(description="The batch's class by name; None without a class or names.")


class TeacherDashboard(_View):
    """The dashboard: the teacher's summary and most recent batches with class names."""

    summary: UserSummaryResponse
    recent_batches: list[DashboardBatch] = Field(description="Most recently created first.")
    gaps: list[ViewGap] = Field(description="Parts left out because their owner failed; empty when complete.")


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (NewBatchOptions, TeacherDashboard)
