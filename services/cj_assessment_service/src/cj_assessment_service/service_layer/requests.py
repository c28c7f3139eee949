"""``huleedu.cj_assessment.requested.v1``: create the job, gather its texts, check it, plan wave 0.

Runs in the consumer runner's transaction (with the event-id claim). The job id is derived from
(batch id, request id) and the insert ignores a conflict, so a redelivered request, even with a new
event id, changes nothing.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters import assignment_store, job_store
from cj_assessment_service.domain.identifiers import job_id_for, seed_for
from cj_assessment_service.service_layer.callbacks import publish_progress
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.finaliser import FailureCode, fail_job
from cj_assessment_service.service_layer.waves import start_wave
from common_core.envelope import EventEnvelope
from common_core.events.cj_assessment import CJAssessmentRequestedV1
from common_core.status import CJJobState
from huleedu_service_libs.kafka.consumer import HandlerContext

log = structlog.get_logger(__name__)


def assignment_usable_by(assignment: Row[Any], user_id: str) -> bool:
    return bool(assignment.shared) or assignment.owner_user_id == user_id


async def handle_assessment_requested(
    deps: ServiceDeps, envelope: EventEnvelope[CJAssessmentRequestedV1], ctx: HandlerContext
) -> None:
    session = ctx.session
    if session is None:  # the app always runs this consumer with the idempotency transaction
        raise RuntimeError("the request handler needs the runner's transaction")
    request = envelope.data
    job_id = job_id_for(request.batch_id, request.request_id)
    assignment = (
        await assignment_store.get_assignment(session, request.assignment_id) if request.assignment_id else None
    )
    created = await job_store.insert_job(
        session,
        {
            "id": job_id,
            "batch_id": request.batch_id,
            "request_id": request.request_id,
            "user_id": request.user_id,
            "correlation_id": envelope.correlation_id,
            "assignment_id": request.assignment_id,
            "course_code": request.course_code,
            "language": request.language,
            "grade_scale": assignment.grade_scale if assignment else deps.settings.default_grade_scale,
            "state": CJJobState.CREATED.value,
            "llm_settings": request.llm.model_dump(mode="json"),
            "budget": request.budget.model_dump(mode="json"),
            "seed": seed_for(job_id),
        },
    )
    if not created:
        log.info("cj.request_duplicate", job_id=str(job_id), batch_id=str(request.batch_id))
        return
    job = await job_store.lock_job(session, job_id)
    if job is None:  # inserted above in this very transaction: cannot happen
        raise RuntimeError(f"job {job_id} vanished inside its own transaction")
    await job_store.move_job(session, job, CJJobState.PREPARING)
    await _prepare(deps, session, await job_store.reload(session, job), request, assignment)


async def _prepare(
    deps: ServiceDeps,
    session: AsyncSession,
    job: Row[Any],
    request: CJAssessmentRequestedV1,
    assignment: Row[Any] | None,
) -> None:
    if request.assignment_id is not None and (
        assignment is None or not assignment_usable_by(assignment, request.user_id)
    ):
        message = f"assignment {request.assignment_id} does not exist or is not shared with you"
        await fail_job(deps, session, job, FailureCode.UNKNOWN_ASSIGNMENT, message)
        return
    anchors = await assignment_store.list_anchors(session, assignment.id) if assignment else []
    anchor_grades = sorted({a.grade for a in anchors})
    if len(anchor_grades) == 1:
        message = (
            f"assignment has anchors on a single grade ({anchor_grades[0]}): "
            "add anchors of at least two different grades"
        )
        await fail_job(deps, session, job, FailureCode.ANCHORS_SINGLE_GRADE, message)
        return
    if len(request.essays) < 2:
        message = f"only {len(request.essays)} essay: comparative judgement needs at least 2 student essays"
        await fail_job(deps, session, job, FailureCode.TOO_FEW_ESSAYS, message)
        return
    context_refs = (
        {
            "instructions": assignment.instructions_ref,
            "rubric": assignment.rubric_ref,
            "student_prompt": assignment.student_prompt_ref,
        }
        if assignment
        else {}
    )
    wanted = [e.text_ref for e in request.essays] + [a.text_ref for a in anchors]
    wanted += [ref for ref in context_refs.values() if ref]
    # One batch call for every text the job needs (essays, anchors, the assignment's texts).
    fetched = await deps.content.fetch_texts(wanted)
    if fetched.missing:
        message = f"{len(fetched.missing)} of the job's texts could not be found in the text store"
        await fail_job(deps, session, job, FailureCode.TEXTS_MISSING, message)
        return
    context = {name: fetched.texts[ref].content if ref else None for name, ref in context_refs.items()}
    context["instructions"] = context.get("instructions") or deps.settings.default_instructions
    rows: list[dict[str, Any]] = []
    for essay in request.essays:
        rows.append(_essay_row(job, len(rows), essay.essay_id, essay.text_ref, fetched.texts[essay.text_ref].content))
    for anchor in anchors:
        row = _essay_row(job, len(rows), anchor.id, anchor.text_ref, fetched.texts[anchor.text_ref].content)
        rows.append({**row, "is_anchor": True, "known_grade": anchor.grade, "anchor_label": anchor.label})
    await job_store.insert_essays(session, rows)
    await job_store.move_job(session, job, CJJobState.COMPARING, context=context)
    job = await job_store.reload(session, job)
    essays = await job_store.load_essays(session, job.id)
    if not await start_wave(deps, session, job, essays, [], None, 0):
        await fail_job(deps, session, job, FailureCode.TOO_FEW_ESSAYS, "no pair of essays could be planned")
        return
    # The first progress event tells the read model which job is the batch's current one, so the
    # teacher can cancel it (and the dashboard shows it) before any comparison has come back.
    job = await job_store.reload(session, job)
    # Its own event id: the first verdict's progress has the same (wave, count) and must not collide.
    await publish_progress(deps, session, job, natural_key=("cj.started", job.id))
    log.info("cj.job_started", job_id=str(job.id), essays=len(request.essays), anchors=len(anchors))


def _essay_row(job: Row[Any], index: int, essay_id: Any, text_ref: str, content: str) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "essay_id": essay_id,
        "item_index": index,
        "is_anchor": False,
        "known_grade": None,
        # Every row names every column: an executemany takes its columns from the first row.
        "anchor_label": None,
        "text_ref": text_ref,
        "content": content,
    }
