"""The stuck-job monitor, and the refresh of the job gauges.

Each job is examined in its own transaction under ``FOR UPDATE SKIP LOCKED``: a second replica (or
a callback in progress) holding the row makes this pass skip the job, so two replicas never act on
the same job. Finishing and failing go through the finaliser, like every other ending.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import func

from cj_assessment_service.adapters import job_store
from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.job_health import ActiveJob, job_health
from cj_assessment_service.domain.stuck import StuckAction, StuckJob, StuckPolicy, decide_stuck
from cj_assessment_service.metrics import BATCH_PROGRESS, BATCH_STATE, OLDEST_ACTIVE_JOB_AGE, STUCK_JOBS
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.finaliser import FailureCode, complete_job, fail_job
from common_core.events.cj_assessment import AssessmentBudget
from common_core.status import CJJobState

log = structlog.get_logger(__name__)

FORCED_RECOVERY = "forced_recovery"


class StuckJobMonitor:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._stopping = asyncio.Event()
        self._progress_labels: set[str] = set()

    async def run(self) -> None:
        log.info("cj.monitor_started", interval_s=self._deps.settings.monitor_interval_s)
        while not self._stopping.is_set():
            try:
                # Health first: acting clears what it measures (a re-submit counts as activity, an
                # ending leaves the active set), so read after, the stuck gauge would hardly ever be seen.
                await self.refresh_health()
                await self.check_once()
                await self.refresh_gauges()
            except Exception as exc:  # a database outage: log, wait, try again
                log.warning("cj.monitor_pass_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._deps.settings.monitor_interval_s):
                    await self._stopping.wait()

    def stop(self) -> None:
        self._stopping.set()

    async def check_once(self) -> dict[uuid.UUID, StuckAction]:
        settings = self._deps.settings
        idle_before = datetime.now(UTC) - timedelta(seconds=settings.stuck_after_s)
        async with self._deps.sessions() as session, session.begin():
            candidates = await job_store.stuck_job_ids(session, idle_before, limit=50)
        actions: dict[uuid.UUID, StuckAction] = {}
        for job_id in candidates:
            action = await self._examine(job_id, idle_before)
            if action is not None:
                actions[job_id] = action
        return actions

    async def _examine(self, job_id: uuid.UUID, idle_before: datetime) -> StuckAction | None:
        deps, settings = self._deps, self._deps.settings
        async with deps.sessions() as session, session.begin():
            job = await job_store.lock_job(session, job_id, skip_locked=True)
            if job is None or job.state != CJJobState.COMPARING.value or job.last_activity_at >= idle_before:
                return None  # another replica has it, or it moved on since the candidate query
            counts = job_store.count_pairs(await job_store.load_pairs(session, job_id))
            budget = AssessmentBudget.model_validate(job.budget)
            action = decide_stuck(
                StuckJob(
                    unacknowledged=counts.unacknowledged,
                    missing=counts.open,
                    answered=counts.done,
                    resubmits_so_far=job.monitor_resubmits,
                    latest_reliability=await job_store.latest_reliability(session, job_id),
                    target_reliability=budget.target_reliability,
                ),
                StuckPolicy(settings.stuck_max_resubmits, settings.forced_recovery_max_missing_fraction),
            )
            idle_min = round(settings.stuck_after_s / 60, 1)
            if action is StuckAction.RESUBMIT:
                await job_store.update_job(
                    session,
                    job_id,
                    monitor_resubmits=job.monitor_resubmits + 1,
                    submit_failures=0,
                    next_submit_at=func.now(),
                    last_activity_at=func.now(),
                )
                deps.wake_submitter_after_commit(session)
            elif action is StuckAction.FORCE_COMPLETE:
                detail = (
                    f"forced recovery: {counts.open} of {counts.open + counts.done} answers were still missing after "
                    f"{idle_min} min without activity; the reliability target had already been met"
                )
                await complete_job(
                    deps, session, job, stop_reason=FORCED_RECOVERY, stop_detail=detail, forced_recovery=True
                )
            else:
                message = (
                    f"no answers from the LLM service for {idle_min} min: {counts.open} comparisons still missing "
                    f"({counts.done} answered), and the reliability target was not reached"
                )
                await fail_job(deps, session, job, FailureCode.STUCK, message)
        log.warning("cj.stuck_job", job_id=str(job_id), action=action.value)
        return action

    async def refresh_health(self) -> None:
        """The oldest active job's age, and the comparing jobs idle past the threshold this pass will examine."""
        async with self._deps.sessions() as session, session.begin():
            ages = await job_store.active_job_ages(session)
        health = job_health(
            (ActiveJob(row.state, row.created_at, row.last_activity_at) for row in ages),
            datetime.now(UTC),
            self._deps.settings.stuck_after_s,
            CJJobState.COMPARING.value,
        )
        OLDEST_ACTIVE_JOB_AGE.set(health.oldest_age_s)
        STUCK_JOBS.set(health.stuck)

    async def refresh_gauges(self) -> None:
        async with self._deps.sessions() as session, session.begin():
            by_state = await job_store.count_jobs_by_state(session)
            active = await job_store.active_job_progress_inputs(session)
        for state in CJJobState:
            BATCH_STATE.labels(state.value).set(by_state.get(state.value, 0))
        labels: set[str] = set()
        for row in active:
            budget = AssessmentBudget.model_validate(row.budget)
            label = str(row.id)
            labels.add(label)
            BATCH_PROGRESS.labels(label).set(
                cj_loop.progress_percentage(row.done, row.items, budget.max_comparisons_per_essay, finished=False)
            )
        # Finished jobs leave the gauge, so its label set stays as small as the active jobs.
        for gone in self._progress_labels - labels:
            with contextlib.suppress(KeyError):
                BATCH_PROGRESS.remove(gone)
        self._progress_labels = labels
