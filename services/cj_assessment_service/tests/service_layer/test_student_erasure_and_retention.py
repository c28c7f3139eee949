"""Erasing one student's essays, deleting a teacher account, the shared-assignments check, and the retention
pass, through the use cases against in-memory fakes (issue 23, part 2).

The same rules run on PostgreSQL in tests/integration/test_student_erasure_and_retention.py.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import structlog

from cj_assessment_service.domain.assignment import Anchor, Assignment
from cj_assessment_service.domain.job import FailureCode
from cj_assessment_service.service_layer.assignments import AssignmentService
from cj_assessment_service.service_layer.erasure import ERASED_MID_ASSESSMENT, delete_account, erase_student
from cj_assessment_service.service_layer.job_queries import JobQueries
from cj_assessment_service.service_layer.retention import purge_expired
from common_core.events.cj_assessment import (
    AssessmentBudget,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentRequestedV1,
)
from common_core.events.classes import ErasedEssay, StudentErasedV1, TeacherAccountDeletedV1
from common_core.http.access import AccessSubject
from common_core.status import CJJobState
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import NotFoundError
from services.cj_assessment_service.tests.builders import verdict
from services.cj_assessment_service.tests.service_layer.conftest import Service, callback, start

BUDGET = AssessmentBudget(max_comparisons_per_essay=4)


def now() -> datetime:
    return datetime.now(UTC)


async def erase(service: Service, *essays: tuple[uuid.UUID, uuid.UUID]):
    event = StudentErasedV1(
        student_id=uuid.uuid4(),
        user_id="teacher-1",
        essays=[ErasedEssay(batch_id=b, essay_id=e) for b, e in essays],
        erased_at=now(),
    )
    async with service.uows() as uow:
        return await erase_student(service.deps, event, uow)


def job_of(service: Service, batch_id: uuid.UUID):
    return next(job for job in service.rows.jobs.values() if job.batch_id == batch_id)


async def completed(service: Service, n_essays: int = 6) -> CJAssessmentRequestedV1:
    """A job of ``n_essays`` answered to its end by a judge that prefers the later essay."""
    message = service.request(n_essays, budget=BUDGET)
    await start(service, message)
    order = {e.essay_id: i for i, e in enumerate(message.essays)}
    for _ in range(100):
        open_ids = service.open_requests()
        if not open_ids:
            break
        for request_id in open_ids:
            pair = next(p for ps in service.rows.pairs.values() for p in ps if p.request_id == request_id)
            await callback(
                service, verdict(request_id, "A" if order[pair.essay_a_id] > order[pair.essay_b_id] else "B")
            )
    assert job_of(service, message.batch_id).state is CJJobState.COMPLETED
    return message


def involving(service: Service, job_id: uuid.UUID, essay_id: uuid.UUID) -> int:
    return sum(1 for p in service.rows.pairs[job_id] if essay_id in (p.essay_a_id, p.essay_b_id))


async def test_a_students_essay_leaves_a_finished_job_and_the_others_results_stay(service: Service):
    message = await completed(service)
    job = job_of(service, message.batch_id)
    erased, kept = message.essays[0].essay_id, [e.essay_id for e in message.essays[1:]]
    assert involving(service, job.id, erased) > 0
    pairs_before = len(service.rows.pairs[job.id])
    events_before = len(service.rows.outbox)

    rows = await erase(service, (message.batch_id, erased))

    assert rows.essays == 1
    assert rows.comparisons == pairs_before - len(service.rows.pairs[job.id]) > 0
    assert involving(service, job.id, erased) == 0
    assert [e.essay_id for e in service.rows.essays[job.id]] == kept
    assert set(service.rows.results[job.id]) == set(kept)  # the others keep their grades
    assert all(w.theta is None for w in service.rows.waves[job.id])  # the theta history placed every essay
    assert service.rows.jobs[job.id].state is CJJobState.COMPLETED
    assert len(service.rows.outbox) == events_before  # nothing announced
    assert service.rows.forgotten == [message.batch_id]  # the batch's published results leave the outbox
    assert (message.batch_id, erased) in service.rows.erased_essays
    # Again: nothing more to do.
    assert await erase(service, (message.batch_id, erased)) == type(rows)(0, 0)


async def test_a_running_job_is_cancelled_and_a_late_callback_of_the_erased_essay_is_dropped(service: Service):
    message = service.request(6, budget=BUDGET)
    await start(service, message)
    job = job_of(service, message.batch_id)
    erased = message.essays[0].essay_id
    pairs = service.rows.pairs[job.id]
    late_erased = [p.request_id for p in pairs if erased in (p.essay_a_id, p.essay_b_id)]
    late_kept = [p.request_id for p in pairs if erased not in (p.essay_a_id, p.essay_b_id)]
    assert late_erased
    assert late_kept

    await erase(service, (message.batch_id, erased))

    (failed,) = service.events_of(CJAssessmentFailedV1)
    assert (failed.error.code, failed.error.message) == (FailureCode.CANCELLED.value, ERASED_MID_ASSESSMENT)
    assert service.rows.jobs[job.id].state is CJJobState.FAILED
    assert involving(service, job.id, erased) == 0
    assert len(service.rows.essays[job.id]) == 5
    stored = lambda: repr((service.rows.essays, service.rows.pairs, service.rows.outbox))  # noqa: E731
    rows_before = stored()
    metadata = {"batch_id": str(message.batch_id)}
    with structlog.testing.capture_logs() as logs:
        for request_id in late_erased + late_kept:
            assert (
                await callback(service, verdict(request_id).model_copy(update={"request_metadata": metadata})) is False
            )
    assert stored() == rows_before
    assert {entry["log_level"] for entry in logs} <= {"info", "debug"}
    assert {entry["event"] for entry in logs} == {"cj.event_for_erased_essay", "cj.callback_for_inactive_job"}


async def test_a_later_request_of_the_batch_leaves_the_erased_essays_out(service: Service):
    message = service.request(4, budget=BUDGET)
    erased = message.essays[0]
    await erase(service, (message.batch_id, erased.essay_id))  # before the request arrives
    fetched: list[list[str]] = []
    fetch = service.texts.fetch_texts

    async def recording(text_ids: list[str]):
        fetched.append(list(text_ids))
        return await fetch(text_ids)

    service.texts.fetch_texts = recording  # type: ignore[method-assign]

    await start(service, message)

    job = job_of(service, message.batch_id)
    assert [e.essay_id for e in service.rows.essays[job.id]] == [e.essay_id for e in message.essays[1:]]
    assert erased.text_ref not in fetched[0]  # its text was not even asked for


async def test_only_the_listed_essays_of_each_batch_go_and_other_batches_stay(service: Service):
    first, second, other = [await completed(service) for _ in range(3)]
    erased = [(first.batch_id, first.essays[1].essay_id), (second.batch_id, second.essays[2].essay_id)]

    rows = await erase(service, *erased)

    assert rows.essays == 2
    for message, essay_id in ((first, erased[0][1]), (second, erased[1][1])):
        job = job_of(service, message.batch_id)
        assert essay_id not in {e.essay_id for e in service.rows.essays[job.id]}
        assert len(service.rows.essays[job.id]) == len(message.essays) - 1
    untouched = job_of(service, other.batch_id)
    assert len(service.rows.essays[untouched.id]) == len(other.essays)
    assert sorted(service.rows.forgotten) == sorted([first.batch_id, second.batch_id])


def assignment(owner: str, *, shared: bool, title: str) -> Assignment:
    return Assignment(
        id=uuid.uuid4(),
        owner_user_id=owner,
        title=title,
        course_code="ENG5",
        grade_scale="swedish_f_a",
        shared=shared,
        instructions_ref="i",
        student_prompt_ref=None,
        rubric_ref=None,
        created_at=now(),
        updated_at=now(),
    )


async def test_a_deleted_account_loses_its_assignments_and_anchors_and_others_keep_theirs(service: Service):
    mine = [assignment("teacher-1", shared=True, title="A"), assignment("teacher-1", shared=False, title="B")]
    theirs = assignment("teacher-2", shared=True, title="C")
    for row in (*mine, theirs):
        service.rows.assignments[row.id] = row
        service.rows.anchors.append(Anchor(uuid.uuid4(), row.id, "x", "C", "ref", 10, now()))
    deleted = TeacherAccountDeletedV1(user_id="teacher-1", deleted_at=now())
    for owner in ("teacher-1", "teacher-2"):
        await service.access_log.record(owner, Accessor(owner, "bff_teacher_service"), [(AccessSubject.BATCH, "b")])

    async with service.uows() as uow:
        assert await delete_account(service.deps, deleted, uow) == (2, 2)
    assert [e.owner_id for e in service.access_log.entries] == ["teacher-2"]
    async with service.uows() as uow:
        assert await delete_account(service.deps, deleted, uow) == (0, 0)

    assert list(service.rows.assignments) == [theirs.id]
    assert [a.assignment_id for a in service.rows.anchors] == [theirs.id]


async def test_the_shared_assignments_of_a_user_are_listed_to_that_user_only(service: Service):
    rows = [
        assignment("teacher-1", shared=True, title="Shared"),
        assignment("teacher-1", shared=False, title="Private"),
        assignment("teacher-2", shared=True, title="Not mine"),
    ]
    for row in rows:
        service.rows.assignments[row.id] = row
    assignments = AssignmentService(service.deps)

    listed = await assignments.shared_by("teacher-1", "teacher-1")

    assert [(a.assignment_id, a.title) for a in listed.items] == [(rows[0].id, "Shared")]
    assert (await assignments.shared_by("teacher-3", "teacher-3")).items == []
    with pytest.raises(NotFoundError):
        await assignments.shared_by("teacher-1", "teacher-2")


async def age(service: Service, batch_id: uuid.UUID, days: int) -> None:
    job = job_of(service, batch_id)
    service.rows.jobs[job.id] = replace(job, finished_at=now() - timedelta(days=days))


async def retention_setup(service: Service):
    old, recent = await completed(service), await completed(service)
    running = service.request(4, budget=BUDGET)
    await start(service, running)
    await age(service, old.batch_id, 400)
    await age(service, recent.batch_id, 10)
    job = job_of(service, running.batch_id)
    service.rows.jobs[job.id] = replace(job, created_at=now() - timedelta(days=400))
    return now() - timedelta(days=365), old, recent, running


async def test_with_aggregates_kept_a_due_job_loses_its_essays_and_comparisons_and_shows_the_same_figures(
    service: Service,
):
    cutoff, old, recent, running = await retention_setup(service)
    job = job_of(service, old.batch_id)
    queries = JobQueries(service.deps)
    before = await queries.job(job.id, "teacher-1")
    pairs = len(service.rows.pairs[job.id])
    (completed_event,) = [e for e in service.events_of(CJAssessmentCompletedV1) if e.batch_id == old.batch_id]
    # Without anchors no grade was projected: give the results some, as a job with anchors would have.
    results = service.rows.results[job.id]
    for n, essay_id in enumerate(results):
        results[essay_id] = results[essay_id].model_copy(update={"grade": "AB"[n % 2]})

    purged = await purge_expired(service.uows, cutoff, keep_aggregates=True)

    assert purged == {"jobs": 1, "essays": len(old.essays), "comparisons": pairs}
    assert (service.rows.essays[job.id], service.rows.pairs[job.id], service.rows.results.get(job.id)) == ([], [], None)
    assert all(w.theta is None for w in service.rows.waves[job.id])
    after = await queries.job(job.id, "teacher-1")
    assert after == before  # the same counts, usage, waves and reliabilities, from the kept figures
    assert after.comparisons_completed == completed_event.comparisons_completed
    assert service.rows.aggregates[job.id].grade_distribution == {"A": 3, "B": 3}
    for message in (recent, running):
        assert len(service.rows.essays[job_of(service, message.batch_id).id]) == len(message.essays)
    assert await purge_expired(service.uows, cutoff, keep_aggregates=True) == {"jobs": 0, "essays": 0, "comparisons": 0}


async def test_without_aggregates_a_due_job_is_deleted_and_running_ones_never_are(service: Service):
    cutoff, old, recent, running = await retention_setup(service)
    job = job_of(service, old.batch_id)
    pairs = len(service.rows.pairs[job.id])

    purged = await purge_expired(service.uows, cutoff, keep_aggregates=False)

    assert purged == {"jobs": 1, "essays": len(old.essays), "comparisons": pairs}
    assert {j.batch_id for j in service.rows.jobs.values()} == {recent.batch_id, running.batch_id}
    with pytest.raises(NotFoundError):
        await JobQueries(service.deps).job(job.id, "teacher-1")
