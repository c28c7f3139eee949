"""The LLM's verdict on each moderation pair it had not judged in the job (issue 24), so that agreement is
measured on every moderated pair.

Asked when a teacher records a verdict, not when ``next`` serves the pair: a read spends nothing, and a pair
served to a teacher who then stops is never judged by anyone. The request is a row written in the verdict's
transaction (under the job's row lock), like a wave's pairs: the submitter sends the rows LPS has not
accepted, and the deterministic request id (job and unordered pair) makes a second teacher's verdict, a
repeated send or a second replica a no-op. The request carries the job's context and LLM settings, as its
waves did. Its callback is recorded on the request's row only: the job stays completed, with its waves,
counts, usage and published results as they were; the verdict joins ``llm_verdicts`` for the report and the
moderated refit. An error callback, or LPS refusing the request, is recorded and final (never re-sent); LPS
out of reach is retried with the submitter's backoff.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from cj_assessment_service.domain.job import FailureCode
from cj_assessment_service.domain.moderation_llm import ModerationLlmRequest
from cj_assessment_service.metrics import COMPARISONS, LLM_REQUESTS
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.lps_requests import request_for
from cj_assessment_service.service_layer.ports import UnitOfWork
from common_core.events.llm_provider import LLMComparisonResultV1
from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.errors import ExternalServiceError, ValidationFailedError
from huleedu_service_libs.outbox import backoff_delay

log = structlog.get_logger(__name__)

REQUESTS_PER_PASS = 500  # far below LPS's 5,000 per request; a moderation budget is 10 % of a job's comparisons


async def ask_unless_judged(
    deps: ServiceDeps, uow: UnitOfWork, job_id: uuid.UUID, first: uuid.UUID, second: uuid.UUID
) -> bool:
    """In the verdict's unit of work: ask the LLM for the pair unless it judged it in the job or was asked
    already; ``True`` if this call asked. The submitter is woken once the transaction commits."""
    if await uow.moderation.llm_judged(job_id, first, second):
        return False
    asked = await uow.moderation.add_llm_request(
        ModerationLlmRequest.for_pair(job_id, first, second, datetime.now(UTC))
    )
    if asked:
        uow.after_commit(deps.submit_wakeup.set)
    return asked


async def submit_due(deps: ServiceDeps) -> int:
    """Send every open request LPS has not accepted (one LPS request per job); the number accepted."""
    async with deps.uows() as uow:
        due = await uow.moderation.unsent_llm_requests(datetime.now(UTC), REQUESTS_PER_PASS)
    by_job: defaultdict[uuid.UUID, list[ModerationLlmRequest]] = defaultdict(list)
    for request in due:
        by_job[request.job_id].append(request)
    accepted = 0
    for job_id, requests in by_job.items():
        accepted += await _submit_job(deps, job_id, requests)
    return accepted


async def _submit_job(deps: ServiceDeps, job_id: uuid.UUID, requests: list[ModerationLlmRequest]) -> int:
    async with deps.uows() as uow:
        job = await uow.jobs.get(job_id)
        essays = await uow.moderation.essays(job_id, sorted({e for r in requests for e in (r.first, r.second)}))
    present = {e.essay_id for e in essays}
    # An essay erased since the pass read the rows took its requests along (erase_essays).
    requests = [r for r in requests if {r.first, r.second} <= present]
    if job is None or not requests:
        return 0
    own: dict[str, object] = {"moderation": True}
    comparisons = [(r.request_id, r.first, r.second, own) for r in requests]
    request = request_for(job, essays, comparisons, deps.callback_topic)
    with correlation_scope(job.correlation_id):
        try:
            answer = await deps.lps.submit(request)
        except ExternalServiceError as exc:
            await _update(deps, requests, lambda r: r.defer(_delay(deps, r), datetime.now(UTC)))
            log.warning("cj.moderation_submit_failed", job_id=str(job_id), requests=len(requests), error=str(exc))
            return 0
        except ValidationFailedError as exc:
            await _update(deps, requests, lambda r: r.refused(FailureCode.LPS_REJECTED.value, datetime.now(UTC)))
            log.warning("cj.moderation_submit_refused", job_id=str(job_id), requests=len(requests), error=exc.message)
            return 0
    taken = {a.request_id for a in answer.accepted}
    await _update(deps, [r for r in requests if r.request_id in taken], ModerationLlmRequest.acknowledge)
    LLM_REQUESTS.labels(job.batching_mode.value).inc(len(requests))
    log.info("cj.moderation_comparisons_submitted", job_id=str(job_id), comparisons=len(taken))
    return len(taken)


def _delay(deps: ServiceDeps, request: ModerationLlmRequest) -> float:
    settings = deps.settings
    return backoff_delay(request.submit_failures + 1, settings.submit_backoff_base_s, settings.submit_backoff_cap_s)


async def _update(
    deps: ServiceDeps, requests: list[ModerationLlmRequest], change: Callable[[ModerationLlmRequest], None]
) -> None:
    """Apply ``change`` to each request as it is now (read again under its row lock: a callback may have
    answered it meanwhile, and an erasure removed it)."""
    async with deps.uows() as uow:
        for sent in requests:
            request = await uow.moderation.llm_request(sent.request_id)
            if request is not None:
                change(request)
                await uow.moderation.save_llm_request(request)


async def record_answer(uow: UnitOfWork, result: LLMComparisonResultV1) -> bool | None:
    """Record LPS's callback on its moderation request: ``True`` if it changed anything, ``False`` for a
    repeat, ``None`` if there is no such request (erased, or not a moderation request)."""
    request = await uow.moderation.llm_request(result.request_id)
    if request is None:
        return None
    if not request.answer(result):
        log.info("cj.callback_duplicate", request_id=result.request_id, moderation=True)
        return False
    await uow.moderation.save_llm_request(request)
    COMPARISONS.labels("success" if result.error is None else "error").inc()
    log.info(
        "cj.moderation_comparison_answered",
        job_id=str(request.job_id),
        request_id=request.request_id,
        status=request.status.value,
        error_code=request.error_code,
    )
    return True
