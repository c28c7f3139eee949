"""The access log of comparisons over the in-memory fakes (issue 23): a teacher's read of a job's
comparisons records the batch, of one essay's records the essay, before they are returned; a read that
returns none records nothing, and a read whose entry cannot be written fails."""

from __future__ import annotations

import pytest

from cj_assessment_service.service_layer.job_queries import JobQueries
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.events.cj_assessment import AssessmentBudget
from common_core.http.access import AccessAction, AccessSubject
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import NotFoundError
from services.cj_assessment_service.tests.service_layer.conftest import Service, start
from services.cj_assessment_service.tests.service_layer.test_job_life import answer_until_done, the_job

BFF = Accessor("teacher-1", "bff_teacher_service")


async def _judged_job(service: Service):
    await start(service, service.request(4, budget=AssessmentBudget(max_comparisons_per_essay=4)))
    await Submitter(service.deps).submit_due_once()
    await answer_until_done(service)
    return the_job(service)


async def test_comparison_reads_record_the_batch_or_the_essay_for_the_jobs_teacher(service: Service):
    job = await _judged_job(service)
    essay_id = service.rows.essays[job.id][0].essay_id
    queries = JobQueries(service.deps)
    export = Accessor("teacher-1", "bff_teacher_service", AccessAction.EXPORT)

    assert (await queries.job_comparisons(job.id, "teacher-1", BFF, 50, 0)).comparisons
    assert (await queries.essay_comparisons(job.id, essay_id, "teacher-1", export)).comparisons

    logged = [(e.owner_id, e.accessor.action, e.subject) for e in service.access_log.entries]
    assert logged == [
        ("teacher-1", AccessAction.READ, (AccessSubject.BATCH, str(job.batch_id))),
        ("teacher-1", AccessAction.EXPORT, (AccessSubject.ESSAY, str(essay_id))),
    ]


async def test_an_empty_page_another_teachers_job_and_an_unwritable_log_record_nothing(service: Service):
    job = await _judged_job(service)
    queries = JobQueries(service.deps)

    assert (await queries.job_comparisons(job.id, "teacher-1", BFF, 50, 10_000)).comparisons == []
    with pytest.raises(NotFoundError):
        await queries.job_comparisons(job.id, "teacher-2", Accessor("teacher-2", "bff_teacher_service"), 50, 0)
    assert service.access_log.entries == []

    service.access_log.fail = True
    with pytest.raises(ConnectionResetError):
        await queries.job_comparisons(job.id, "teacher-1", BFF, 50, 0)
