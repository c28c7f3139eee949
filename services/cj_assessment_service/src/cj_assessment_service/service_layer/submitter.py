"""Sends persisted, unacknowledged pairs to LPS, one wave per request, with per-job backoff; and, in the same
pass, the moderation pairs the LLM is asked for after a job (``moderation_llm.py``).

Pairs are persisted before they are sent, and their request ids are deterministic, so sending again
(after a failed submit, a crash, or a second replica doing the same) never creates a duplicate. On
start-up the first pass finds whatever a crashed process planned but never got acknowledged.

What leaves for LPS (``lps_requests.py``) is the text with its author's names replaced
(``JobEssay.text_for_provider``, unless the job's assignment turned that off), in every batching mode: the mock
judge sees what a real provider would.
Each request names its batch, so LPS can erase the texts when the batch is deleted; each comparison's
metadata carries it too, so a callback that comes back after CJ erased the batch is known and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime

import structlog

from cj_assessment_service.domain.job import Failure, FailureCode
from cj_assessment_service.metrics import LLM_BATCHES_STARTED, LLM_REQUESTS
from cj_assessment_service.service_layer import moderation_llm
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.lps_requests import build_request
from common_core.status import CJJobState
from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.errors import ExternalServiceError, ValidationFailedError
from huleedu_service_libs.outbox import backoff_delay

log = structlog.get_logger(__name__)

MAX_COMPARISONS_PER_SUBMIT = 5000  # the LPS request's limit
JOBS_PER_PASS = 50


class Submitter:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._stopping = False

    async def run(self) -> None:
        log.info("cj.submitter_started")
        while not self._stopping:
            self._deps.submit_wakeup.clear()
            try:
                await self.submit_due_once()
            except Exception as exc:  # a database outage: log, wait, try again
                log.warning("cj.submitter_pass_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._deps.settings.submitter_poll_s):
                    await self._deps.submit_wakeup.wait()

    def stop(self) -> None:
        self._stopping = True
        self._deps.submit_wakeup.set()

    async def submit_due_once(self) -> int:
        """Submit every due job's unacknowledged pairs, then the due moderation requests; the number accepted."""
        async with self._deps.uows() as uow:
            job_ids = await uow.jobs.jobs_with_unsubmitted_pairs(datetime.now(UTC), JOBS_PER_PASS)
        accepted = 0
        for job_id in job_ids:
            accepted += await self.submit_job(job_id)
        return accepted + await moderation_llm.submit_due(self._deps)

    async def submit_job(self, job_id: uuid.UUID) -> int:
        deps = self._deps
        async with deps.uows() as uow:
            job = await uow.jobs.get(job_id)
            if job is None or job.state is not CJJobState.COMPARING:
                return 0
            pairs = await uow.jobs.unacknowledged_pairs(job, MAX_COMPARISONS_PER_SUBMIT)
            await uow.jobs.load_essays(job)
        if not pairs or job.essays is None:
            return 0
        mode = job.batching_mode.value
        # A worker thread: redacting a large wave's texts takes a while (2,000 essays of 3 kB: about 0.7 s).
        request = await asyncio.to_thread(build_request, job, job.essays, pairs, deps.callback_topic)
        with correlation_scope(job.correlation_id):
            try:
                answer = await deps.lps.submit(request)
            except ExternalServiceError as exc:
                await self._back_off(job_id, exc)
                return 0
            except ValidationFailedError as exc:
                await self._refused(job_id, exc)
                return 0
        async with deps.uows() as uow:
            # Job row first, like the callback handler: the same lock order on both sides, no deadlock.
            locked = await uow.jobs.get(job_id, lock=True)
            if locked is None:
                return 0
            locked.acknowledge({a.request_id: a.queue_id for a in answer.accepted}, datetime.now(UTC))
            await deps.save(uow, locked)
        LLM_REQUESTS.labels(mode).inc(len(pairs))
        LLM_BATCHES_STARTED.labels(mode).inc()
        log.info("cj.wave_submitted", job_id=str(job_id), pairs=len(pairs), batching_mode=mode)
        return len(answer.accepted)

    async def _back_off(self, job_id: uuid.UUID, exc: Exception) -> None:
        settings = self._deps.settings
        async with self._deps.uows() as uow:
            job = await uow.jobs.get(job_id, lock=True)
            if job is None:
                return
            delay = backoff_delay(
                job.submit_failures + 1, settings.submit_backoff_base_s, settings.submit_backoff_cap_s
            )
            job.submit_failed(delay, datetime.now(UTC))
            await self._deps.save(uow, job)
        log.warning(
            "cj.submit_failed", job_id=str(job_id), failures=job.submit_failures, retry_in_s=delay, error=str(exc)
        )

    async def _refused(self, job_id: uuid.UUID, exc: ValidationFailedError) -> None:
        # LPS refusing a well-formed wave will not change on a retry: the job cannot proceed.
        async with self._deps.uows() as uow:
            job = await uow.jobs.get(job_id, lock=True)
            if job is not None and job.state is CJJobState.COMPARING:
                await uow.jobs.load_pairs(job)
                message = f"the LLM service refused the comparisons: {exc.message}"
                job.fail(Failure(FailureCode.LPS_REJECTED, message), datetime.now(UTC))
                await self._deps.save(uow, job)
