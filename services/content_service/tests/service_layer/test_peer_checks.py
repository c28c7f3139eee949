"""A batch or an assessment names only a class and an assignment the teacher may use (issue 14, defect 10).

CMS answers for classes, CJ for assignments; anything else is a 404 and nothing is stored or
emitted, and a peer that cannot answer is a 503 rather than a batch created unchecked.
"""

import uuid

import pytest

from common_core.events.cj_assessment import CJAssessmentRequestedV1
from common_core.http.content import CreateBatchRequest, StartAssessmentRequest
from common_core.status import BatchStatus
from content_service.service_layer import assessments, batches, uploads
from huleedu_service_libs.errors import NotFoundError, ServiceUnavailableError


def _request(**ids: uuid.UUID) -> CreateBatchRequest:
    return CreateBatchRequest(title="Essays", course_code="ENG5", **ids)


async def test_the_teachers_own_class_and_a_usable_assignment_are_asked_about_and_accepted(service):
    class_id = service.classes.allow("teacher-a", uuid.uuid4())
    assignment_id = service.assignments.allow("teacher-a", uuid.uuid4())

    view = await batches.create_batch(
        service.ctx, "teacher-a", _request(class_id=class_id, assignment_id=assignment_id)
    )

    assert (view.class_id, view.assignment_id) == (class_id, assignment_id)
    assert service.classes.asked == [("teacher-a", class_id)]
    assert service.assignments.asked == [("teacher-a", assignment_id)]


async def test_a_batch_without_class_or_assignment_asks_nobody(service):
    await batches.create_batch(service.ctx, "teacher-a", _request())
    assert (service.classes.asked, service.assignments.asked) == ([], [])


@pytest.mark.parametrize("field", ["class_id", "assignment_id"])
async def test_another_teachers_or_an_unknown_id_is_a_404_and_nothing_is_stored_or_emitted(service, field):
    directory = service.classes if field == "class_id" else service.assignments
    theirs = directory.allow("teacher-b", uuid.uuid4())

    for item_id in (theirs, uuid.uuid4()):
        with pytest.raises(NotFoundError) as refused:
            await batches.create_batch(service.ctx, "teacher-a", _request(**{field: item_id}))
        assert refused.value.details == {field: str(item_id)}

    assert service.uow.state.batches == {}
    assert service.uow.committed_events == []


@pytest.mark.parametrize("field", ["class_id", "assignment_id"])
async def test_a_peer_that_cannot_answer_is_a_503_and_no_batch(service, field):
    directory = service.classes if field == "class_id" else service.assignments
    item_id = directory.allow("teacher-a", uuid.uuid4())
    directory.down = True

    with pytest.raises(ServiceUnavailableError):
        await batches.create_batch(service.ctx, "teacher-a", _request(**{field: item_id}))

    assert service.uow.state.batches == {}
    assert service.uow.committed_events == []


async def _draft_with_essays(service, samples) -> uuid.UUID:
    view = await batches.create_batch(service.ctx, "teacher-a", _request())
    files = [uploads.UploadedFile(f"e{n}.txt", samples.essay_text(f"peer{n}").encode()) for n in range(2)]
    await uploads.upload_essays(service.ctx, "teacher-a", view.batch_id, files)
    return view.batch_id


async def test_an_assessment_override_must_be_usable_too(service, samples):
    batch_id = await _draft_with_essays(service, samples)
    private = service.assignments.allow("teacher-b", uuid.uuid4())

    with pytest.raises(NotFoundError):
        await assessments.start_assessment(
            service.ctx, "teacher-a", batch_id, StartAssessmentRequest(assignment_id=private), None
        )
    assert service.uow.state.batches[batch_id].status == BatchStatus.DRAFT
    assert service.uow.events_of(CJAssessmentRequestedV1) == []

    service.assignments.down = True
    with pytest.raises(ServiceUnavailableError):
        await assessments.start_assessment(
            service.ctx, "teacher-a", batch_id, StartAssessmentRequest(assignment_id=private), None
        )

    service.assignments.down = False
    usable = service.assignments.allow("teacher-a", uuid.uuid4())
    await assessments.start_assessment(
        service.ctx, "teacher-a", batch_id, StartAssessmentRequest(assignment_id=usable), None
    )
    [requested] = service.uow.events_of(CJAssessmentRequestedV1)
    assert requested.assignment_id == usable
