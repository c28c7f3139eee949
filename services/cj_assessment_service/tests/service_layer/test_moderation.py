"""Teacher moderation over the in-memory fakes (issue 24): who may moderate, the next pair until the budget is
used up, verdicts and their undo, duplicates, the report's agreement and teacher-judgement counts, and reads of
an unchanged job served without a refit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cj_assessment_service.domain import moderation as moderation_domain
from cj_assessment_service.domain.moderation import ModerationData
from cj_assessment_service.domain.pairs import PairStatus
from cj_assessment_service.service_layer.erasure import delete_account, erase_student
from cj_assessment_service.service_layer.moderation import ModerationService
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.events.cj_assessment import AssessmentBudget
from common_core.events.classes import ErasedEssay, StudentErasedV1, TeacherAccountDeletedV1
from common_core.http.access import AccessSubject
from common_core.http.cj_moderation import AddModeratorRequest, ModerationVerdictRequest
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from services.cj_assessment_service.tests.service_layer.conftest import Service, start
from services.cj_assessment_service.tests.service_layer.test_job_life import answer_until_done, the_job

OWNER, COLLEAGUE, STRANGER = "teacher-1", "teacher-2", "teacher-3"
COLLEAGUE_EMAIL = "colleague@school.example"


def bff(user: str) -> Accessor:
    return Accessor(user, "bff_teacher_service")


async def _completed_job(service: Service, n_essays: int = 10, per_essay: int = 8):
    await start(service, service.request(n_essays, budget=AssessmentBudget(max_comparisons_per_essay=per_essay)))
    await Submitter(service.deps).submit_due_once()
    await answer_until_done(service)
    return the_job(service)


def _llm_pairs(service: Service, job_id: uuid.UUID):
    """The LLM's answered comparisons: (first, second, the LLM's winner)."""
    return [
        (p.essay_a_id, p.essay_b_id, p.winner_essay_id)
        for p in service.rows.pairs[job_id]
        if p.status is PairStatus.DONE and p.winner_essay_id is not None
    ]


def _verdict(first: uuid.UUID, second: uuid.UUID, winner: uuid.UUID, reason: str | None = None):
    return ModerationVerdictRequest(first=first, second=second, winner=winner, reason=reason)


async def test_moderation_opens_only_once_the_job_has_completed(service: Service):
    await start(service, service.request(4))
    job = the_job(service)
    moderation = ModerationService(service.deps)
    with pytest.raises(ConflictError, match="completed"):
        await moderation.next_pair(job.id, OWNER, bff(OWNER))
    with pytest.raises(NotFoundError):  # another teacher learns nothing, not even the state
        await moderation.next_pair(job.id, STRANGER, bff(STRANGER))


async def test_a_teacher_moderates_the_planned_pairs_until_the_budget_is_used_up(service: Service):
    job = await _completed_job(service)
    moderation = ModerationService(service.deps)
    index = {e.essay_id: e.item_index for e in service.rows.essays[job.id]}
    budget = -(-len(_llm_pairs(service, job.id)) // 10)  # 10 % of the LLM's comparisons, rounded up
    assert budget >= 3
    seen: set[frozenset[uuid.UUID]] = set()
    for given in range(budget):
        step = await moderation.next_pair(job.id, OWNER, bff(OWNER))
        assert not step.done
        assert step.pair is not None
        assert (step.progress.given_by_you, step.progress.given_by_all, step.progress.budget_total) == (
            given,
            given,
            budget,
        )
        first, second = step.pair.first, step.pair.second
        assert (first.label, second.label) == ("Essay A", "Essay B")
        # The texts, read by CJ for the moderator it authorised (the store holds "essay number <i>").
        for shown in (first, second):
            assert shown.text == service.texts.texts[shown.text_ref].content
        assert {first.essay_id, second.essay_id} <= set(index)
        pair = frozenset((first.essay_id, second.essay_id))
        assert pair not in seen
        assert len(pair) == 2
        seen.add(pair)
        # The teacher agrees with the simulated LLM: the higher-numbered essay is better.
        winner = max(first.essay_id, second.essay_id, key=index.__getitem__)
        await moderation.record(job.id, OWNER, _verdict(first.essay_id, second.essay_id, winner, "clearer"))

    finished = await moderation.next_pair(job.id, OWNER, bff(OWNER))
    assert finished.done
    assert finished.pair is None
    assert finished.progress.given_by_you == budget

    report = await moderation.report(job.id, OWNER, bff(OWNER))
    assert report.teacher_judgements == budget
    assert sum(r.teacher_judgements for r in report.results) == 2 * budget
    assert sorted(r.rank for r in report.results) == list(range(1, len(index) + 1))
    assert [j.kind for j in report.judges] == ["llm", "teacher"]
    teacher = report.judges[1]
    assert (teacher.user_id, teacher.decisions, teacher.enough_decisions) == (OWNER, budget, False)
    assert teacher.discrimination is None
    assert teacher.infit is None
    assert report.judges[0].discrimination == pytest.approx(1.0)


async def test_agreement_disagreements_and_undo_follow_the_verdicts(service: Service):
    job = await _completed_job(service)
    moderation = ModerationService(service.deps)
    pairs = _llm_pairs(service, job.id)
    (a1, b1, w1), (a2, b2, w2) = pairs[0], pairs[1]
    assert not (await moderation.report(job.id, OWNER, bff(OWNER))).agreement.shared_verdicts

    await moderation.record(job.id, OWNER, _verdict(a1, b1, w1))
    agreeing = await moderation.report(job.id, OWNER, bff(OWNER))
    assert (agreeing.agreement.shared_verdicts, agreeing.agreement.rate) == (1, 1.0)
    assert agreeing.disagreements == []

    loser = a2 if w2 == b2 else b2
    await moderation.record(job.id, OWNER, _verdict(a2, b2, loser))
    split = await moderation.report(job.id, OWNER, bff(OWNER))
    assert (split.teacher_judgements, split.agreement.shared_verdicts, split.agreement.rate) == (2, 2, 0.5)
    assert 0.0 < split.agreement.low < 0.5 < split.agreement.high < 1.0
    (disagreement,) = split.disagreements
    assert (disagreement.teacher_user_id, disagreement.teacher_winner, disagreement.llm_winner) == (OWNER, loser, w2)
    assert [(t.user_id, t.agreement.shared_verdicts) for t in split.by_teacher] == [(OWNER, 2)]

    undone = await moderation.undo(job.id, OWNER)
    assert (undone.first, undone.second, undone.winner) == (a2, b2, loser)
    after = await moderation.report(job.id, OWNER, bff(OWNER))
    assert (after.teacher_judgements, after.agreement.shared_verdicts, after.disagreements) == (1, 1, [])
    await moderation.undo(job.id, OWNER)
    with pytest.raises(NotFoundError, match="no verdict"):
        await moderation.undo(job.id, OWNER)


async def test_the_same_pair_twice_is_a_conflict_and_foreign_essays_are_refused(service: Service):
    job = await _completed_job(service, n_essays=4, per_essay=4)
    moderation = ModerationService(service.deps)
    a, b, winner = _llm_pairs(service, job.id)[0]
    await moderation.record(job.id, OWNER, _verdict(a, b, winner))
    with pytest.raises(ConflictError):
        await moderation.record(job.id, OWNER, _verdict(b, a, winner))  # the other order is the same pair
    stranger = uuid.uuid4()
    for bad in (_verdict(a, stranger, a), _verdict(a, b, stranger), _verdict(a, a, a)):
        with pytest.raises(ValidationFailedError):
            await moderation.record(job.id, OWNER, bad)
    assert len(service.rows.verdicts) == 1


def test_a_reason_is_one_short_line():
    a, b = uuid.uuid4(), uuid.uuid4()
    assert _verdict(a, b, a, "  fine  ").reason == "fine"
    assert _verdict(a, b, a, "   ").reason is None
    for bad in ("two\nlines", "nul\x00", "tab\there", "x" * 201, "line\u2028separator"):
        with pytest.raises(ValidationError):
            _verdict(a, b, a, bad)


async def test_the_owner_chooses_colleagues_who_moderate_and_everyone_else_gets_404(service: Service):
    job = await _completed_job(service, n_essays=6, per_essay=6)
    moderation = ModerationService(service.deps)
    for user in (COLLEAGUE, STRANGER):
        with pytest.raises(NotFoundError):
            await moderation.next_pair(job.id, user, bff(user))

    listed = await moderation.add_moderator(job.id, OWNER, COLLEAGUE)
    assert (listed.owner_user_id, [m.user_id for m in listed.moderators]) == (OWNER, [COLLEAGUE])
    assert [m.user_id for m in (await moderation.add_moderator(job.id, OWNER, COLLEAGUE)).moderators] == [COLLEAGUE]
    step = await moderation.next_pair(job.id, COLLEAGUE, bff(COLLEAGUE))
    assert step.pair is not None
    first, second = step.pair.first.essay_id, step.pair.second.essay_id
    await moderation.record(job.id, COLLEAGUE, _verdict(first, second, first))
    # The owner may judge the same pair: two teachers are two judges.
    await moderation.record(job.id, OWNER, _verdict(first, second, second))
    report = await moderation.report(job.id, COLLEAGUE, bff(COLLEAGUE))
    assert sorted(str(j.user_id) for j in report.judges if j.kind == "teacher") == [OWNER, COLLEAGUE]

    # The reads were logged for the job's teacher, with the colleague as the reader.
    logged = [(e.owner_id, e.accessor.user_id, e.subject[0]) for e in service.access_log.entries]
    assert logged == [
        (OWNER, COLLEAGUE, AccessSubject.ESSAY),
        (OWNER, COLLEAGUE, AccessSubject.ESSAY),
        (OWNER, COLLEAGUE, AccessSubject.BATCH),
    ]

    with pytest.raises(ForbiddenError):
        await moderation.add_moderator(job.id, COLLEAGUE, STRANGER)
    with pytest.raises(NotFoundError):
        await moderation.moderators(job.id, STRANGER)
    with pytest.raises(NotFoundError):
        await moderation.report(job.id, STRANGER, bff(STRANGER))
    with pytest.raises(ValidationFailedError):
        await moderation.add_moderator(job.id, OWNER, OWNER)
    with pytest.raises(ValidationFailedError):
        await moderation.add_moderator(job.id, OWNER, " padded ")

    # The colleague's undo takes back their own verdict only.
    assert (await moderation.undo(job.id, COLLEAGUE)).moderator_user_id == COLLEAGUE
    assert [v.moderator_user_id for v in service.rows.verdicts] == [OWNER]
    assert (await moderation.remove_moderator(job.id, OWNER, COLLEAGUE)).moderators == []
    with pytest.raises(NotFoundError):
        await moderation.next_pair(job.id, COLLEAGUE, bff(COLLEAGUE))
    with pytest.raises(NotFoundError):
        await moderation.remove_moderator(job.id, OWNER, COLLEAGUE)


async def test_erasures_take_the_verdicts_on_the_essays_and_of_the_deleted_account(service: Service):
    job = await _completed_job(service, n_essays=6, per_essay=6)
    moderation = ModerationService(service.deps)
    await moderation.add_moderator(job.id, OWNER, COLLEAGUE)
    (a, b, w), (c, d, x) = _llm_pairs(service, job.id)[:2]
    await moderation.record(job.id, OWNER, _verdict(a, b, w))
    await moderation.record(job.id, COLLEAGUE, _verdict(c, d, x))

    deleted = TeacherAccountDeletedV1(user_id=COLLEAGUE, deleted_at=datetime.now(UTC))
    async with service.uows() as uow:
        await delete_account(service.deps, deleted, uow)
    assert [v.moderator_user_id for v in service.rows.verdicts] == [OWNER]
    assert (await moderation.moderators(job.id, OWNER)).moderators == []

    erased = StudentErasedV1(
        student_id=uuid.uuid4(),
        user_id=OWNER,
        essays=[ErasedEssay(batch_id=job.batch_id, essay_id=a)],
        erased_at=datetime.now(UTC),
    )
    async with service.uows() as uow:
        await erase_student(service.deps, erased, uow)
    assert service.rows.verdicts == []
    report = await moderation.report(job.id, OWNER, bff(OWNER))
    assert a not in {r.essay_id for r in report.results}
    assert report.teacher_judgements == 0


async def test_a_colleague_sees_the_jobs_they_were_added_to_and_a_purged_text_is_none(service: Service):
    job = await _completed_job(service)
    moderation = ModerationService(service.deps)
    assert (await moderation.moderated_jobs(COLLEAGUE)).jobs == []
    await moderation.add_moderator(job.id, OWNER, COLLEAGUE)
    (place,) = (await moderation.moderated_jobs(COLLEAGUE)).jobs
    assert (place.job_id, place.batch_id, place.owner_user_id, place.state) == (
        job.id,
        job.batch_id,
        OWNER,
        "completed",
    )
    assert (await moderation.moderated_jobs(OWNER)).jobs == []  # the owner's own jobs are not invitations
    assert (await moderation.moderated_jobs(STRANGER)).jobs == []

    step = await moderation.next_pair(job.id, COLLEAGUE, bff(COLLEAGUE))
    assert step.pair is not None
    service.texts.texts.pop(step.pair.first.text_ref)  # retention purged it meanwhile
    again = await moderation.next_pair(job.id, COLLEAGUE, bff(COLLEAGUE))
    assert again.pair is not None
    assert again.pair.first.text is None
    assert again.pair.second.text == service.texts.texts[again.pair.second.text_ref].content

    await moderation.remove_moderator(job.id, OWNER, COLLEAGUE)
    assert (await moderation.moderated_jobs(COLLEAGUE)).jobs == []


async def test_reads_of_a_job_whose_verdicts_did_not_change_do_not_refit(service: Service, monkeypatch):
    job = await _completed_job(service)
    fits: list[ModerationData] = []
    real_fit = moderation_domain.fit

    def counted(data: ModerationData):
        fits.append(data)
        return real_fit(data)

    monkeypatch.setattr(moderation_domain, "fit", counted)
    moderation = ModerationService(service.deps)
    first = await moderation.next_pair(job.id, OWNER, bff(OWNER))
    assert await moderation.next_pair(job.id, OWNER, bff(OWNER)) == first
    assert len(fits) == 1
    # The report of the same data reads the plan's fit.
    report = await moderation.report(job.id, OWNER, bff(OWNER))
    assert await moderation.report(job.id, OWNER, bff(OWNER)) == report
    assert len(fits) == 1
    # A colleague reads the same plan: no refit either.
    await moderation.add_moderator(job.id, OWNER, COLLEAGUE)
    assert (await moderation.next_pair(job.id, COLLEAGUE, bff(COLLEAGUE))).pair == first.pair
    assert len(fits) == 1

    # A verdict changes the data: the next reads refit, once for the plan and the report together.
    assert first.pair is not None
    a, b = first.pair.first.essay_id, first.pair.second.essay_id
    await moderation.record(job.id, OWNER, _verdict(a, b, a))
    after = await moderation.next_pair(job.id, OWNER, bff(OWNER))
    assert after.pair != first.pair
    assert (await moderation.report(job.id, OWNER, bff(OWNER))).teacher_judgements == 1
    await moderation.next_pair(job.id, OWNER, bff(OWNER))
    assert len(fits) == 2
    # An undo is a change too: the plan is the first one again, refitted (only a job's latest data is kept).
    await moderation.undo(job.id, OWNER)
    assert await moderation.next_pair(job.id, OWNER, bff(OWNER)) == first
    assert len(fits) == 3


async def test_a_reassessment_of_the_batch_keeps_its_colleagues(service: Service):
    job = await _completed_job(service, n_essays=6, per_essay=6)
    moderation = ModerationService(service.deps)
    await moderation.add_moderator(job.id, OWNER, COLLEAGUE)
    await moderation.add_moderator(job.id, OWNER, STRANGER)
    await moderation.remove_moderator(job.id, OWNER, STRANGER)

    again = service.request(6).model_copy(update={"batch_id": job.batch_id, "request_id": uuid.uuid4()})
    await start(service, again)
    await start(service, again)  # a redelivery adds nobody twice
    (second,) = [j for j in service.rows.jobs.values() if j.id != job.id]
    assert [m.user_id for m in (await moderation.moderators(second.id, OWNER)).moderators] == [COLLEAGUE]
    assert [j.job_id for j in (await moderation.moderated_jobs(COLLEAGUE)).jobs] == [second.id, job.id]
    assert (await moderation.moderated_jobs(STRANGER)).jobs == []

    # Another teacher's job of the same batch id passes nobody on (not theirs to share).
    other = service.request(6, user_id=STRANGER).model_copy(update={"batch_id": job.batch_id})
    await start(service, other)
    (third,) = [j for j in service.rows.jobs.values() if j.id not in {job.id, second.id}]
    assert (await moderation.moderators(third.id, STRANGER)).moderators == []


async def test_the_owner_sees_each_colleague_by_the_email_they_invited_and_nobody_else_does(service: Service):
    job = await _completed_job(service, n_essays=6, per_essay=6)
    moderation = ModerationService(service.deps)
    await moderation.add_moderator(job.id, OWNER, STRANGER)  # added before labels existed: none
    listed = await moderation.add_moderator(job.id, OWNER, COLLEAGUE, COLLEAGUE_EMAIL)
    assert [(m.user_id, m.label) for m in listed.moderators] == [(STRANGER, None), (COLLEAGUE, COLLEAGUE_EMAIL)]
    # Invited again by email: the old row gets the address; without one, the label stays.
    relabelled = await moderation.add_moderator(job.id, OWNER, STRANGER, "stranger@school.example")
    assert [m.label for m in relabelled.moderators] == ["stranger@school.example", COLLEAGUE_EMAIL]
    assert [m.label for m in (await moderation.add_moderator(job.id, OWNER, COLLEAGUE)).moderators][1] == (
        COLLEAGUE_EMAIL
    )

    # A colleague's own list names the job and its owner, never the other colleagues or their emails.
    (place,) = (await moderation.moderated_jobs(COLLEAGUE)).jobs
    dumped = place.model_dump_json()
    assert "@" not in dumped
    assert STRANGER not in dumped
    with pytest.raises(ForbiddenError):
        await moderation.moderators(job.id, COLLEAGUE)

    # A re-assessment of the batch keeps the colleagues with their labels.
    again = service.request(6).model_copy(update={"batch_id": job.batch_id, "request_id": uuid.uuid4()})
    await start(service, again)
    (second,) = [j for j in service.rows.jobs.values() if j.id != job.id]
    kept = (await moderation.moderators(second.id, OWNER)).moderators
    assert [(m.user_id, m.label) for m in kept] == [
        (STRANGER, "stranger@school.example"),
        (COLLEAGUE, COLLEAGUE_EMAIL),
    ]

    # The colleague's account deletion takes their rows, labels included, from every job.
    deleted = TeacherAccountDeletedV1(user_id=COLLEAGUE, deleted_at=datetime.now(UTC))
    async with service.uows() as uow:
        await delete_account(service.deps, deleted, uow)
    for job_id in (job.id, second.id):
        assert [m.label for m in (await moderation.moderators(job_id, OWNER)).moderators] == ["stranger@school.example"]


def test_a_label_is_one_line_of_at_most_320_characters():
    assert AddModeratorRequest.model_validate({}).label is None
    assert AddModeratorRequest(label="  a@b.se ").label == "a@b.se"
    assert AddModeratorRequest(label="   ").label is None
    assert AddModeratorRequest(label="x" * 320).label == "x" * 320
    for bad in ("two\nlines", "nul\x00", "tab\there", "x" * 321, "line\u2028separator", "del\x7f"):
        with pytest.raises(ValidationError):
            AddModeratorRequest(label=bad)
    with pytest.raises(ValidationError):
        AddModeratorRequest.model_validate({"label": "a@b.se", "email": "a@b.se"})
