"""Assignments and their anchors: what a job is assessed against. No I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Assignment:
    id: uuid.UUID
    owner_user_id: str
    title: str
    course_code: str
    grade_scale: str
    shared: bool
    # Text ids in content service's store.
    instructions_ref: str
    student_prompt_ref: str | None
    rubric_ref: str | None
    created_at: datetime
    updated_at: datetime
    anchor_count: int = 0
    # Replace the names of each essay's author with a placeholder before the text goes to LPS.
    redact_names: bool = True

    def usable_by(self, user_id: str) -> bool:
        """Whether ``user_id`` may assess with it: the owner, or anyone once it is shared."""
        return self.shared or self.owner_user_id == user_id


@dataclass(frozen=True)
class Anchor:
    """An essay with a known grade, compared like any other to place the grade boundaries."""

    id: uuid.UUID
    assignment_id: uuid.UUID
    label: str
    grade: str
    text_ref: str
    word_count: int
    created_at: datetime
