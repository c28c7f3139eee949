"""``huleedu.cj_assessment.requested.v1``: create the job, gather its texts, check it, plan wave 0.

Runs in the consumer runner's transaction (with the event-id claim). The job id is derived from
(batch id, request id) and the insert ignores a conflict, so a redelivered request, even with a new
event id, changes nothing. A request of a batch the teacher deleted (its erasure may arrive first, on
another topic) starts nothing: the batch's tombstone is read under the batch's lock (``erasure``). Essays
erased with their student (``class.student_erased``) are left out of a request that names them.
A re-assessment of a batch (a new job for the same batch) keeps the colleagues its teacher added to moderate
the batch's previous job.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog

from cj_assessment_service.domain.assignment import Assignment
from cj_assessment_service.domain.identifiers import job_id_for, seed_for
from cj_assessment_service.domain.job import Failure, FailureCode, Job, JobEssay, input_problem
from cj_assessment_service.service_layer import fits
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.erasure import batch_erased
from cj_assessment_service.service_layer.ports import UnitOfWork
from common_core.events.cj_assessment import CJAssessmentRequestedV1

log = structlog.get_logger(__name__)


async def start_job(
    deps: ServiceDeps, request: CJAssessmentRequestedV1, correlation_id: uuid.UUID, uow: UnitOfWork
) -> None:
    if await batch_erased(uow, request.batch_id, what="assessment request", lock=True):
        return
    erased = await uow.erased_essays.of_batch(request.batch_id)
    if erased:
        kept = [essay for essay in request.essays if essay.essay_id not in erased]
        log.info("cj.erased_essays_left_out", batch_id=str(request.batch_id), left_out=len(request.essays) - len(kept))
        request = request.model_copy(update={"essays": kept})
    now = datetime.now(UTC)
    job_id = job_id_for(request.batch_id, request.request_id)
    assignment = await uow.assignments.get(request.assignment_id) if request.assignment_id else None
    job = Job.requested(
        job_id,
        request,
        correlation_id=correlation_id,
        grade_scale=assignment.grade_scale if assignment else deps.settings.default_grade_scale,
        seed=seed_for(job_id),
        now=now,
        # Without an assignment, names are redacted: the safe default.
        redact_names=assignment.redact_names if assignment else True,
    )
    if not await uow.jobs.add(job):
        log.info("cj.request_duplicate", job_id=str(job_id), batch_id=str(request.batch_id))
        return
    await _keep_moderators(uow, job, now)
    job.begin_preparing(now)
    await _prepare(deps, uow, job, request, assignment)
    await deps.save(uow, job)


async def _keep_moderators(uow: UnitOfWork, job: Job, now: datetime) -> None:
    """The colleagues of the batch's latest earlier job moderate the new one too, if that job was the same
    teacher's. Only the latest: a colleague the teacher removed from it stays removed, and since every job
    takes its predecessor's, one that failed or was cancelled passes them on."""
    earlier = [job_id for job_id in await uow.jobs.jobs_of_batch(job.batch_id) if job_id != job.id]
    if not earlier:
        return
    previous = await uow.jobs.get(earlier[-1])
    if previous is None or previous.user_id != job.user_id:
        return
    kept = [m for m in await uow.moderation.moderators(previous.id) if m.user_id != job.user_id]
    for colleague in kept:  # with the email the teacher invited them by
        await uow.moderation.add_moderator(job.id, colleague.user_id, now, colleague.label)
    if kept:
        log.info("cj.moderators_kept", job_id=str(job.id), previous_job_id=str(previous.id), moderators=len(kept))


async def _prepare(
    deps: ServiceDeps, uow: UnitOfWork, job: Job, request: CJAssessmentRequestedV1, assignment: Assignment | None
) -> None:
    usable = assignment is not None and assignment.usable_by(request.user_id)
    anchors = await uow.assignments.anchors(assignment.id) if assignment and usable else []
    problem = input_problem(
        assignment_id=request.assignment_id,
        assignment_usable=usable,
        anchor_grades={a.grade for a in anchors},
        student_essays=len(request.essays),
    )
    if problem is not None:
        job.fail(problem, datetime.now(UTC))
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
    now = datetime.now(UTC)
    if fetched.missing:
        message = f"{len(fetched.missing)} of the job's texts could not be found in the text store"
        job.fail(Failure(FailureCode.TEXTS_MISSING, message), now)
        return
    context = {name: fetched.texts[ref].content if ref else None for name, ref in context_refs.items()}
    context["instructions"] = context.get("instructions") or deps.settings.default_instructions
    essays = [
        JobEssay(e.essay_id, i, False, None, None, e.text_ref, fetched.texts[e.text_ref].content, list(e.names))
        for i, e in enumerate(request.essays)
    ]
    essays += [
        JobEssay(a.id, len(essays) + i, True, a.grade, a.label, a.text_ref, fetched.texts[a.text_ref].content)
        for i, a in enumerate(anchors)
    ]
    job.add_essays(essays, context, now)
    if not job.start_wave(await fits.plan_wave(job, deps.rules, [], None), now):
        job.fail(Failure(FailureCode.TOO_FEW_ESSAYS, "no pair of essays could be planned"), now)
        return
    log.info("cj.wave_planned", job_id=str(job.id), wave=job.current_wave, pairs=job.open_pairs)
    # The first progress event tells the read model which job is the batch's current one, so the
    # teacher can cancel it (and the dashboard shows it) before any comparison has come back.
    # Its own event id: the first verdict's progress has the same (wave, count) and must not collide.
    job.publish_progress(natural_key=("cj.started", job.id))
    log.info("cj.job_started", job_id=str(job.id), essays=len(request.essays), anchors=len(anchors))
