"""The teacher dashboard's moderation screen (issue 24), as the BFF composes it from CJ and content.

- ``GET /bff/v1/teacher/batches/{batch_id}/moderation/next`` -> :class:`ModerationScreen`: the next pair
  with both essays' texts, labelled "Essay A" and "Essay B" only (never a student's name or a file name),
  the progress and the ``done`` flag.
- ``POST .../moderation/verdicts`` (:class:`~common_core.http.cj_moderation.ModerationVerdictRequest`),
  ``DELETE .../moderation/verdicts/last`` and ``GET .../moderation/report`` pass CJ's answers on
  (:class:`~common_core.http.cj_moderation.ModerationVerdictView`,
  :class:`~common_core.http.cj_moderation.ModerationReport`).
- ``POST .../moderation/moderators`` :class:`InviteModeratorRequest` (the owner invites an existing account by
  email), ``DELETE .../moderation/moderators/{user_id}``: CJ's ``ModeratorList``.
- ``GET /bff/v1/teacher/moderation/invitations`` -> :class:`ModerationInvitations`.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common_core.http.cj_moderation import ModerationProgress, ModerationReason
from common_core.http.class_management import EmailAddress


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ModerationScreenEssay(_View):
    """One essay of the pair as a moderator reads it: its label and text, nothing that names the writer."""

    label: Literal["Essay A", "Essay B"]
    essay_id: UUID = Field(description="The id to send back with the verdict.")
    text: str | None = Field(default=None, description="None when content service could not give it (see gaps).")


class ModerationScreenPair(_View):
    first: ModerationScreenEssay = Field(description="Shown first (left).")
    second: ModerationScreenEssay = Field(description="Shown second (right).")
    reason: ModerationReason = Field(description="Why the plan chose this pair.")


class ModerationScreen(_View):
    """The moderation screen: the next pair this teacher has not judged, or ``done``."""

    batch_id: UUID
    job_id: UUID
    done: bool = Field(description="True when the budget is used up or no planned pair is left.")
    pair: ModerationScreenPair | None = None
    progress: ModerationProgress
    text_missing: bool = Field(default=False, description="A text could not be read: the pair cannot be judged.")


class ModerationInvitation(_View):
    """A batch a colleague asked this teacher to moderate: its ids and state, nothing else of the colleague's."""

    batch_id: UUID
    job_id: UUID
    state: str = Field(description="The assessment's state; moderation opens once it is completed.")
    added_at: AwareDatetime


class ModerationInvitations(_View):
    """``GET /bff/v1/teacher/moderation/invitations``: newest first."""

    invitations: list[ModerationInvitation]


class InviteModeratorRequest(BaseModel):
    """``POST .../moderation/moderators``: the colleague's account email (an existing account)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: EmailAddress


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    ModerationScreen,
    ModerationInvitations,
    InviteModeratorRequest,
)
