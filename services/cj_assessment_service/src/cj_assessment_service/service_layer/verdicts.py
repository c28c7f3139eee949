"""A job's recorded verdicts in engine indices (the shared input of waves and the finaliser)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters import job_store
from cj_assessment_service.domain.cj_loop import Verdict


async def load_verdicts(session: AsyncSession, job_id: uuid.UUID, essays: Sequence[Row[Any]]) -> list[Verdict]:
    index = {e.essay_id: e.item_index for e in essays}
    verdicts: list[Verdict] = []
    for pair in await job_store.load_pairs(session, job_id, status=job_store.DONE):
        first, second = index[pair.essay_a_id], index[pair.essay_b_id]
        verdicts.append(Verdict(first, second, first if pair.winner == "A" else second))
    return verdicts
