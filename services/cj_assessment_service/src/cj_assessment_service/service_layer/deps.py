"""What the use cases need, passed explicitly (built once per app by the composition root, ``di.py``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog

from cj_assessment_service.config import Settings
from cj_assessment_service.domain.job import Job, JobRules
from cj_assessment_service.service_layer.ports import (
    AccessRecorder,
    ComparisonService,
    TextStore,
    UnitOfWork,
    UnitOfWorkFactory,
)
from common_core.events.cj_assessment import CJAssessmentFailedV1
from common_core.llm import BatchingMode

log = structlog.get_logger(__name__)


def job_rules(settings: Settings) -> JobRules:
    return JobRules(
        min_comparisons_per_item=settings.min_comparisons_per_essay,
        max_pair_attempts=settings.max_pair_attempts,
        max_failed_fraction=settings.max_failed_fraction,
        progress_interval_s=settings.progress_interval_s,
        wave_multipliers={
            # The provider's batch API answers in hours, not seconds: fewer, larger waves.
            BatchingMode.PROVIDER_BATCH_API: settings.batch_api_wave_multiplier,
            # A one-round wave is a matching: K consecutive pairs would share no essay, and a bundle
            # would save only the shared context. Two rounds make a graph of paths and cycles.
            BatchingMode.SERIAL_BUNDLE: settings.serial_bundle_wave_multiplier,
        },
    )


@dataclass
class ServiceDeps:
    settings: Settings
    uows: UnitOfWorkFactory
    content: TextStore
    lps: ComparisonService
    callback_topic: str  # where LPS sends the answers (tests use a fresh topic)
    access_log: AccessRecorder  # who read which batch's or essay's comparisons (issue 23)
    # Set once a transaction that planned pairs has committed: the submitter sends them at once.
    submit_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    rules: JobRules = field(init=False)

    def __post_init__(self) -> None:
        self.rules = job_rules(self.settings)

    async def save(self, uow: UnitOfWork, job: Job) -> None:
        """Write the job's changes and its events in ``uow``; wake the submitter once pairs it planned commit."""
        submit = job.changes.submit
        await uow.jobs.save(job)
        for event in job.take_events():
            if isinstance(event.payload, CJAssessmentFailedV1):
                error = event.payload.error
                log.warning(
                    "cj.job_failed",
                    job_id=str(job.id),
                    batch_id=str(job.batch_id),
                    code=error.code,
                    reason=error.message,
                )
            await uow.events.emit(event, key=job.batch_id, correlation_id=job.correlation_id)
        if submit:
            uow.after_commit(self.submit_wakeup.set)
