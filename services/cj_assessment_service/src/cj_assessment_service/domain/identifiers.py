"""Deterministic ids: replaying a plan or a retry yields the same pair and request ids, so LPS dedupes."""

from __future__ import annotations

import uuid

# Fixed forever: changing it would give a re-planned wave new request ids after an upgrade.
_PAIR_NAMESPACE = uuid.UUID("0c7d6f0e-5f7a-4a8c-9a55-3c1f1de6b2a7")


def job_id_for(batch_id: uuid.UUID, request_id: uuid.UUID) -> uuid.UUID:
    """One job per (batch, request): a redelivered request maps to the same job."""
    return uuid.uuid5(_PAIR_NAMESPACE, f"job:{batch_id}:{request_id}")


def pair_id_for(job_id: uuid.UUID, wave: int, position: int, attempt: int = 1) -> uuid.UUID:
    return uuid.uuid5(_PAIR_NAMESPACE, f"pair:{job_id}:{wave}:{position}:{attempt}")


def request_id_for(pair_id: uuid.UUID) -> str:
    return f"cj-{pair_id}"


MODERATION_REQUEST_PREFIX = "cj-mod-"


def moderation_request_id(job_id: uuid.UUID, first: uuid.UUID, second: uuid.UUID) -> str:
    """One LLM request per job and unordered pair of a teacher's moderation: either order gives the same id."""
    low, high = sorted((first, second))
    return f"{MODERATION_REQUEST_PREFIX}{uuid.uuid5(_PAIR_NAMESPACE, f'moderation:{job_id}:{low}:{high}')}"


def seed_for(job_id: uuid.UUID) -> int:
    """The planner's seed: stable per job, so a replayed wave plans the same pairs."""
    return job_id.int % (2**31 - 1)
