"""Starting an assessment: state move and ``cj_assessment.requested`` in one transaction, idempotently.

A repeat never starts a second run. With an ``Idempotency-Key`` the repeat is recognised by
the key, in any state; without one, a call while a run is active answers with that run. A
repeat must carry the same settings: each request stores a fingerprint of them, and a key
reused with other settings is refused with 422 (without a key, other settings while a run is
active are a 409), so a teacher never believes a run with new settings started when it did not.
The request id is deterministic (from the key, or from the batch and its run number), so even
a replay that slipped past these checks would give CJ the same ``(batch_id, request_id)``.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from common_core.envelope import deterministic_event_id
from common_core.events.cj_assessment import CJAssessmentRequestedV1, EssayRef
from common_core.http.content import AssessmentAccepted, StartAssessmentRequest
from common_core.status import BatchStatus
from content_service.domain.batch_states import ACTIVE_STATES, IllegalTransitionError, check_move
from content_service.domain.model import AssessmentRequest, Essay
from content_service.metrics import ASSESSMENT_REQUESTS, BATCH_TRANSITIONS
from content_service.service_layer.batches import require_batch, require_usable_assignment
from content_service.service_layer.context import ContentContext
from content_service.service_layer.errors import IdempotencyKeyReusedError
from content_service.service_layer.ports import ContentRepository
from huleedu_service_libs.errors import ConflictError, ValidationFailedError

MAX_IDEMPOTENCY_KEY_CHARS = 200
MIN_ESSAYS = 2
MAX_NAME_CHARS = 200  # EssayRef.names' limit


def validate_idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_CHARS:
        raise ValidationFailedError(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} characters",
            details={"field": "Idempotency-Key"},
        )
    return key


def request_fingerprint(request: StartAssessmentRequest) -> str:
    """sha256 of the settings as sent, defaults left out.

    Leaving defaults out makes an empty body and one that spells the defaults out the same
    request, and keeps a stored fingerprint valid when a later version adds a defaulted field.
    """
    settings = request.model_dump(mode="json", exclude_defaults=True)
    return hashlib.sha256(json.dumps(settings, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


async def start_assessment(
    ctx: ContentContext,
    owner_id: str,
    batch_id: uuid.UUID,
    request: StartAssessmentRequest,
    idempotency_key: str | None,
) -> AssessmentAccepted:
    fingerprint = request_fingerprint(request)
    if request.assignment_id is not None:
        # Before the batch row is locked: the lock is not held while CJ answers.
        await require_usable_assignment(ctx, owner_id, request.assignment_id)
    student_names = await _student_names(ctx, owner_id, batch_id)
    async with ctx.unit_of_work() as uow:
        # The row lock serialises concurrent starts of one batch, so exactly one of them wins.
        batch = await require_batch(uow.repo, owner_id, batch_id, for_update=True)
        status = batch.status
        earlier = await _earlier_request(uow.repo, batch_id, status, idempotency_key)
        if earlier is not None:
            _check_same_settings(earlier, fingerprint, idempotency_key)
            ASSESSMENT_REQUESTS.labels("replayed").inc()
            return _accepted(earlier, status, replayed=True)
        try:
            check_move(status, BatchStatus.ASSESSMENT_REQUESTED)
        except IllegalTransitionError as exc:
            raise ConflictError(
                f"An assessment cannot start: {exc}", details={"batch_id": str(batch_id), "status": status.value}
            ) from exc
        essays = await uow.repo.essays_of(batch_id)
        if len(essays) < MIN_ESSAYS:
            raise ConflictError(
                f"A batch needs at least {MIN_ESSAYS} essays to be assessed; this one has {len(essays)}",
                details={"batch_id": str(batch_id), "essay_count": len(essays)},
            )
        request_id = await _request_id(uow.repo, batch_id, idempotency_key)
        created = await uow.repo.insert_request(
            request_id=request_id,
            batch_id=batch_id,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
            essay_count=len(essays),
        )
        await uow.repo.set_status(batch_id, BatchStatus.ASSESSMENT_REQUESTED)
        event = CJAssessmentRequestedV1(
            batch_id=batch_id,
            request_id=request_id,
            user_id=owner_id,
            essays=[
                EssayRef(essay_id=e.essay_id, text_ref=e.text_id, names=known_names(e, student_names)) for e in essays
            ],
            assignment_id=request.assignment_id or batch.assignment_id,
            language=request.language,
            course_code=batch.course_code,
            llm=request.llm,
            budget=request.budget,
        )
        await uow.events.emit(
            event, batch_id=batch_id, event_id=deterministic_event_id("cj_assessment.requested", batch_id, request_id)
        )
    BATCH_TRANSITIONS.labels(status.value, BatchStatus.ASSESSMENT_REQUESTED.value).inc()
    ASSESSMENT_REQUESTS.labels("started").inc()
    return _accepted(created, BatchStatus.ASSESSMENT_REQUESTED, replayed=False)


async def _student_names(ctx: ContentContext, owner_id: str, batch_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The confirmed students' names, asked of CMS before the batch row is locked (only a class has them)."""
    async with ctx.unit_of_work() as uow:
        batch = await require_batch(uow.repo, owner_id, batch_id)
    if batch.class_id is None:
        return {}
    return await ctx.classes.student_names(owner_id, batch_id)


def known_names(essay: Essay, student_names: dict[uuid.UUID, str]) -> list[str]:
    """What CJ redacts before the essay goes to an LLM provider: the confirmed student, the author hint."""
    names = [student_names.get(essay.essay_id), essay.author_hint]
    unique = dict.fromkeys(name.strip()[:MAX_NAME_CHARS] for name in names if name and name.strip())
    return list(unique)


async def _earlier_request(
    repo: ContentRepository, batch_id: uuid.UUID, status: BatchStatus, key: str | None
) -> AssessmentRequest | None:
    if key is not None:
        return await repo.request_by_key(batch_id, key)
    if status in ACTIVE_STATES:
        return await repo.latest_request(batch_id)
    return None


def _check_same_settings(earlier: AssessmentRequest, fingerprint: str, key: str | None) -> None:
    # A request stored before fingerprints existed cannot be compared; it replays as it always did.
    if earlier.request_fingerprint is None or earlier.request_fingerprint == fingerprint:
        return
    details = {"batch_id": str(earlier.batch_id), "request_id": str(earlier.request_id)}
    if key is not None:
        raise IdempotencyKeyReusedError(
            "This Idempotency-Key was already used to start an assessment of this batch with other settings. "
            "Send the same settings to retry that request, or use a new key to start a new assessment.",
            details={**details, "field": "Idempotency-Key"},
        )
    raise ConflictError(
        "An assessment of this batch with other settings is already running; "
        "wait until it has finished, then start a new one.",
        details=details,
    )


async def _request_id(repo: ContentRepository, batch_id: uuid.UUID, key: str | None) -> uuid.UUID:
    if key is not None:
        return deterministic_event_id("assessment.request", batch_id, "key", key)
    run_number = await repo.request_count(batch_id) + 1
    return deterministic_event_id("assessment.request", batch_id, "run", run_number)


def _accepted(request: AssessmentRequest, status: BatchStatus, *, replayed: bool) -> AssessmentAccepted:
    return AssessmentAccepted(
        batch_id=request.batch_id,
        request_id=request.request_id,
        status=status,
        essay_count=request.essay_count,
        replayed=replayed,
        requested_at=request.requested_at,
    )
