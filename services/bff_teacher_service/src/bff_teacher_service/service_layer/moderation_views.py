"""Teacher moderation of a batch's assessment (issue 24): find the batch's job, then CJ's moderation routes.

Which job: for the batch's teacher, the one the result aggregator names as the batch's current job (read as
them, so another teacher's batch is its 404; a batch without an assessment is a 409). For a colleague the
teacher added as a moderator, the aggregator says 404 (the batch is not theirs, and stays so for every other
route); CJ's list of the jobs they moderate names the batch's job instead. Anyone else: 404. CJ then checks,
on every call, that the caller owns or moderates the job, so the BFF's lookup grants nothing by itself.

The screen's texts come from CJ, which reads them for the moderator it authorised and logs that read with
the colleague as the reader; the BFF never reads content service on the owner's behalf. Essays are
"Essay A" and "Essay B": never a student's name or a file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from bff_teacher_service.service_layer.parts import fetch
from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    RESULT_AGGREGATOR,
    OwnerReply,
    Owners,
)
from common_core.http.bff_moderation import (
    ModerationInvitation,
    ModerationInvitations,
    ModerationScreen,
    ModerationScreenEssay,
    ModerationScreenPair,
)
from common_core.http.cj_moderation import (
    AddModeratorRequest,
    ModerationEssay,
    ModerationNext,
    ModerationVerdictRequest,
)
from huleedu_service_libs.errors import ConflictError, NotFoundError

BATCH_NOT_FOUND = "Batch not found"
NO_ACCOUNT = "No teacher account uses this email address"
OK = 200
# Every moderation read refits the multi-judge model in CJ: longer than a plain lookup.
MODERATION_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ModerationViews:
    owners: Owners
    timeout_s: float

    async def job_id(self, user_id: str, batch_id: UUID) -> UUID:
        """The job to moderate: the teacher's batch's current job, or one a colleague added them to; else 404."""
        detail = await fetch(self.owners.batch_detail(user_id, batch_id), RESULT_AGGREGATOR, self.timeout_s)
        if not detail.not_found:
            job = detail.required(BATCH_NOT_FOUND).current_job
            if job is None or job.job_id is None:
                raise ConflictError("This batch has no assessment yet: moderation opens once it has completed")
            return job.job_id
        invited = await fetch(self.owners.moderated_jobs(user_id), CJ_ASSESSMENT, self.timeout_s)
        # Several jobs of one batch (a re-run): the newest invitation first.
        for place in invited.required(BATCH_NOT_FOUND).jobs:
            if place.batch_id == batch_id:
                return place.job_id
        raise NotFoundError(BATCH_NOT_FOUND)

    async def invitations(self, user_id: str) -> ModerationInvitations:
        """The batches colleagues asked this teacher to moderate (ids and state only: nothing else of theirs)."""
        invited = await fetch(self.owners.moderated_jobs(user_id), CJ_ASSESSMENT, self.timeout_s)
        jobs = invited.required().jobs
        return ModerationInvitations(
            invitations=[
                ModerationInvitation(batch_id=j.batch_id, job_id=j.job_id, state=j.state, added_at=j.added_at)
                for j in jobs
            ]
        )

    async def screen(self, user_id: str, batch_id: UUID) -> ModerationScreen | OwnerReply:
        """The next pair with both texts; CJ's refusal (404, 409) as it answered."""
        job_id = await self.job_id(user_id, batch_id)
        reply = await self._cj(user_id, job_id, "GET", "next")
        if reply.status != OK:
            return reply
        upcoming = ModerationNext.model_validate_json(reply.body)
        if upcoming.pair is None:
            return ModerationScreen(batch_id=batch_id, job_id=job_id, done=True, progress=upcoming.progress)
        first, second = _essay(upcoming.pair.first), _essay(upcoming.pair.second)
        return ModerationScreen(
            batch_id=batch_id,
            job_id=job_id,
            done=False,
            pair=ModerationScreenPair(first=first, second=second, reason=upcoming.pair.reason),
            progress=upcoming.progress,
            text_missing=first.text is None or second.text is None,
        )

    async def verdict(self, user_id: str, batch_id: UUID, body: ModerationVerdictRequest) -> OwnerReply:
        job_id = await self.job_id(user_id, batch_id)
        payload = body.model_dump_json(exclude_none=True).encode()
        return await self._cj(user_id, job_id, "POST", "verdicts", payload)

    async def undo(self, user_id: str, batch_id: UUID) -> OwnerReply:
        return await self._cj(user_id, await self.job_id(user_id, batch_id), "DELETE", "verdicts/last")

    async def report(self, user_id: str, batch_id: UUID) -> OwnerReply:
        return await self._cj(user_id, await self.job_id(user_id, batch_id), "GET", "report")

    async def invite(self, user_id: str, batch_id: UUID, email: str) -> OwnerReply:
        """Add the colleague with this account email as a moderator of the batch's job (CJ: the owner only).

        CJ is asked first whether the caller may manage the job's moderators (its owner-only list), so that only
        the owner's request ever looks an email up: a colleague cannot probe which emails have accounts."""
        job_id = await self.job_id(user_id, batch_id)
        allowed = await self._cj(user_id, job_id, "GET", "moderators")
        if allowed.status != OK:
            return allowed
        found = await fetch(self.owners.lookup_account(user_id, email), CLASS_MANAGEMENT, self.timeout_s)
        account = found.required(NO_ACCOUNT)
        # The owner sees the colleague by the address class management matched (its stored form, not the typed one).
        label = AddModeratorRequest(label=account.email).model_dump_json().encode()
        return await self._cj(user_id, job_id, "PUT", f"moderators/{account.user_id}", label)

    async def remove_moderator(self, user_id: str, batch_id: UUID, colleague: UUID) -> OwnerReply:
        job_id = await self.job_id(user_id, batch_id)
        return await self._cj(user_id, job_id, "DELETE", f"moderators/{colleague}")

    async def moderators(self, user_id: str, batch_id: UUID) -> OwnerReply:
        return await self._cj(user_id, await self.job_id(user_id, batch_id), "GET", "moderators")

    async def _cj(self, user_id: str, job_id: UUID, method: str, path: str, body: bytes | None = None) -> OwnerReply:
        call = self.owners.moderation(user_id, job_id, method, path, body)
        return (await fetch(call, CJ_ASSESSMENT, MODERATION_TIMEOUT_S)).required()


def _essay(essay: ModerationEssay) -> ModerationScreenEssay:
    return ModerationScreenEssay(label=essay.label, essay_id=essay.essay_id, text=essay.text)
