"""What a finished job still shows once retention purged its essays and comparisons (keeping aggregates).

Anonymous figures only: how many essays, anchors and comparisons, what the judging cost, and how many
essays got each grade. No essay id, text, name or per-essay result. Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cj_assessment_service.domain.job import Job
from common_core.events.cj_assessment import JobUsage


@dataclass(frozen=True)
class JobAggregates:
    essays: int  # the students' essays, anchors not included
    anchors: int
    comparisons_planned: int
    comparisons_completed: int
    comparisons_failed: int
    usage: JobUsage
    grade_distribution: dict[str, int]  # grade -> students' essays given it

    @classmethod
    def of(cls, job: Job, student_grades: Iterable[str | None]) -> JobAggregates:
        """From a job with its counts and comparisons loaded, and its students' essays' grades."""
        counts = job.pair_counts()
        return cls(
            essays=job.n_items - job.n_anchors,
            anchors=job.n_anchors,
            comparisons_planned=counts.planned,
            comparisons_completed=counts.done,
            comparisons_failed=counts.failed,
            usage=job.usage(),
            grade_distribution=dict(sorted(Counter(g for g in student_grades if g is not None).items())),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "essays": self.essays,
            "anchors": self.anchors,
            "comparisons_planned": self.comparisons_planned,
            "comparisons_completed": self.comparisons_completed,
            "comparisons_failed": self.comparisons_failed,
            "usage": self.usage.model_dump(mode="json"),
            "grade_distribution": self.grade_distribution,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobAggregates:
        return cls(
            essays=int(data["essays"]),
            anchors=int(data["anchors"]),
            comparisons_planned=int(data["comparisons_planned"]),
            comparisons_completed=int(data["comparisons_completed"]),
            comparisons_failed=int(data["comparisons_failed"]),
            usage=JobUsage.model_validate(data["usage"]),
            grade_distribution={str(k): int(v) for k, v in data["grade_distribution"].items()},
        )
