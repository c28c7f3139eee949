"""The platform's event registry: every topic of :class:`Topic` with its payload model."""

from __future__ import annotations

from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    CJAssessmentRequestedV1,
)
from common_core.events.classes import (
    ClassCreatedV1,
    ClassUpdatedV1,
    EssayStudentAssociationsConfirmedV1,
    StudentCreatedV1,
    StudentErasedV1,
    StudentUpdatedV1,
    TeacherAccountDeletedV1,
)
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.events.registry import EventRegistry
from common_core.topics import Topic

EVENTS = EventRegistry()
for _topic, _model in (
    (Topic.BATCH_REGISTERED, BatchRegisteredV1),
    (Topic.ESSAY_UPLOADED, EssayUploadedV1),
    (Topic.CJ_ASSESSMENT_REQUESTED, CJAssessmentRequestedV1),
    (Topic.LLM_COMPARISON_RESULT, LLMComparisonResultV1),
    (Topic.CJ_ASSESSMENT_PROGRESS, CJAssessmentProgressV1),
    (Topic.CJ_ASSESSMENT_COMPLETED, CJAssessmentCompletedV1),
    (Topic.ASSESSMENT_RESULT_PUBLISHED, AssessmentResultPublishedV1),
    (Topic.CJ_ASSESSMENT_FAILED, CJAssessmentFailedV1),
    (Topic.CLASS_CREATED, ClassCreatedV1),
    (Topic.CLASS_UPDATED, ClassUpdatedV1),
    (Topic.STUDENT_CREATED, StudentCreatedV1),
    (Topic.STUDENT_UPDATED, StudentUpdatedV1),
    (Topic.ESSAY_STUDENT_ASSOCIATIONS_CONFIRMED, EssayStudentAssociationsConfirmedV1),
    (Topic.BATCH_UPDATED, BatchUpdatedV1),
    (Topic.BATCH_DELETED, BatchDeletedV1),
    (Topic.STUDENT_ERASED, StudentErasedV1),
    (Topic.TEACHER_ACCOUNT_DELETED, TeacherAccountDeletedV1),
):
    EVENTS.register(_topic, _model)
