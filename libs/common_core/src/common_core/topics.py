"""The topic registry: the single source of truth for Kafka topic names (ARCHITECTURE §3).

Services name topics only through :class:`Topic`, never with string literals. Every topic
has a dead-letter twin, ``<topic>.dlq``, for records that cannot be processed.
"""

from __future__ import annotations

from enum import StrEnum, unique

DLQ_SUFFIX = ".dlq"


@unique
class Topic(StrEnum):
    """Every topic of the platform: ``huleedu.<area>.<event>.v<N>``."""

    BATCH_REGISTERED = "huleedu.batch.registered.v1"
    BATCH_UPDATED = "huleedu.batch.updated.v1"
    BATCH_DELETED = "huleedu.batch.deleted.v1"
    ESSAY_UPLOADED = "huleedu.essay.uploaded.v1"
    CJ_ASSESSMENT_REQUESTED = "huleedu.cj_assessment.requested.v1"
    LLM_COMPARISON_RESULT = "huleedu.llm_provider.comparison_result.v1"
    CJ_ASSESSMENT_PROGRESS = "huleedu.cj_assessment.progress.v1"
    CJ_ASSESSMENT_COMPLETED = "huleedu.cj_assessment.completed.v1"
    ASSESSMENT_RESULT_PUBLISHED = "huleedu.assessment.result.published.v1"
    CJ_ASSESSMENT_FAILED = "huleedu.cj_assessment.failed.v1"
    CLASS_CREATED = "huleedu.class.created.v1"
    CLASS_UPDATED = "huleedu.class.updated.v1"
    STUDENT_CREATED = "huleedu.class.student_created.v1"
    STUDENT_UPDATED = "huleedu.class.student_updated.v1"
    ESSAY_STUDENT_ASSOCIATIONS_CONFIRMED = "huleedu.class.associations_confirmed.v1"
    STUDENT_ERASED = "huleedu.class.student_erased.v1"
    TEACHER_ACCOUNT_DELETED = "huleedu.class.teacher_account_deleted.v1"


# Topics whose events carry personal data about students: names, file names and author hints, grades of
# identifiable essays, judges' justifications. The topic bootstrap gives them (and their dead-letter twins) a
# bounded retention (docs/data-protection.md). ``batch.deleted``, ``student_erased`` and
# ``teacher_account_deleted`` are deliberately not among them: they carry only ids, and a service that was
# down must still find the erasure when it comes back.
PERSONAL_DATA_TOPICS: frozenset[Topic] = frozenset(
    {
        Topic.ESSAY_UPLOADED,
        Topic.CJ_ASSESSMENT_REQUESTED,
        Topic.LLM_COMPARISON_RESULT,
        Topic.ASSESSMENT_RESULT_PUBLISHED,
        Topic.STUDENT_CREATED,
        Topic.STUDENT_UPDATED,
        Topic.ESSAY_STUDENT_ASSOCIATIONS_CONFIRMED,
    }
)


def carries_personal_data(name: str) -> bool:
    """Whether topic ``name`` (a registry topic or its ``.dlq`` twin) carries personal data."""
    return name.removesuffix(DLQ_SUFFIX) in {topic.value for topic in PERSONAL_DATA_TOPICS}


def dlq_topic(topic: Topic) -> str:
    """The dead-letter topic of ``topic``."""
    return f"{topic.value}{DLQ_SUFFIX}"


def all_topic_names() -> list[str]:
    """Every registry topic followed by its DLQ twin, in registry order."""
    names: list[str] = []
    for topic in Topic:
        names += [topic.value, dlq_topic(topic)]
    return names
