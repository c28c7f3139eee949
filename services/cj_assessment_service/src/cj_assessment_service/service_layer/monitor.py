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

from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.job import FORCED_RECOVERY, Failure, FailureCode
from cj_assessment_service.domain.job_health import job_health
from cj_assessment_service.domain.stuck import StuckAction, StuckPolicy, decide_stuck
from cj_assessment_service.metrics import BATCH_PROGRESS, BATCH_STATE, OLDEST_ACTIVE_JOB_AGE, STUCK_JOBS
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.waves import finish
from common_core.status import CJJobState

log = structlog.get_logger(__name__)


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
        async with self._deps.uows() as uow:
            candidates = await uow.jobs.idle_comparing_jobs(idle_before, limit=50)
        actions: dict[uuid.UUID, StuckAction] = {}
        for job_id in candidates:
            action = await self._examine(job_id, idle_before)
            if action is not None:
                actions[job_id] = action
        return actions

    async def _examine(self, job_id: uuid.UUID, idle_before: datetime) -> StuckAction | None:
        deps, settings = self._deps, self._deps.settings
        async with deps.uows() as uow:
            job = await uow.jobs.get(job_id, lock=True, skip_locked=True)
            if job is None or job.state is not CJJobState.COMPARING or job.last_activity_at >= idle_before:
                return None  # another replica has it, or it moved on since the candidate query
            for load in (uow.jobs.load_counts, uow.jobs.load_essays, uow.jobs.load_pairs):
                await load(job)
            stuck = job.stuck_view()
            action = decide_stuck(
                stuck, StuckPolicy(settings.stuck_max_resubmits, settings.forced_recovery_max_missing_fraction)
            )
            idle_min = round(settings.stuck_after_s / 60, 1)
            now = datetime.now(UTC)
            if action is StuckAction.RESUBMIT:
                job.resubmit(now)
            elif action is StuckAction.FORCE_COMPLETE:
                detail = (
                    f"forced recovery: {stuck.missing} of {stuck.missing + stuck.answered} answers were still missing "
                    f"after {idle_min} min without activity; the reliability target had already been met"
                )
                await finish(job, stop_reason=FORCED_RECOVERY, stop_detail=detail, now=now, forced_recovery=True)
            else:
                message = (
                    f"no answers from the LLM service for {idle_min} min: {stuck.missing} comparisons still missing "
                    f"({stuck.answered} answered), and the reliability target was not reached"
                )
                job.fail(Failure(FailureCode.STUCK, message), now)
            await deps.save(uow, job)
        log.warning("cj.stuck_job", job_id=str(job_id), action=action.value)
        return action

    async def refresh_health(self) -> None:
        """The oldest active job's age, and the comparing jobs idle past the threshold this pass will examine."""
        async with self._deps.uows() as uow:
            ages = await uow.jobs.active_ages()
        health = job_health(ages, datetime.now(UTC), self._deps.settings.stuck_after_s, CJJobState.COMPARING.value)
        OLDEST_ACTIVE_JOB_AGE.set(health.oldest_age_s)
        STUCK_JOBS.set(health.stuck)

    async def refresh_gauges(self) -> None:
        async with self._deps.uows() as uow:
            by_state = await uow.jobs.count_by_state()
            active = await uow.jobs.active_progress()
        for state in CJJobState:
            BATCH_STATE.labels(state.value).set(by_state.get(state.value, 0))
        labels: set[str] = set()
        for job in active:
            label = str(job.job_id)
            labels.add(label)
            BATCH_PROGRESS.labels(label).set(
                cj_loop.progress_percentage(job.done, job.items, job.budget.max_comparisons_per_essay, finished=False)
            )
        # Finished jobs leave the gauge, so its label set stays as small as the active jobs.
        for gone in self._progress_labels - labels:
            with contextlib.suppress(KeyError):
                BATCH_PROGRESS.remove(gone)
        self._progress_labels = labels
