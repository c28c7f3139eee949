"""Estimating an assessment before it starts: the batch's essays, words and characters, and CJ's answer.

The body is the one that would start the assessment, so the estimate is for exactly that run:
the same assignment (the override, or the batch's), language, LLM settings and budget. Nothing is
stored or sent to Kafka, and the batch may be in any state (a teacher may price a re-run).
"""

from __future__ import annotations

import uuid

from common_core.http.content import StartAssessmentRequest
from common_core.http.estimates import AssessmentEstimate, AssessmentEstimateRequest
from content_service.service_layer.assessments import MIN_ESSAYS
from content_service.service_layer.batches import require_batch
from content_service.service_layer.context import ContentContext
from huleedu_service_libs.errors import ConflictError


async def estimate_assessment(
    ctx: ContentContext, owner_id: str, batch_id: uuid.UUID, request: StartAssessmentRequest
) -> AssessmentEstimate:
    async with ctx.unit_of_work() as uow:
        batch = await require_batch(uow.repo, owner_id, batch_id)
        essays = await uow.repo.essays_of(batch_id)
        texts = await uow.repo.texts_by_id([essay.text_id for essay in essays])
    if len(essays) < MIN_ESSAYS:
        raise ConflictError(
            f"A batch needs at least {MIN_ESSAYS} essays to be assessed; this one has {len(essays)}",
            details={"batch_id": str(batch_id), "essay_count": len(essays)},
        )
    # Prompts show each essay stripped; its characters are what the tokens are counted from.
    characters = sum(max(1, len(texts[essay.text_id].content.strip())) for essay in essays)
    question = AssessmentEstimateRequest(
        essay_count=len(essays),
        total_words=sum(essay.word_count for essay in essays),
        total_characters=characters,
        assignment_id=request.assignment_id or batch.assignment_id,
        language=request.language,
        llm=request.llm,
        budget=request.budget,
    )
    estimate = await ctx.estimates.estimate(owner_id, question)
    return estimate.model_copy(update={"batch_id": batch_id})
