"""Starting an assessment over the in-memory fakes: one state move and one requested event, idempotently."""

import uuid
from dataclasses import replace

import pytest

from common_core.envelope import deterministic_event_id
from common_core.events.cj_assessment import CJAssessmentRequestedV1
from common_core.http.content import CreateBatchRequest, StartAssessmentRequest
from common_core.status import BatchStatus
from content_service.service_layer import assessments, batches, uploads
from content_service.service_layer.errors import IdempotencyKeyReusedError
from huleedu_service_libs.errors import ConflictError, ServiceUnavailableError

SETTINGS = StartAssessmentRequest.model_validate(
    {
        "llm": {"provider": "mock", "model": "mock-judge", "temperature": 0.0, "batching_mode": "serial_bundle"},
        "budget": {"max_comparisons_per_essay": 6, "target_reliability": 0.7},
    }
)
OTHER_SETTINGS = SETTINGS.model_copy(update={"language": "sv"})


async def batch_with_essays(service, samples, count=3, assignment_id=None, class_id=None) -> uuid.UUID:
    request = CreateBatchRequest(title="T", course_code="ENG5", assignment_id=assignment_id, class_id=class_id)
    batch_id = (await batches.create_batch(service.ctx, "teacher-a", request)).batch_id
    files = [
        uploads.UploadedFile(f"{n}.txt", samples.essay_text(f"{batch_id.hex[:6]}{n}").encode()) for n in range(count)
    ]
    await uploads.upload_essays(service.ctx, "teacher-a", batch_id, files)
    service.uow.committed_events.clear()
    return batch_id


async def start(service, batch_id, settings=SETTINGS, key=None):
    return await assessments.start_assessment(service.ctx, "teacher-a", batch_id, settings, key)


async def test_starting_moves_the_batch_and_emits_one_request_with_the_essays(service, samples):
    assignment_id = service.assignments.allow("teacher-a", uuid.uuid4())
    batch_id = await batch_with_essays(service, samples, assignment_id=assignment_id)

    accepted = await start(service, batch_id, key="k-1")

    assert (accepted.status, accepted.essay_count, accepted.replayed) == (BatchStatus.ASSESSMENT_REQUESTED, 3, False)
    assert service.uow.state.batches[batch_id].status is BatchStatus.ASSESSMENT_REQUESTED
    assert batch_id in service.uow.last_repo.locked  # concurrent starts are serialised on the batch row
    [event] = service.uow.committed_events
    payload = event.payload
    assert isinstance(payload, CJAssessmentRequestedV1)
    essays = service.uow.state.essays
    assert [(e.essay_id, e.text_ref) for e in payload.essays] == [(e.essay_id, e.text_id) for e in essays]
    assert (payload.request_id, payload.user_id, payload.course_code) == (accepted.request_id, "teacher-a", "ENG5")
    assert payload.assignment_id == assignment_id
    assert payload.llm.temperature == 0.0  # zero stays zero (PITFALLS: `value or default`)
    assert payload.budget == SETTINGS.budget
    assert event.batch_id == batch_id
    assert event.event_id == deterministic_event_id("cj_assessment.requested", batch_id, accepted.request_id)


async def test_the_same_key_with_the_same_settings_replays_without_a_second_run(service, samples):
    batch_id = await batch_with_essays(service, samples)
    first = await start(service, batch_id, key="same")
    # The settings as another client would spell them: the same request.
    respelled = StartAssessmentRequest.model_validate_json(SETTINGS.model_dump_json())
    again = await start(service, batch_id, respelled, key="same")

    assert (again.request_id, again.replayed, again.requested_at) == (first.request_id, True, first.requested_at)
    assert len(service.uow.state.requests) == 1
    assert len(service.uow.events_of(CJAssessmentRequestedV1)) == 1


async def test_the_same_key_with_other_settings_is_refused_with_422(service, samples):
    batch_id = await batch_with_essays(service, samples)
    first = await start(service, batch_id, key="k")

    with pytest.raises(IdempotencyKeyReusedError) as raised:
        await start(service, batch_id, OTHER_SETTINGS, key="k")

    error = raised.value
    assert (error.http_status, error.code) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert "other settings" in error.message
    assert "new key" in error.message
    assert error.details["request_id"] == str(first.request_id)
    assert len(service.uow.events_of(CJAssessmentRequestedV1)) == 1


async def test_a_reused_key_is_checked_after_the_run_has_finished_too(service, samples):
    batch_id = await batch_with_essays(service, samples)
    first = await start(service, batch_id, key="k")
    await service.uow.last_repo.set_status(batch_id, BatchStatus.COMPLETED)

    with pytest.raises(IdempotencyKeyReusedError):
        await start(service, batch_id, OTHER_SETTINGS, key="k")
    replay = await start(service, batch_id, key="k")
    assert (replay.request_id, replay.replayed, replay.status) == (first.request_id, True, BatchStatus.COMPLETED)

    second_run = await start(service, batch_id, OTHER_SETTINGS, key="k-2")
    assert second_run.request_id != first.request_id
    assert [e.request_id for e in service.uow.events_of(CJAssessmentRequestedV1)] == [
        first.request_id,
        second_run.request_id,
    ]


