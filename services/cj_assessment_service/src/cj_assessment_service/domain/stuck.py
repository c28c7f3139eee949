"""What the stuck-job monitor does with a job that has been idle too long. Pure: the monitor only decides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StuckAction(StrEnum):
    RESUBMIT = "resubmit"  # pairs LPS never acknowledged: send them again
    FORCE_COMPLETE = "force_complete"  # few answers missing and the reliability target was met
    FAIL = "fail"


@dataclass(frozen=True)
class StuckJob:
    unacknowledged: int
    missing: int  # open pairs, acknowledged or not
    answered: int  # verdicts recorded
    resubmits_so_far: int
    latest_reliability: float | None  # the marginal reliability after the last closed wave
    target_reliability: float


@dataclass(frozen=True)
class StuckPolicy:
    max_resubmits: int
    max_missing_fraction: float


def decide_stuck(job: StuckJob, policy: StuckPolicy) -> StuckAction:
    if job.unacknowledged > 0 and job.resubmits_so_far < policy.max_resubmits:
        return StuckAction.RESUBMIT
    total = job.answered + job.missing
    missing_fraction = job.missing / total if total else 1.0
    target_met = job.latest_reliability is not None and job.latest_reliability >= job.target_reliability
    if job.answered > 0 and target_met and missing_fraction <= policy.max_missing_fraction:
        return StuckAction.FORCE_COMPLETE
    return StuckAction.FAIL
