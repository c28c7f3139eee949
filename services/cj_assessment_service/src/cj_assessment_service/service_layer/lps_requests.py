"""LPS's comparison request for a job's comparisons: the job's judging context and LLM settings, the texts as
they may leave the platform, and metadata that lets a callback find its comparison (or be dropped once the
batch or the essay is erased)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from cj_assessment_service.domain.job import Job, JobEssay
from cj_assessment_service.domain.pairs import Pair
from common_core.http.llm_provider import (
    ComparisonBatchRequest,
    ComparisonContext,
    ComparisonItem,
    ComparisonOverrides,
)


def _text_key(item_index: int) -> str:
    # Neutral labels only: ids or "anchor" in a text key could reach the prompt (PITFALLS).
    return f"t{item_index}"


def build_request(
    job: Job, essays: Sequence[JobEssay], pairs: Sequence[Pair], callback_topic: str
) -> ComparisonBatchRequest:
    return request_for(
        job,
        essays,
        [
            (
                p.request_id,
                p.essay_a_id,
                p.essay_b_id,
                {"pair_id": str(p.pair_id), "wave": p.wave, "attempt": p.attempt},
            )
            for p in pairs
        ],
        callback_topic,
    )


def request_for(
    job: Job,
    essays: Sequence[JobEssay],
    comparisons: Sequence[tuple[str, uuid.UUID, uuid.UUID, dict[str, object]]],
    callback_topic: str,
) -> ComparisonBatchRequest:
    """LPS's request for ``comparisons`` (request id, essay shown first, second, metadata of their own) of the
    job, with the job's context and LLM settings; every comparison's metadata names the batch, job and essays."""
    by_id = {e.essay_id: e for e in essays}
    llm = job.llm
    context = job.context
    used = {a for _, a, _, _ in comparisons} | {b for _, _, b, _ in comparisons}
    return ComparisonBatchRequest(
        context=ComparisonContext(
            instructions=context["instructions"] or "",
            rubric=context.get("rubric"),
            student_prompt=context.get("student_prompt"),
            language=job.language,
        ),
        texts={_text_key(by_id[e].item_index): by_id[e].text_for_provider(job.redact_names) for e in used},
        comparisons=[
            ComparisonItem(
                request_id=request_id,
                a=_text_key(by_id[a].item_index),
                b=_text_key(by_id[b].item_index),
                request_metadata={
                    "batch_id": str(job.batch_id),
                    "job_id": str(job.id),
                    **own,
                    "essay_a_id": str(a),
                    "essay_b_id": str(b),
                },
                overrides=ComparisonOverrides(
                    provider=llm.provider,
                    model=llm.model,
                    temperature=llm.temperature,  # None means the provider's default; 0 stays 0
                    reasoning_effort=llm.reasoning_effort,
                    batching_mode=llm.batching_mode,
                ),
            )
            for request_id, a, b, own in comparisons
        ],
        callback_topic=callback_topic,
        batch_id=job.batch_id,
    )
