"""Estimating an assessment over the in-memory fakes: the batch's counts go to CJ, nothing is stored or sent."""

import uuid

import pytest

from common_core.http.content import StartAssessmentRequest
from common_core.status import BatchStatus
from content_service.service_layer.estimates import estimate_assessment
from huleedu_service_libs.errors import ConflictError, NotFoundError, ServiceUnavailableError
from services.content_service.tests.service_layer.test_assessments import SETTINGS, batch_with_essays


async def test_the_batchs_essays_words_and_characters_and_the_start_settings_go_to_cj(service, samples):
    assignment_id = service.assignments.allow("teacher-a", uuid.uuid4())
    batch_id = await batch_with_essays(service, samples, count=3, assignment_id=assignment_id)

    estimate = await estimate_assessment(service.ctx, "teacher-a", batch_id, SETTINGS)

    [(owner, asked)] = service.estimates.asked
    essays = service.uow.state.essays
    texts = service.uow.state.texts
    assert owner == "teacher-a"
    assert (asked.essay_count, asked.total_words) == (3, sum(e.word_count for e in essays))
    assert asked.total_characters == sum(len(texts[e.text_id].content.strip()) for e in essays)
    assert (asked.assignment_id, asked.language, asked.llm, asked.budget) == (
        assignment_id,
        SETTINGS.language,
        SETTINGS.llm,
        SETTINGS.budget,
    )
    assert estimate.batch_id == batch_id
    assert estimate.essay_count == 3
    # A question, not a command: the batch stays as it was and nothing goes to the outbox.
    assert service.uow.state.batches[batch_id].status is BatchStatus.DRAFT
    assert service.uow.committed_events == []


async def test_the_override_assignment_is_estimated_instead_of_the_batchs(service, samples):
    batch_id = await batch_with_essays(service, samples, count=2, assignment_id=None)
    override = uuid.uuid4()
    await estimate_assessment(service.ctx, "teacher-a", batch_id, StartAssessmentRequest(assignment_id=override))
    assert service.estimates.asked[0][1].assignment_id == override


async def test_another_teachers_batch_or_too_few_essays_are_refused_before_cj_is_asked(service, samples):
    batch_id = await batch_with_essays(service, samples, count=3)
    with pytest.raises(NotFoundError):
        await estimate_assessment(service.ctx, "teacher-b", batch_id, SETTINGS)
    lonely = await batch_with_essays(service, samples, count=1)
    with pytest.raises(ConflictError, match="at least 2 essays"):
        await estimate_assessment(service.ctx, "teacher-a", lonely, SETTINGS)
    assert service.estimates.asked == []


async def test_cjs_refusal_reaches_the_teacher_unchanged(service, samples):
    batch_id = await batch_with_essays(service, samples, count=2)
    service.estimates.error = ServiceUnavailableError("CJ assessment service could not be reached")
    with pytest.raises(ServiceUnavailableError):
        await estimate_assessment(service.ctx, "teacher-a", batch_id, SETTINGS)
