"""Erasure of a deleted batch and redaction of the authors' names, through the use cases against in-memory fakes.

The same erasure runs on PostgreSQL and Kafka in tests/integration/test_erasure.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import structlog

from cj_assessment_service.domain.assignment import Assignment
from cj_assessment_service.domain.redaction import PLACEHOLDER
from cj_assessment_service.service_layer.assignments import AssignmentService
from cj_assessment_service.service_layer.erasure import erase_batch
from cj_assessment_service.service_layer.job_queries import JobQueries
from cj_assessment_service.service_layer.monitor import StuckJobMonitor
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.events.batch import BatchDeletedV1
from common_core.events.cj_assessment import (
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentRequestedV1,
    EssayRef,
    LLMSettings,
)
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.http.cj_assessment import AssignmentCreateRequest, AssignmentUpdateRequest
from common_core.http.content import TextKind
from common_core.llm import BatchingMode
from common_core.status import CJJobState
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import NotFoundError
from services.cj_assessment_service.tests.builders import assessment, verdict
from services.cj_assessment_service.tests.service_layer.conftest import Service, callback, start

STUDENTS = ["Anna Svensson", "Örjan Åkesson-Lind", "Will Bergström", "Maja Ek", "Sven Öberg", "Li Na"]


def named_request(service: Service, **fields: object) -> CJAssessmentRequestedV1:
    """Six essays, each opening with its author's name and mentioning it again, with the names in the refs."""
    refs = []
    for number, name in enumerate(STUDENTS):
        first, last = name.split(" ", 1)
        text = f"{name}\n\nEssay number {number}. I will argue, as {first} would, that {last}'s town is fine."
        refs.append(EssayRef(essay_id=uuid.uuid4(), text_ref=service.texts.add(text), names=[name]))
    return assessment(refs, user_id="teacher-1", **fields)


async def erase(service: Service, batch_id: uuid.UUID) -> int:
    async with service.uows() as uow:
        return await erase_batch(BatchDeletedV1(batch_id=batch_id, user_id="teacher-1", deleted_at=now()), uow)


def now() -> datetime:
    return datetime.now(UTC)


def echoed(service: Service, request_id: str) -> LLMComparisonResultV1:
    """LPS's verdict for ``request_id``, echoing the metadata CJ sent with it (as LPS does)."""
    sent = next(c for r in service.lps.requests for c in r.comparisons if c.request_id == request_id)
    return verdict(request_id).model_copy(update={"request_metadata": sent.request_metadata})


async def test_erasing_a_running_job_removes_every_row_and_sends_nothing_more(service: Service):
    message = named_request(service)
    await start(service, message)
    submitter = Submitter(service.deps)
    assert await submitter.submit_due_once() > 0
    (job_id,) = service.rows.jobs
    first = service.open_requests()[0]
    assert await callback(service, echoed(service, first))
    events_before = len(service.rows.outbox)

    assert await erase(service, message.batch_id) == 1

    rows = service.rows
    assert (rows.jobs, rows.essays, rows.waves, rows.pairs, rows.results) == ({}, {}, {}, {}, {})
    assert message.batch_id in rows.erased_batches
    assert rows.forgotten == [message.batch_id]  # its published events are erased from the outbox
    # The batch is gone for everyone: no failed or completed event announces the cancellation.
    assert len(rows.outbox) == events_before
    assert service.events_of(CJAssessmentFailedV1) == service.events_of(CJAssessmentCompletedV1) == []
    # Cancelled: neither the submitter nor the monitor finds anything to send or finish.
    sent = len(service.lps.requests)
    assert await submitter.submit_due_once() == 0
    assert await StuckJobMonitor(service.deps).check_once() == {}
    assert len(service.lps.requests) == sent
    # The teacher's job routes answer 404.
    queries = JobQueries(service.deps)
    with pytest.raises(NotFoundError):
        await queries.job(job_id, "teacher-1")
    with pytest.raises(NotFoundError):
        await queries.cancel(job_id, "teacher-1")
    with pytest.raises(NotFoundError):
        await queries.job_comparisons(job_id, "teacher-1", Accessor("teacher-1", "bff_teacher_service"), 10, 0)


async def test_a_late_callback_of_an_erased_batch_is_dropped_quietly(service: Service):
    message = named_request(service)
    await start(service, message)
    await Submitter(service.deps).submit_due_once()
    late = [echoed(service, request_id) for request_id in service.open_requests()]
    await erase(service, message.batch_id)
    rows_before = repr(service.rows)

    with structlog.testing.capture_logs() as logs:
        recorded = [await callback(service, result) for result in late]

    assert recorded == [False] * len(late)
    assert repr(service.rows) == rows_before  # nothing stored
    assert {entry["log_level"] for entry in logs} <= {"info", "debug"}  # no warning, no error
    assert {entry["event"] for entry in logs} == {"cj.event_for_erased_batch"}


