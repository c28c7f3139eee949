"""CJ's folds against the in-memory read model: progress, completion, failure, results, and their orders."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest

from common_core.status import BatchStatus, CJJobState
from result_aggregator_service.domain.folding import request_failure_job_id
from result_aggregator_service.service_layer.messages import ConsumedEvent

from .conftest import USAGE, FoldedCounts, ReadModel, Story

JOB = uuid.UUID("00000000-0000-4000-8000-000000000001")


async def test_progress_starts_the_job_and_the_batch_shows_it_assessing(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    await read_model.fold(story.registered(), story.progress(JOB, CJJobState.COMPARING, 40.0, minutes=3))

    job = read_model.job(story, JOB)
    assert (job["state"], job["started_at"], job["last_progress_at"]) == (
        CJJobState.COMPARING,
        story.at(3),
        story.at(3),
    )
    assert (job["comparisons_done"], job["progress_percentage"]) == (16, 40.0)
    batch = read_model.batch(story)
    assert (batch.status, batch.current_job_id) == (BatchStatus.ASSESSING, JOB)
    assert folded("cj_assessment.progress", "applied") == 1


async def test_an_older_progress_report_changes_nothing(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    await read_model.fold(story.registered(), story.progress(JOB, CJJobState.COMPARING, 60.0, minutes=5))
    newer = read_model.snapshot()

    await read_model.fold(story.progress(JOB, CJJobState.PREPARING, 10.0, minutes=4))

    assert read_model.job(story, JOB)["progress_percentage"] == newer.job(story.batch_id, JOB)["progress_percentage"]
    assert read_model.job(story, JOB)["state"] is CJJobState.COMPARING
    assert read_model.job(story, JOB)["started_at"] == story.at(4)  # the earliest event seen is its start
    assert folded("cj_assessment.progress", "stale") == 1


async def test_progress_after_completion_counts_but_does_not_reopen_the_job(
    read_model: ReadModel, story: Story
) -> None:
    await read_model.fold(
        story.registered(), story.completed(JOB, minutes=5), story.progress(JOB, CJJobState.COMPARING, 90.0, minutes=6)
    )

    job = read_model.job(story, JOB)
    assert (job["state"], job["progress_percentage"]) == (CJJobState.COMPLETED, 90.0)
    assert read_model.batch(story).status is BatchStatus.COMPLETED


async def test_a_completion_finishes_the_job_with_its_outcome_and_usage(read_model: ReadModel, story: Story) -> None:
    await read_model.fold(
        story.registered(), story.progress(JOB, CJJobState.COMPARING, 50.0, minutes=2), story.completed(JOB, minutes=5)
    )

    job = read_model.job(story, JOB)
    # Without a result event yet, the completion's time stands in for completed_at.
    assert (job["state"], job["completed_at"], job["finished_at"]) == (CJJobState.COMPLETED, story.at(5), story.at(5))
    assert (job["essays_assessed"], job["stop_reason"], job["position_bias"]) == (3, "reliability_reached", 0.12)
    assert (job["llm_calls"], job["cost_usd"], job["model_provider"], job["model_name"]) == (
        38,
        0.25,
        "mock",
        "mock-judge",
    )
    assert job["completed_payload"]["job_id"] == str(JOB)
    batch = read_model.batch(story)
    assert (batch.status, batch.completed_at) == (BatchStatus.COMPLETED, story.at(5))


async def test_a_completion_without_usage_leaves_it_unknown(read_model: ReadModel, story: Story) -> None:
    await read_model.fold(story.registered(), story.completed(JOB, minutes=5, usage=None))

    job = read_model.job(story, JOB)
    assert "llm_calls" not in job
    assert job["model_provider"] is None


async def test_results_store_the_job_grades_and_distribution(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    await read_model.fold(story.registered(), story.results(JOB, minutes=6, grades=("A", "C", "C")))

    job = read_model.job(story, JOB)
    assert job["state"] is CJJobState.COMPLETED
    assert (job["completed_at"], job["results_published_at"]) == (story.at(5.5), story.at(6))
    assert job["grade_distribution"] == {"F": 0, "E": 0, "D": 0, "C": 2, "B": 0, "A": 1}  # the anchor left out
    assert job["essays_assessed"] == 3  # counted from the results until the completion says
    assert (job["model_provider"], job["model_name"]) == ("openai", "judge-from-results")
    assert "results" not in job["result_payload"]
    assert [r.essay_id for r in read_model.state.results[(story.batch_id, JOB)]] == [*story.essay_ids, story.anchor_id]
    assert read_model.batch(story).status is BatchStatus.COMPLETED
    assert folded("assessment.result.published", "applied") == 1


async def test_completion_and_results_fill_each_others_gaps_in_either_order(read_model: ReadModel) -> None:
    first, second = Story(), Story()
    await read_model.fold(
        first.completed(JOB, minutes=5, essays_assessed=2),
        first.results(JOB, minutes=6, stop_reason="budget_spent"),
        second.results(JOB, minutes=6, stop_reason="budget_spent"),
        second.completed(JOB, minutes=7, essays_assessed=2),
    )

    for story in (first, second):
        job = read_model.job(story, JOB)
        # The result's completed_at is authoritative; the completion's stop reason and count win.
        assert (job["completed_at"], job["stop_reason"], job["essays_assessed"]) == (
            story.at(5.5),
            "reliability_reached",
            2,
        )


async def test_a_newer_republication_replaces_the_results_and_an_older_one_does_not(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    await read_model.fold(
        story.registered(), story.results(JOB, minutes=6), story.results(JOB, minutes=8, grades=("B", "B", "B"))
    )
    assert read_model.job(story, JOB)["grade_distribution"]["B"] == 3

    await read_model.fold(story.results(JOB, minutes=7, grades=("F", "F", "F")))

    assert read_model.job(story, JOB)["grade_distribution"]["B"] == 3
    assert {r.grade for r in read_model.state.results[(story.batch_id, JOB)] if not r.is_anchor} == {"B"}
    assert folded("assessment.result.published", "stale") == 1


@pytest.mark.parametrize("partial_by", ["completion", "results"])
async def test_a_job_either_event_calls_partial_stays_partial(
    read_model: ReadModel, story: Story, partial_by: str
) -> None:
    await read_model.fold(
        story.completed(JOB, minutes=5, forced_recovery=partial_by == "completion"),
        story.results(JOB, minutes=6, forced_recovery=partial_by == "results"),
    )

    assert read_model.job(story, JOB)["forced_recovery"] is True


async def test_a_failure_fails_the_job_and_its_usage_names_the_model(read_model: ReadModel, story: Story) -> None:
    await read_model.fold(story.registered(), story.failed(JOB, minutes=4, usage=USAGE))

    job = read_model.job(story, JOB)
    assert (job["state"], job["failure_code"], job["finished_at"]) == (
        CJJobState.FAILED,
        "LLM_UNAVAILABLE",
        story.at(4),
    )
    assert (job["model_provider"], job["model_name"], job["llm_calls"]) == ("mock", "mock-judge", 38)
    assert read_model.batch(story).status is BatchStatus.FAILED


async def test_a_failure_before_any_job_gets_a_stable_job_of_its_own(read_model: ReadModel, story: Story) -> None:
    event_id = uuid.uuid4()
    failure = story.failed(None, minutes=4, event_id=event_id)
    await read_model.fold(story.registered(), failure, failure)

    job_id = request_failure_job_id(story.batch_id, event_id)
    assert list(read_model.state.jobs) == [(story.batch_id, job_id)]
    assert read_model.job(story, job_id)["request_failure"] is True
    assert read_model.batch(story).current_job_id == job_id


@pytest.mark.parametrize("failure_first", [True, False])
async def test_completion_beats_failure_whichever_arrives_first(
    read_model: ReadModel, story: Story, folded: FoldedCounts, failure_first: bool
) -> None:
    failure, completion = story.failed(JOB, minutes=5), story.completed(JOB, minutes=6)
    await read_model.fold(story.registered(), *((failure, completion) if failure_first else (completion, failure)))

    assert read_model.job(story, JOB)["state"] is CJJobState.COMPLETED
    assert read_model.batch(story).status is BatchStatus.COMPLETED
    assert folded("cj_assessment.failed", "stale") == (0 if failure_first else 1)


async def test_the_job_that_started_last_is_current_and_the_earlier_one_keeps_its_results(
    read_model: ReadModel, story: Story
) -> None:
    rerun = uuid.UUID("00000000-0000-4000-8000-000000000002")
    await read_model.fold(
        story.registered(),
        story.progress(rerun, CJJobState.COMPARING, 20.0, minutes=20),  # the re-run's events arrive first
        story.results(JOB, minutes=6),
        story.progress(JOB, CJJobState.COMPARING, 90.0, minutes=4),
    )

    batch = read_model.batch(story)
    assert (batch.current_job_id, batch.status, batch.completed_at) == (rerun, BatchStatus.ASSESSING, None)
    assert (story.batch_id, JOB) in read_model.state.results


FULL_STORY = ["registered", "renamed", "uploaded", "progress", "completed", "results"]


def _full_story(story: Story) -> list[ConsumedEvent[Any]]:
    return [
        story.registered(minutes=0),
        story.renamed("Renamed", minutes=1),
        story.uploaded(0, minutes=2),
        story.progress(JOB, CJJobState.COMPARING, 50.0, minutes=3),
        story.completed(JOB, minutes=5),
        story.results(JOB, minutes=6),
    ]


async def test_every_order_of_arrival_ends_in_the_same_state(story: Story) -> None:
    events = _full_story(story)
    in_order = ReadModel()
    await in_order.fold(*events)
    assert in_order.batch(story).status is BatchStatus.COMPLETED

    for order in itertools.permutations(events):
        shuffled = ReadModel()
        await shuffled.fold(*order)
        assert shuffled.state == in_order.state, [type(event.data).__name__ for event in order]


@pytest.mark.parametrize("index", range(len(FULL_STORY)), ids=FULL_STORY)
async def test_redelivering_any_event_of_a_finished_batch_changes_nothing(
    read_model: ReadModel, story: Story, index: int
) -> None:
    events = _full_story(story)
    await read_model.fold(*events)
    once = read_model.snapshot()

    await read_model.fold(events[index])

    assert read_model.state == once
