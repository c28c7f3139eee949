"""The LLM's length bias in moderation over the in-memory fakes (issue 24): essay length is declared to the
fit, its bias is 0 until teachers judge, and teachers who prefer the shorter essay where the LLM preferred
the longer teach a positive bias that lowers every long essay, judged by a teacher or not."""

from __future__ import annotations

import uuid

import pytest

from cj_assessment_service.service_layer.moderation import ModerationService
from services.cj_assessment_service.tests.service_layer.conftest import Service
from services.cj_assessment_service.tests.service_layer.test_moderation import (
    OWNER,
    _completed_job,
    _llm_pairs,
    _verdict,
    bff,
)

LONG, SHORT = 600, 150


def _set_lengths(service: Service, job_id: uuid.UUID, long_if_odd: bool = True) -> set[uuid.UUID]:
    """Every odd-numbered essay long (or every essay alike): the simulated LLM prefers the higher-numbered
    essay, so wherever it compared a long essay with a lower-numbered short one it chose the longer."""
    long: set[uuid.UUID] = set()
    for essay in service.rows.essays[job_id]:
        is_long = long_if_odd and essay.item_index % 2 == 1
        essay.content = " ".join(["word"] * (LONG if is_long else SHORT))
        if is_long:
            long.add(essay.essay_id)
    return long


async def test_without_teacher_verdicts_the_bias_is_0_and_the_scores_are_the_jobs(service: Service):
    job = await _completed_job(service, n_essays=12)
    _set_lengths(service, job.id)
    report = await ModerationService(service.deps).report(job.id, OWNER, bff(OWNER))
    assert report.llm_length_bias is not None
    assert report.llm_length_bias.logits_per_sd == 0.0
    published = service.rows.results[job.id]
    assert {r.essay_id: r.rank for r in report.results} == {e: r.rank for e, r in published.items()}
    for result in report.results:
        assert result.bt_score == pytest.approx(published[result.essay_id].bt_score, abs=1e-6)
        # The SE carries the length bias no teacher has yet taught (its prior), so it is not smaller.
        assert result.standard_error >= published[result.essay_id].standard_error - 1e-9


async def test_essays_of_one_length_declare_no_bias(service: Service):
    job = await _completed_job(service, n_essays=6, per_essay=6)
    _set_lengths(service, job.id, long_if_odd=False)
    assert (await ModerationService(service.deps).report(job.id, OWNER, bff(OWNER))).llm_length_bias is None


async def test_teachers_preferring_the_shorter_essay_teach_a_positive_bias_and_long_essays_drop(service: Service):
    job = await _completed_job(service, n_essays=12)
    long = _set_lengths(service, job.id)
    index = {e.essay_id: e.item_index for e in service.rows.essays[job.id]}
    spared = next(e for e, i in index.items() if i == 5)  # a long essay no teacher will see
    contested: dict[frozenset[uuid.UUID], tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = {}
    for a, b, winner in _llm_pairs(service, job.id):
        if winner in long and (a in long) != (b in long) and spared not in (a, b):
            contested.setdefault(frozenset((a, b)), (a, b, winner))
    assert len(contested) >= 6
    moderation = ModerationService(service.deps)
    for a, b, winner in contested.values():
        await moderation.record(job.id, OWNER, _verdict(a, b, a if winner == b else b))

    report = await moderation.report(job.id, OWNER, bff(OWNER))
    bias = report.llm_length_bias
    assert bias is not None
    assert bias.logits_per_sd > 2 * bias.standard_error > 0
    published = service.rows.results[job.id]
    moved = {r.essay_id: r.bt_score - published[r.essay_id].bt_score for r in report.results}
    assert all(moved[e] < 0 for e in long)
    assert all(moved[e] > 0 for e in set(index) - long)

    # The spared essay drops because the bias is pooled over every long essay: with lengths alike (no
    # covariate) the same verdicts move it far less.
    _set_lengths(service, job.id, long_if_odd=False)
    alike = await moderation.report(job.id, OWNER, bff(OWNER))
    assert alike.llm_length_bias is None
    without = {r.essay_id: r.bt_score - published[r.essay_id].bt_score for r in alike.results}
    assert moved[spared] < without[spared] - 0.3
