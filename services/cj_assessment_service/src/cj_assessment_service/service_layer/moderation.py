"""Teacher moderation of a completed job (issue 24): the next pair, verdicts and their undo, the agreement
report, and the colleagues the owner allows to moderate.

Who may: the job's owner and the colleagues the owner added; anyone else gets the 404 any job that is not
theirs gives. Only the owner manages the moderators (a moderator who tries is told 403: they know the job).
A job that has not completed is a 409. A read refits the LLM's and the teachers' verdicts together
(``domain/moderation.py``) in a worker thread, as ``fits.py`` does, never on the event loop, unless the job's
verdicts are those of an earlier read (``refit_cache.py``; one fit serves the plan and the report). The report
also sums what the LLM's checks of moderation pairs cost (``moderation_llm.py``). A read that shows essays is
written to the access log (owner: the job's teacher): the pair's two essays, or the batch for the report.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from cj_assessment_service.domain import moderation
from cj_assessment_service.domain.job import Job
from cj_assessment_service.domain.moderation import HumanVerdict, ModerationData, ModerationItem, NextPair
from cj_assessment_service.domain.moderation_llm import llm_usage
from cj_assessment_service.service_layer import moderation_llm
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.ports import UnitOfWork
from cj_assessment_service.service_layer.refit_cache import RefitCache
from cj_engine.judge_fit import MultiJudgeFit
from common_core.grade_scales import get_grade_scale
from common_core.http.access import AccessSubject
from common_core.http.cj_moderation import (
    ModeratedJob,
    ModeratedJobList,
    ModerationEssay,
    ModerationNext,
    ModerationPair,
    ModerationProgress,
    ModerationReport,
    ModerationVerdictRequest,
    ModerationVerdictView,
    ModeratorList,
    ModeratorView,
)
from common_core.status import CJJobState
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from huleedu_service_libs.http.request_input import quote

MAX_USER_ID_LENGTH = 200


def _verdict_view(verdict: HumanVerdict) -> ModerationVerdictView:
    return ModerationVerdictView(
        verdict_id=verdict.id,
        job_id=verdict.job_id,
        moderator_user_id=verdict.moderator_user_id,
        first=verdict.first,
        second=verdict.second,
        winner=verdict.winner,
        reason=verdict.reason,
        created_at=verdict.created_at,
    )


def _completed(job: Job) -> Job:
    if job.state is not CJJobState.COMPLETED:
        raise ConflictError(
            f"job {job.id} is {job.state.value}: moderation opens once the assessment has completed",
            details={"state": job.state.value},
        )
    return job


class ModerationService:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        # One fit of a job's verdicts serves both its plan and its report (a teacher's screen reads both after
        # each verdict); the plan and the report built from it take seconds of their own at 1,000 essays.
        self._fits: RefitCache[MultiJudgeFit] = RefitCache()
        self._plans: RefitCache[tuple[NextPair, ...]] = RefitCache()
        self._reports: RefitCache[ModerationReport] = RefitCache()

    async def _fit(self, job_id: uuid.UUID, data: ModerationData) -> MultiJudgeFit:
        return await self._fits.get(job_id, data, lambda: moderation.fit(data))

    async def _job(self, uow: UnitOfWork, job_id: uuid.UUID, user_id: str, *, lock: bool = False) -> Job:
        """The completed job if ``user_id`` owns or moderates it; else the 404 of a job that is not theirs."""
        job = await uow.jobs.get(job_id, lock=lock)
        if job is None or (
            job.user_id != user_id and user_id not in {m.user_id for m in await uow.moderation.moderators(job_id)}
        ):
            raise NotFoundError(f"job {job_id} not found")
        return _completed(job)

    async def _owned(self, uow: UnitOfWork, job_id: uuid.UUID, user_id: str) -> Job:
        job = await uow.jobs.get(job_id)
        if job is not None and job.user_id != user_id:
            if user_id in {m.user_id for m in await uow.moderation.moderators(job_id)}:
                raise ForbiddenError("only the job's teacher chooses its moderators")
            job = None
        if job is None:
            raise NotFoundError(f"job {job_id} not found")
        return job

    async def _data(self, uow: UnitOfWork, job: Job) -> ModerationData:
        items = await uow.moderation.items(job.id)
        if not items:
            raise ConflictError(f"job {job.id} has no essays left to moderate (erased or purged by retention)")
        return ModerationData.of(
            items, await uow.moderation.llm_verdicts(job.id), await uow.moderation.verdicts(job.id)
        )

    async def next_pair(self, job_id: uuid.UUID, user_id: str, accessor: Accessor) -> ModerationNext:
        async with self._deps.uows() as uow:
            job = await self._job(uow, job_id, user_id)
            data = await self._data(uow, job)
        scale = get_grade_scale(job.grade_scale)
        planned: tuple[NextPair, ...] = ()
        if moderation.plan_budget(data):
            multi = await self._fit(job.id, data)
            planned = await self._plans.get(job.id, data, lambda: moderation.plan_pairs(data, scale, job.seed, multi))
        decision = moderation.choose_next(data, user_id, planned)
        progress = ModerationProgress(
            given_by_you=decision.given_by_you, given_by_all=decision.given_by_all, budget_total=decision.budget_total
        )
        if decision.pair is None:
            return ModerationNext(job_id=job_id, done=True, progress=progress)
        first, second = decision.pair.first, decision.pair.second
        await self._deps.access_log.record(
            job.user_id,
            accessor,
            [(AccessSubject.ESSAY, str(first.essay_id)), (AccessSubject.ESSAY, str(second.essay_id))],
        )
        # CJ reads the texts as itself, for the moderator it has just authorised (the entries above): content
        # would show a colleague none of the owner's essays, nor anyone an anchor's text.
        texts = (await self._deps.content.fetch_texts([first.text_ref, second.text_ref])).texts

        def essay(label: Literal["Essay A", "Essay B"], item: ModerationItem) -> ModerationEssay:
            text = texts.get(item.text_ref)
            return ModerationEssay(
                label=label, essay_id=item.essay_id, text_ref=item.text_ref, text=text.content if text else None
            )

        pair = ModerationPair(
            first=essay("Essay A", first), second=essay("Essay B", second), reason=decision.pair.reason
        )
        return ModerationNext(job_id=job_id, done=False, pair=pair, progress=progress)

    async def record(self, job_id: uuid.UUID, user_id: str, body: ModerationVerdictRequest) -> ModerationVerdictView:
        """One verdict; the same moderator on the same pair (in either order) again is a 409. A pair the LLM
        has not judged in the job is sent to it as well (``moderation_llm.py``)."""
        async with self._deps.uows() as uow:
            # The job's row lock: two verdicts of one moderator on one pair cannot both pass the check.
            job = await self._job(uow, job_id, user_id, lock=True)
            items = await uow.moderation.items(job.id)
            problem = moderation.verdict_problem(items, body.first, body.second, body.winner)
            if problem is not None:
                raise ValidationFailedError(problem)
            pair = frozenset((body.first, body.second))
            mine = [v for v in await uow.moderation.verdicts(job_id) if v.moderator_user_id == user_id]
            if any(v.pair == pair for v in mine):
                raise ConflictError("you have already judged this pair; undo your last verdict to change it")
            verdict = HumanVerdict(
                id=uuid.uuid4(),
                job_id=job_id,
                moderator_user_id=user_id,
                first=body.first,
                second=body.second,
                winner=body.winner,
                reason=body.reason,
                created_at=datetime.now(UTC),
            )
            await uow.moderation.add_verdict(verdict)
            await moderation_llm.ask_unless_judged(self._deps, uow, job_id, body.first, body.second)
        return _verdict_view(verdict)

    async def undo(self, job_id: uuid.UUID, user_id: str) -> ModerationVerdictView:
        async with self._deps.uows() as uow:
            await self._job(uow, job_id, user_id, lock=True)
            removed = await uow.moderation.delete_last_verdict(job_id, user_id)
        if removed is None:
            raise NotFoundError("you have no verdict on this job to undo")
        return _verdict_view(removed)

    async def report(self, job_id: uuid.UUID, user_id: str, accessor: Accessor) -> ModerationReport:
        async with self._deps.uows() as uow:
            job = await self._job(uow, job_id, user_id)
            data = await self._data(uow, job)
            asked = await uow.moderation.llm_requests(job.id)
        multi = await self._fit(job.id, data)
        report = await self._reports.get(
            job.id, data, lambda: moderation.report(data, job.id, job.llm.provider, job.llm.model, multi)
        )
        await self._deps.access_log.record(job.user_id, accessor, [(AccessSubject.BATCH, str(job.batch_id))])
        # Outside the cached report: a pending or failed request changes the usage but not the fitted data.
        return report.model_copy(update={"llm_usage": llm_usage(asked)})

    async def moderated_jobs(self, user_id: str) -> ModeratedJobList:
        """The jobs colleagues added ``user_id`` to as a moderator (for their dashboard), newest first."""
        jobs: list[ModeratedJob] = []
        async with self._deps.uows() as uow:
            for job_id, added_at in await uow.moderation.moderated_by(user_id):
                job = await uow.jobs.get(job_id)
                if job is not None:
                    jobs.append(
                        ModeratedJob(
                            job_id=job.id,
                            batch_id=job.batch_id,
                            owner_user_id=job.user_id,
                            state=job.state.value,
                            added_at=added_at,
                        )
                    )
        return ModeratedJobList(jobs=jobs)

    async def moderators(self, job_id: uuid.UUID, user_id: str) -> ModeratorList:
        async with self._deps.uows() as uow:
            job = await self._owned(uow, job_id, user_id)
            return await self._list(uow, job)

    async def add_moderator(
        self, job_id: uuid.UUID, user_id: str, colleague: str, label: str | None = None
    ) -> ModeratorList:
        """Add ``colleague``; ``label`` (validated by ``AddModeratorRequest``) is how the owner knows them."""
        if colleague != colleague.strip() or not colleague or len(colleague) > MAX_USER_ID_LENGTH:
            raise ValidationFailedError(
                f"a moderator is a user id of 1-{MAX_USER_ID_LENGTH} characters without surrounding spaces",
                details={"field": "user_id"},
            )
        async with self._deps.uows() as uow:
            job = await self._owned(uow, job_id, user_id)
            if colleague == job.user_id:
                raise ValidationFailedError("the job's teacher always moderates it", details={"field": "user_id"})
            await uow.moderation.add_moderator(job_id, colleague, datetime.now(UTC), label)
            return await self._list(uow, job)

    async def remove_moderator(self, job_id: uuid.UUID, user_id: str, colleague: str) -> ModeratorList:
        async with self._deps.uows() as uow:
            job = await self._owned(uow, job_id, user_id)
            if not await uow.moderation.remove_moderator(job_id, colleague):
                raise NotFoundError(f"{quote(colleague)} is not a moderator of job {job_id}")
            return await self._list(uow, job)

    async def _list(self, uow: UnitOfWork, job: Job) -> ModeratorList:
        moderators = await uow.moderation.moderators(job.id)
        return ModeratorList(
            job_id=job.id,
            owner_user_id=job.user_id,
            moderators=[ModeratorView(user_id=m.user_id, added_at=m.added_at, label=m.label) for m in moderators],
        )
