"""Essays as the teacher reads them: named by the confirmed student, else by file, flagged for a second look.

Pure functions over the owners' answers, so the batch page, the essay page and the exports name
and flag an essay the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from common_core.http.bff import EssayFlag, EssayRow
from common_core.http.class_management import BatchStudentNamesResponse
from common_core.http.result_aggregator import BatchDetailResponse, BatchEssay

# Fewer comparisons than this leave a score resting on a handful of verdicts, whatever its SE says.
FEW_COMPARISONS = 3
ANCHOR_NAME = "Anchor"


def student_names(answer: BatchStudentNamesResponse) -> dict[UUID, str]:
    return {student.essay_id: f"{student.first_name} {student.last_name}" for student in answer.students}


def essay_row(
    essay: BatchEssay, names: Mapping[UUID, str] | None, expects_students: bool, student_rank: int | None
) -> EssayRow:
    """``names`` is None when the names could not be fetched: then no essay is flagged as unmatched."""
    result = essay.result
    student = None if essay.is_anchor or names is None else names.get(essay.essay_id)
    flags: list[EssayFlag] = []
    if result is None:
        flags.append("not_assessed")
    elif not essay.is_anchor:
        if result.confidence_label == "low":
            flags.append("low_confidence")
        if result.comparison_count < FEW_COMPARISONS:
            flags.append("few_comparisons")
    if not essay.is_anchor and expects_students and names is not None and student is None:
        flags.append("no_confirmed_student")
    grade = result.grade if result else None
    return EssayRow(
        essay_id=essay.essay_id,
        is_anchor=essay.is_anchor,
        name=student
        or essay.filename
        or essay.anchor_label
        or (result.anchor_label if result else None)
        or ANCHOR_NAME,
        student_name=student,
        filename=essay.filename,
        word_count=essay.word_count,
        rank=student_rank,
        grade=grade,
        grade_probability=result.grade_probabilities.get(grade) if result and grade else None,
        grade_probabilities=dict(result.grade_probabilities) if result else {},
        bt_score=result.bt_score if result else None,
        standard_error=result.standard_error if result else None,
        normalized_score=result.normalized_score if result else None,
        confidence=result.confidence if result else None,
        confidence_label=result.confidence_label if result else None,
        comparison_count=result.comparison_count if result else 0,
        known_grade=result.known_grade if result else None,
        anchor_inconsistent=result.anchor_inconsistent if result else None,
        flags=flags,
    )


def essay_rows(detail: BatchDetailResponse, names: Mapping[UUID, str] | None) -> tuple[list[EssayRow], list[EssayRow]]:
    """The student essays and the anchors, each in the result aggregator's order (by rank, then by name).

    A teacher ranks their students: the rank counts student essays only (the anchors' places on the
    scale are their scores), so the best student is 1 even when an anchor is better.
    """
    # Only a batch of a class has students to confirm; without one every essay is named by its file.
    expects_students = detail.batch.class_id is not None
    ranked = sorted(
        (e for e in detail.essays if not e.is_anchor and e.result is not None),
        key=lambda e: e.result.rank if e.result else 0,
    )
    student_ranks = {essay.essay_id: place for place, essay in enumerate(ranked, start=1)}
    rows = [essay_row(e, names, expects_students, student_ranks.get(e.essay_id)) for e in detail.essays]
    return [row for row in rows if not row.is_anchor], [row for row in rows if row.is_anchor]
