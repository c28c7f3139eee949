"""``huleedu.llm_provider.comparison_result.v1``: match on request_id, record once, close the wave.

The job's row lock serialises every callback of one job, so exactly one callback sees its wave
complete and closes it. A second callback for a pair finds it answered and changes nothing. A callback
of an erased batch, or of a comparison erased with its student's essay (its comparison is gone; the batch id
comes back in the request metadata), is dropped without a trace: no row, no dead letter, no warning.
A moderation pair the LLM was asked for after the job (``moderation_llm.py``) is recorded on its own row,
without touching the job.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from cj_assessment_service.domain.job import AnswerOutcome
from cj_assessment_service.domain.moderation_llm import is_moderation_request
from cj_assessment_service.metrics import CALLBACKS_FOR_INACTIVE_JOBS, COMPARISONS, COMPARISONS_FINAL
from cj_assessment_service.service_layer import moderation_llm
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.erasure import batch_erased, batch_of, essays_erased
from cj_assessment_service.service_layer.ports import UnitOfWork
from cj_assessment_service.service_layer.waves import close_wave
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.status import CJJobState

log = structlog.get_logger(__name__)


async def record_result(deps: ServiceDeps, result: LLMComparisonResultV1, uow: UnitOfWork) -> bool:
    """Record one callback; ``True`` if it changed anything."""
    if is_moderation_request(result.request_id):
        recorded = await moderation_llm.record_answer(uow, result)
        if recorded is not None:
            return recorded
    job_id = await uow.jobs.job_of_request(result.request_id)
    if job_id is None:
        batch_id = batch_of(result.request_metadata)
        if batch_id is not None and (
            await batch_erased(uow, batch_id, what="callback") or await essays_erased(uow, batch_id, what="callback")
        ):
            CALLBACKS_FOR_INACTIVE_JOBS.inc()
            return False
        log.warning("cj.callback_unknown_request", request_id=result.request_id)
        return False
    job = await uow.jobs.get(job_id, lock=True)
    if job is None or job.state is not CJJobState.COMPARING:
        log.info("cj.callback_for_inactive_job", request_id=result.request_id, state=job.state if job else None)
        CALLBACKS_FOR_INACTIVE_JOBS.inc()
        return False
    pair = await uow.jobs.pair(job, result.request_id)  # read again under the job's lock
    now = datetime.now(UTC)
    answer = job.record_answer(pair, result, deps.rules, now) if pair is not None else None
    if answer is None or answer.outcome is not AnswerOutcome.RECORDED:
        log.info("cj.callback_duplicate", request_id=result.request_id)
        return False
    COMPARISONS.labels("success" if result.error is None else "error").inc()
    if answer.final_labels is not None:
        COMPARISONS_FINAL.labels(*answer.final_labels).inc()
    if job.wave_answered:
        await close_wave(deps, uow, job, now)
    elif job.progress_due(deps.rules, now):
        await uow.jobs.load_counts(job)
        job.publish_paced_progress(now)
    await deps.save(uow, job)
    return True