async def test_an_empty_body_and_the_defaults_spelled_out_are_the_same_request(service, samples):
    batch_id = await batch_with_essays(service, samples)
    first = await start(service, batch_id, StartAssessmentRequest(), key="d")
    spelled_out = StartAssessmentRequest.model_validate(StartAssessmentRequest().model_dump(mode="json"))
    assert (await start(service, batch_id, spelled_out, key="d")).request_id == first.request_id


async def test_without_a_key_a_repeat_while_running_replays_and_other_settings_are_a_409(service, samples):
    batch_id = await batch_with_essays(service, samples)
    first = await start(service, batch_id)
    again = await start(service, batch_id)
    assert (again.request_id, again.replayed) == (first.request_id, True)

    with pytest.raises(ConflictError, match="other settings is already running"):
        await start(service, batch_id, OTHER_SETTINGS)
    assert len(service.uow.events_of(CJAssessmentRequestedV1)) == 1


async def test_another_key_while_a_run_is_active_is_an_illegal_move(service, samples):
    batch_id = await batch_with_essays(service, samples)
    await start(service, batch_id, key="first")
    with pytest.raises(ConflictError, match="assessment_requested cannot become assessment_requested"):
        await start(service, batch_id, key="second")
    assert len(service.uow.state.requests) == 1


async def test_a_batch_needs_two_essays_and_nothing_changes_without_them(service, samples):
    batch_id = await batch_with_essays(service, samples, count=1)
    with pytest.raises(ConflictError, match="at least 2 essays"):
        await start(service, batch_id, key="k")
    assert service.uow.state.batches[batch_id].status is BatchStatus.DRAFT
    assert service.uow.state.requests == []
    assert service.uow.committed_events == []


async def test_when_the_event_cannot_be_written_the_state_move_is_rolled_back(service, samples):
    """PITFALLS: an outbox outside the business transaction lost events when the process died between them."""
    batch_id = await batch_with_essays(service, samples)
    service.uow.fail_emit_for = CJAssessmentRequestedV1
    with pytest.raises(ConnectionResetError):
        await start(service, batch_id, key="k")
    assert service.uow.state.batches[batch_id].status is BatchStatus.DRAFT
    assert service.uow.state.requests == []

    service.uow.fail_emit_for = None
    retried = await start(service, batch_id, key="k")
    assert retried.replayed is False
    assert len(service.uow.events_of(CJAssessmentRequestedV1)) == 1


def test_the_fingerprint_ignores_spelling_but_not_settings():
    assert assessments.request_fingerprint(StartAssessmentRequest()) == assessments.request_fingerprint(
        StartAssessmentRequest.model_validate({"language": "en", "llm": {}})
    )
    assert assessments.request_fingerprint(SETTINGS) != assessments.request_fingerprint(OTHER_SETTINGS)
    zero = StartAssessmentRequest.model_validate({"llm": {"temperature": 0.0}})
    assert assessments.request_fingerprint(zero) != assessments.request_fingerprint(StartAssessmentRequest())


async def test_a_request_stored_before_fingerprints_existed_keeps_replaying(service, samples):
    batch_id = await batch_with_essays(service, samples)
    first = await start(service, batch_id, key="old")
    [stored] = service.uow.state.requests
    service.uow.state.requests[0] = replace(stored, request_fingerprint=None)  # as migration 0002 left it

    again = await start(service, batch_id, OTHER_SETTINGS, key="old")
    assert (again.request_id, again.replayed) == (first.request_id, True)


async def test_the_request_names_each_essays_author_so_cj_can_keep_the_names_from_the_provider(service, samples):
    """Issue 23: the confirmed student's name (from CMS) and the author hint travel with each essay."""
    class_id = service.classes.allow("teacher-a", uuid.uuid4())
    batch_id = await batch_with_essays(service, samples, class_id=class_id)
    first, second, _third = service.uow.state.essays
    service.uow.state.essays[0] = replace(first, author_hint="Anna Svensson")
    service.uow.state.essays[1] = replace(second, author_hint="B. Berg")
    service.classes.names[("teacher-a", batch_id)] = {first.essay_id: "Anna Svensson", second.essay_id: "Bo Berg"}

    await start(service, batch_id)

    [payload] = service.uow.events_of(CJAssessmentRequestedV1)
    assert [e.names for e in payload.essays] == [["Anna Svensson"], ["Bo Berg", "B. Berg"], []]


async def test_a_class_batch_does_not_start_while_cms_cannot_name_its_students(service, samples):
    class_id = service.classes.allow("teacher-a", uuid.uuid4())
    batch_id = await batch_with_essays(service, samples, count=2, class_id=class_id)
    service.classes.down = True

    with pytest.raises(ServiceUnavailableError):
        await start(service, batch_id)
    assert service.uow.state.batches[batch_id].status is BatchStatus.DRAFT
    assert service.uow.events_of(CJAssessmentRequestedV1) == []


async def test_a_batch_without_a_class_starts_without_asking_cms(service, samples):
    batch_id = await batch_with_essays(service, samples)
    service.classes.down = True  # would fail the start if it were asked

    accepted = await start(service, batch_id)

    assert accepted.status is BatchStatus.ASSESSMENT_REQUESTED
