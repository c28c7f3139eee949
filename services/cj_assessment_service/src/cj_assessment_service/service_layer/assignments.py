"""Assignments and their anchors: the teachers' admin API (owner or admin edits; shared ones are readable)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cj_assessment_service.domain import anchor_grades
from cj_assessment_service.domain.anchor_grades import (
    GradesFileError,
    anchor_label,
    label_problem,
    printable,
    validate_grades,
)
from cj_assessment_service.domain.assignment import Anchor, Assignment
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.ports import LabelTakenError
from common_core.grade_scales import GradeScale, UnknownGradeScaleError, get_grade_scale
from common_core.http.cj_assessment import (
    AnchorCreateRequest,
    AnchorList,
    AnchorView,
    AssignmentCreateRequest,
    AssignmentList,
    AssignmentSummary,
    AssignmentUpdateRequest,
    AssignmentView,
)
from common_core.http.class_management import SharedAssignmentList, SharedAssignmentRef
from common_core.http.content import StoredText, TextKind
from huleedu_service_libs.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    ValidationFailedError,
)


@dataclass(frozen=True)
class AnchorUpload:
    label: str
    grade: str
    text: str


@dataclass(frozen=True)
class AnchorFile:
    """One file of a bulk anchor upload, as received; its label is its name without the extension."""

    filename: str
    data: bytes


def _check_anchor_file(upload: AnchorFile, max_bytes: int) -> None:
    shown = printable(upload.filename)
    if len(upload.data) > max_bytes:
        raise PayloadTooLargeError(f"{shown} is larger than {max_bytes} bytes", details={"filename": shown})
    problem = label_problem(upload.filename)
    if problem is not None:
        raise ValidationFailedError(f"{shown}: {problem}", details={"filename": shown})


def _scale(name: str) -> GradeScale:
    try:
        return get_grade_scale(name)
    except UnknownGradeScaleError as exc:
        raise ValidationFailedError(str(exc), details={"grade_scale": name}) from exc


def _summary(row: Assignment) -> AssignmentSummary:
    return AssignmentSummary(
        assignment_id=row.id,
        owner_user_id=row.owner_user_id,
        title=row.title,
        course_code=row.course_code,
        grade_scale=row.grade_scale,
        shared=row.shared,
        redact_names=row.redact_names,
        anchor_count=row.anchor_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _anchor_view(row: Anchor) -> AnchorView:
    return AnchorView(
        anchor_id=row.id,
        assignment_id=row.assignment_id,
        label=row.label,
        grade=row.grade,
        text_ref=row.text_ref,
        word_count=row.word_count,
        created_at=row.created_at,
    )


class AssignmentService:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    def _may_edit(self, row: Assignment, user_id: str) -> bool:
        return row.owner_user_id == user_id or user_id in self._deps.settings.admin_ids()

    async def _visible(self, assignment_id: uuid.UUID, user_id: str) -> Assignment:
        """The assignment if the user may see it; otherwise a 404 (never a hint that it exists)."""
        async with self._deps.uows() as uow:
            row = await uow.assignments.get(assignment_id)
        if row is None or not (row.shared or self._may_edit(row, user_id)):
            raise NotFoundError(f"assignment {assignment_id} not found")
        return row

    async def _editable(self, assignment_id: uuid.UUID, user_id: str) -> Assignment:
        row = await self._visible(assignment_id, user_id)
        if not self._may_edit(row, user_id):
            raise ForbiddenError("only the assignment's owner or an admin can change it")
        return row

    async def create(self, user_id: str, body: AssignmentCreateRequest) -> AssignmentView:
        scale = _scale(body.grade_scale)
        content = self._deps.content
        # Stored as the new assignment's owner's: content service removes them with the owner's account.
        instructions = await content.store_text(body.instructions, TextKind.INSTRUCTIONS, user_id)
        prompt = (
            await content.store_text(body.student_prompt, TextKind.STUDENT_PROMPT, user_id)
            if body.student_prompt
            else None
        )
        rubric = await content.store_text(body.rubric, TextKind.RUBRIC, user_id) if body.rubric else None
        assignment_id = uuid.uuid4()
        shared = self._deps.settings.assignments_shared_by_default if body.shared is None else body.shared
        now = datetime.now(UTC)
        async with self._deps.uows() as uow:
            await uow.assignments.add(
                Assignment(
                    id=assignment_id,
                    owner_user_id=user_id,
                    title=body.title,
                    course_code=body.course_code,
                    grade_scale=scale.name,
                    shared=shared,
                    instructions_ref=instructions.text_id,
                    student_prompt_ref=prompt.text_id if prompt else None,
                    rubric_ref=rubric.text_id if rubric else None,
                    created_at=now,
                    updated_at=now,
                    redact_names=body.redact_names,
                )
            )
        return await self.get(assignment_id, user_id)

    async def usable(self, assignment_id: uuid.UUID, user_id: str) -> AssignmentSummary:
        """The assignment if the user may assess with it (own or shared), without its texts; else a 404.

        Content service asks this before a batch or an assessment names the assignment, so it
        must not call content service back for the texts.
        """
        return _summary(await self._visible(assignment_id, user_id))

    async def shared_by(self, owner_id: str, user_id: str) -> SharedAssignmentList:
        """The assignments ``owner_id`` owns and shares: class management refuses to delete the account while
        there are any (other teachers assess with them). Only the owner may ask: anyone else gets a 404."""
        if owner_id != user_id:
            raise NotFoundError(f"user {owner_id} not found")
        async with self._deps.uows() as uow:
            owned = await uow.assignments.owned_by(owner_id)
        return SharedAssignmentList(
            items=[SharedAssignmentRef(assignment_id=a.id, title=a.title) for a in owned if a.shared]
        )

    async def get(self, assignment_id: uuid.UUID, user_id: str) -> AssignmentView:
        row = await self._visible(assignment_id, user_id)
        refs = [r for r in (row.instructions_ref, row.student_prompt_ref, row.rubric_ref) if r]
        texts = (await self._deps.content.fetch_texts(refs)).texts
        summary = _summary(row)

        def text(ref: str | None) -> str | None:
            return texts[ref].content if ref and ref in texts else None

        return AssignmentView(
            **summary.model_dump(),
            instructions=text(row.instructions_ref) or "",
            student_prompt=text(row.student_prompt_ref),
            rubric=text(row.rubric_ref),
        )

    async def list_visible(self, user_id: str) -> AssignmentList:
        async with self._deps.uows() as uow:
            rows = await uow.assignments.visible_to(user_id)
        return AssignmentList(assignments=[_summary(row) for row in rows])

    async def update(self, assignment_id: uuid.UUID, user_id: str, body: AssignmentUpdateRequest) -> AssignmentView:
        row = await self._editable(assignment_id, user_id)
        given = body.model_fields_set
        values: dict[str, object] = {
            name: getattr(body, name) for name in ("title", "course_code", "shared", "redact_names") if name in given
        }
        # The request model refuses a null for these, so a given field always carries a value.
        if body.grade_scale is not None:
            scale = _scale(body.grade_scale)
            async with self._deps.uows() as uow:
                anchors = await uow.assignments.anchors(assignment_id)
            try:
                validate_grades({a.label: a.grade for a in anchors}, scale)
            except GradesFileError as exc:
                raise ValidationFailedError(f"the existing anchors do not fit the new scale: {exc}") from exc
            values["grade_scale"] = scale.name
        content = self._deps.content
        for name, kind in (
            ("instructions", TextKind.INSTRUCTIONS),
            ("student_prompt", TextKind.STUDENT_PROMPT),
            ("rubric", TextKind.RUBRIC),
        ):
            if name in given:
                text = getattr(body, name)
                # The owner's text, whoever edits it (an admin may).
                stored = await content.store_text(text, kind, row.owner_user_id) if text else None
                values[f"{name}_ref"] = stored.text_id if stored else None
        if values:
            async with self._deps.uows() as uow:
                await uow.assignments.update(row.id, values)
        return await self.get(assignment_id, user_id)

    async def list_anchors(self, assignment_id: uuid.UUID, user_id: str) -> AnchorList:
        await self._visible(assignment_id, user_id)
        async with self._deps.uows() as uow:
            rows = await uow.assignments.anchors(assignment_id)
        return AnchorList(anchors=[_anchor_view(r) for r in rows])

    async def add_anchor(self, assignment_id: uuid.UUID, user_id: str, body: AnchorCreateRequest) -> AnchorView:
        created = await self.add_anchors(assignment_id, user_id, [AnchorUpload(body.label, body.grade, body.text)])
        return created.anchors[0]

    async def add_anchors(self, assignment_id: uuid.UUID, user_id: str, uploads: Sequence[AnchorUpload]) -> AnchorList:
        """All or nothing: a bad grade is a 400 naming grade and scale, a label in use a 409."""
        row = await self._editable(assignment_id, user_id)
        grades = await self._new_anchor_grades(row, [(u.label, u.grade) for u in uploads])
        owner = row.owner_user_id
        stored = [await self._deps.content.store_text(u.text, TextKind.ANCHOR, owner) for u in uploads]
        return await self._insert_anchors(assignment_id, grades, stored)

    async def check_editable(self, assignment_id: uuid.UUID, user_id: str) -> None:
        """404 (unknown or invisible) or 403 (not the owner): called before an upload's body is even parsed."""
        await self._editable(assignment_id, user_id)

    async def add_anchor_files(
        self, assignment_id: uuid.UUID, user_id: str, grades_file: AnchorFile | None, files: Sequence[AnchorFile]
    ) -> AnchorList:
        """A bulk upload, all or nothing, cheapest checks first: the assignment (404/403), counts and
        sizes, file names, the grades file, grades and labels, and only then the files' text, which
        content service extracts (one file at a time) with the essay uploads' own code and limits."""
        row = await self._editable(assignment_id, user_id)
        settings = self._deps.settings
        if grades_file is None or not files:
            raise ValidationFailedError("send the anchor files as 'files' and a CSV or JSON of grades as 'grades'")
        if len(files) > settings.max_anchor_files:
            raise ValidationFailedError(
                f"{len(files)} anchor files in one upload; at most {settings.max_anchor_files}",
                details={"files": len(files), "max_anchor_files": settings.max_anchor_files},
            )
        for upload in files:
            _check_anchor_file(upload, settings.max_upload_bytes)
        grades_name = printable(grades_file.filename)
        try:
            grades = anchor_grades.parse_grades_file(grades_name, grades_file.data)
        except GradesFileError as exc:
            raise ValidationFailedError(str(exc), details={"filename": grades_name}) from exc
        labelled = [(anchor_label(upload.filename), printable(upload.filename)) for upload in files]
        for label, filename in labelled:
            if label not in grades:
                raise ValidationFailedError(
                    f"no grade given for {filename} (label {label!r})", details={"filename": filename, "label": label}
                )
        unused = sorted(set(grades) - {label for label, _ in labelled})
        if unused:
            raise ValidationFailedError(f"grades given for files not uploaded: {', '.join(unused)}")
        canonical = await self._new_anchor_grades(row, [(label, grades[label]) for label, _ in labelled])
        content = self._deps.content
        owner = row.owner_user_id
        stored = [await content.store_text_file(u.filename, u.data, TextKind.ANCHOR, owner) for u in files]
        return await self._insert_anchors(assignment_id, canonical, stored)

    async def _new_anchor_grades(self, row: Assignment, labelled: list[tuple[str, str]]) -> dict[str, str]:
        """Canonical grade per label, in upload order; 409 for a label given twice or in use, 400 off the scale."""
        scale = get_grade_scale(row.grade_scale)
        labels = [label for label, _ in labelled]
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ConflictError(f"anchor label {', '.join(repeated)} is given twice", details={"labels": repeated})
        try:
            grades = validate_grades(dict(labelled), scale)
        except GradesFileError as exc:
            raise ValidationFailedError(str(exc), details={"grade_scale": scale.name}) from exc
        async with self._deps.uows() as uow:
            taken = await uow.assignments.taken_labels(row.id, labels)
        if taken:
            raise ConflictError(f"anchor label {', '.join(taken)} already exists", details={"labels": taken})
        return {label: grades[label] for label in labels}

    async def _insert_anchors(
        self, assignment_id: uuid.UUID, grades: dict[str, str], stored: Sequence[StoredText]
    ) -> AnchorList:
        now = datetime.now(UTC)
        new = [
            Anchor(uuid.uuid4(), assignment_id, label, grade, text.text_id, text.word_count, now)
            for (label, grade), text in zip(grades.items(), stored, strict=True)
        ]
        try:
            async with self._deps.uows() as uow:
                inserted = await uow.assignments.add_anchors(new)
        except LabelTakenError as exc:  # a concurrent upload took a label in the meantime
            raise ConflictError("an anchor label already exists", details={"labels": list(grades)}) from exc
        return AnchorList(anchors=[_anchor_view(r) for r in inserted])

    async def remove_anchor(self, assignment_id: uuid.UUID, anchor_id: uuid.UUID, user_id: str) -> None:
        await self._editable(assignment_id, user_id)
        async with self._deps.uows() as uow:
            if not await uow.assignments.remove_anchor(assignment_id, anchor_id):
                raise NotFoundError(f"anchor {anchor_id} not found")
