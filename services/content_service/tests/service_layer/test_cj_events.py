"""CJ's completion, failure and progress handlers over a fake repository."""

import uuid

import pytest

from common_core.events.cj_assessment import CJAssessmentCompletedV1, CJAssessmentFailedV1, CJAssessmentProgressV1
from common_core.status import BatchStatus, CJJobState
from content_service.service_layer import cj_events
from huleedu_service_libs.errors import ConflictError
from services.content_service.tests.cj_builders import completed, failed, progress


@pytest.fixture
def cj(service):
    """The handlers, each in its own fake unit of work, and a helper that puts a batch in a given state."""

    async def batch_in(status: BatchStatus, runs: tuple[uuid.UUID, ...] = ()) -> uuid.UUID:
        """A batch in ``status`` whose assessment requests were ``runs``, oldest first."""
        async with service.uow() as uow:
            batch = await uow.repo.insert_batch(
                batch_id=uuid.uuid4(), owner_id="t", title="T", course_code="C", class_id=None, assignment_id=None
            )
            for request_id in runs:
                await uow.repo.insert_request(
                    request_id=request_id,
                    batch_id=batch.batch_id,
                    idempotency_key=None,
                    request_fingerprint="f",
                    essay_count=2,
                )
            await uow.repo.set_status(batch.batch_id, status)
        return batch.batch_id

    class Handlers:
        """Each event in a unit of work of its own, as the consumer runs it (committed unless it raises)."""

        @staticmethod
        async def on_progress(event: CJAssessmentProgressV1) -> None:
            async with service.uow() as uow:
                await cj_events.on_progress(event, uow)

        @staticmethod
        async def on_completed(event: CJAssessmentCompletedV1) -> None:
            async with service.uow() as uow:
                await cj_events.on_completed(event, uow)

        @staticmethod
        async def on_failed(event: CJAssessmentFailedV1) -> None:
            async with service.uow() as uow:
                await cj_events.on_failed(event, uow)

    return Handlers, batch_in, service.uow.state


@pytest.mark.parametrize(
    ("before", "final", "after"),
    [
        pytest.param(BatchStatus.ASSESSMENT_REQUESTED, completed, BatchStatus.COMPLETED, id="completion-of-requested"),
        pytest.param(BatchStatus.ASSESSING, completed, BatchStatus.COMPLETED, id="completion-of-assessing"),
        pytest.param(BatchStatus.ASSESSING, failed, BatchStatus.FAILED, id="failure-of-assessing"),
        # A completion after a failure is stale and ignored.
        pytest.param(BatchStatus.FAILED, completed, BatchStatus.FAILED, id="completion-after-failure"),
    ],
)
async def test_a_final_event_finishes_an_active_batch_and_never_a_finished_one(cj, before, final, after):
    handlers, batch_in, state = cj
    batch_id = await batch_in(before)
    handle = handlers.on_completed if final is completed else handlers.on_failed
    await handle(final(batch_id))
    assert state.batches[batch_id].status is after


async def test_a_redelivered_completion_changes_nothing(cj):
    handlers, batch_in, state = cj
    batch_id = await batch_in(BatchStatus.ASSESSING)
    event = completed(batch_id)
    await handlers.on_completed(event)
    finished = state.batches[batch_id]
    await handlers.on_completed(event)
    assert state.batches[batch_id] == finished  # not even updated_at moved


async def test_progress_moves_a_requested_batch_to_assessing_but_never_reopens_a_finished_one(cj):
    handlers, batch_in, state = cj
    requested = await batch_in(BatchStatus.ASSESSMENT_REQUESTED)
    await handlers.on_progress(progress(requested))
    assert state.batches[requested].status is BatchStatus.ASSESSING

    done = await batch_in(BatchStatus.COMPLETED)
    await handlers.on_progress(progress(done))
    assert state.batches[done].status is BatchStatus.COMPLETED

    created = await batch_in(BatchStatus.ASSESSMENT_REQUESTED)
    await handlers.on_progress(progress(created, CJJobState.CREATED))
    assert state.batches[created].status is BatchStatus.ASSESSMENT_REQUESTED


async def test_events_for_a_batch_this_service_does_not_know_change_nothing(cj):
    handlers, batch_in, state = cj
    await batch_in(BatchStatus.ASSESSING)  # a repository to talk to
    before = dict(state.batches)
    await handlers.on_completed(completed(uuid.uuid4()))  # e.g. an ENG5 runner job
    await handlers.on_failed(failed(uuid.uuid4()))
    assert state.batches == before


async def test_a_completion_for_a_draft_contradicts_our_state_and_is_refused_for_the_dead_letter_topic(cj):
    handlers, batch_in, state = cj
    batch_id = await batch_in(BatchStatus.DRAFT)
    with pytest.raises(ConflictError, match="draft batch cannot become completed"):
        await handlers.on_completed(completed(batch_id))
    assert state.batches[batch_id].status is BatchStatus.DRAFT


OLD_RUN, CURRENT_RUN = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize("before", [BatchStatus.ASSESSMENT_REQUESTED, BatchStatus.ASSESSING])
async def test_an_earlier_runs_late_outcome_does_not_finish_the_current_run(cj, before):
    handlers, batch_in, state = cj
    batch_id = await batch_in(before, runs=(OLD_RUN, CURRENT_RUN))
    untouched = state.batches[batch_id]

    await handlers.on_completed(completed(batch_id, OLD_RUN))
    await handlers.on_failed(failed(batch_id, OLD_RUN))
    assert state.batches[batch_id] == untouched

    await handlers.on_completed(completed(batch_id, CURRENT_RUN))
    assert state.batches[batch_id].status is BatchStatus.COMPLETED


async def test_an_earlier_runs_late_progress_does_not_move_the_current_run(cj):
    handlers, batch_in, state = cj
    batch_id = await batch_in(BatchStatus.ASSESSMENT_REQUESTED, runs=(OLD_RUN, CURRENT_RUN))
    await handlers.on_progress(progress(batch_id, request_id=OLD_RUN))
    assert state.batches[batch_id].status is BatchStatus.ASSESSMENT_REQUESTED
    await handlers.on_progress(progress(batch_id, request_id=CURRENT_RUN))
    assert state.batches[batch_id].status is BatchStatus.ASSESSING


async def test_the_current_runs_failure_fails_the_batch(cj):
    handlers, batch_in, state = cj
    batch_id = await batch_in(BatchStatus.ASSESSING, runs=(OLD_RUN, CURRENT_RUN))
    await handlers.on_failed(failed(batch_id, CURRENT_RUN))
    assert state.batches[batch_id].status is BatchStatus.FAILED


async def test_an_outcome_without_a_request_id_keeps_the_old_rule(cj):
    # Publishers that predate the field: the batch's state alone decides, as before.
    handlers, batch_in, state = cj
    batch_id = await batch_in(BatchStatus.ASSESSING, runs=(OLD_RUN, CURRENT_RUN))
    await handlers.on_completed(completed(batch_id))
    assert state.batches[batch_id].status is BatchStatus.COMPLETED


async def test_an_outcome_naming_a_request_the_batch_never_made_changes_nothing(cj):
    handlers, batch_in, state = cj
    batch_id = await batch_in(BatchStatus.DRAFT)
    await handlers.on_completed(completed(batch_id, uuid.uuid4()))
    assert state.batches[batch_id].status is BatchStatus.DRAFT