async def test_a_request_that_arrives_after_its_batch_was_erased_starts_nothing(service: Service):
    message = named_request(service)
    assert await erase(service, message.batch_id) == 0  # the deletion overtook the request

    with structlog.testing.capture_logs() as logs:
        await start(service, message)

    assert service.rows.jobs == {}
    assert service.rows.outbox == []
    assert service.texts.calls == 0  # not even fetched
    assert [entry["event"] for entry in logs] == ["cj.event_for_erased_batch"]
    assert logs[0]["log_level"] == "info"


async def test_erasing_the_same_batch_twice_is_harmless(service: Service):
    message = named_request(service)
    await start(service, message)
    assert await erase(service, message.batch_id) == 1
    erased_at = service.rows.erased_batches[message.batch_id]

    assert await erase(service, message.batch_id) == 0

    assert service.rows.erased_batches == {message.batch_id: erased_at}
    assert service.rows.jobs == {}


async def test_erasing_one_batch_leaves_the_others(service: Service):
    kept, erased = named_request(service), named_request(service)
    await start(service, kept)
    await start(service, erased)

    await erase(service, erased.batch_id)

    (job,) = service.rows.jobs.values()
    assert job.batch_id == kept.batch_id
    assert job.state is CJJobState.COMPARING
    assert len(service.rows.essays[job.id]) == len(STUDENTS)


@pytest.mark.parametrize("mode", list(BatchingMode))
async def test_the_texts_sent_to_lps_carry_a_placeholder_instead_of_the_names(service: Service, mode: BatchingMode):
    message = named_request(service, llm=LLMSettings(batching_mode=mode))
    await start(service, message)
    await Submitter(service.deps).submit_due_once()

    (sent,) = service.lps.requests
    assert sent.batch_id == message.batch_id
    assert {c.request_metadata["batch_id"] for c in sent.comparisons} == {str(message.batch_id)}
    words = {part for name in STUDENTS for part in name.replace("-", " ").split()}
    for text in sent.texts.values():
        assert PLACEHOLDER in text
        assert not any(word in text for word in words), text
        assert "I will argue" in text  # the student named Will keeps the verb
    # The original stays in CJ, as the teacher uploaded it.
    (essays,) = service.rows.essays.values()
    assert all(e.content.startswith(e.names[0]) for e in essays)


async def test_an_assignment_can_turn_redaction_off(service: Service):
    instructions = service.texts.add("Compare.", TextKind.INSTRUCTIONS)
    assignment = Assignment(
        id=uuid.uuid4(),
        owner_user_id="teacher-1",
        title="Letters",
        course_code="ENG5",
        grade_scale="swedish_f_a",
        shared=False,
        instructions_ref=instructions,
        student_prompt_ref=None,
        rubric_ref=None,
        created_at=now(),
        updated_at=now(),
        redact_names=False,
    )
    service.rows.assignments[assignment.id] = assignment
    await start(service, named_request(service, assignment_id=assignment.id))
    await Submitter(service.deps).submit_due_once()

    (sent,) = service.lps.requests
    assert not any(PLACEHOLDER in text for text in sent.texts.values())
    assert {text.split("\n")[0] for text in sent.texts.values()} == set(STUDENTS)


async def test_redact_names_is_set_on_create_changed_by_patch_and_shown(service: Service):
    assignments = AssignmentService(service.deps)
    body = {"title": "Letters", "course_code": "ENG5", "grade_scale": "swedish_f_a", "instructions": "Compare."}

    default = await assignments.create("teacher-1", AssignmentCreateRequest.model_validate(body))
    off = await assignments.create("teacher-1", AssignmentCreateRequest.model_validate(body | {"redact_names": False}))
    assert (default.redact_names, off.redact_names) == (True, False)

    patched = await assignments.update(
        off.assignment_id, "teacher-1", AssignmentUpdateRequest.model_validate({"redact_names": True})
    )
    assert patched.redact_names is True
    assert (await assignments.usable(off.assignment_id, "teacher-1")).redact_names is True
    untouched = await assignments.update(
        default.assignment_id, "teacher-1", AssignmentUpdateRequest.model_validate({"title": "Renamed"})
    )
    assert untouched.redact_names is True
    listed = {a.assignment_id: a.redact_names for a in (await assignments.list_visible("teacher-1")).assignments}
    assert listed == {default.assignment_id: True, off.assignment_id: True}
