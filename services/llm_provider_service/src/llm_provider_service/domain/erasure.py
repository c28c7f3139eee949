"""What erasing a deleted batch removed, by kind (the erasure metric's labels)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredErasure:
    """What an erasure removed from the LPS database.

    ``batch_jobs``: provider batch jobs left without items (an open one is then cancelled);
    ``callbacks``: outbox rows of the batch's outcomes, sent or not.
    """

    outcomes: int
    callbacks: int
    batch_job_items: int
    batch_jobs: int


def erased_counts(*, queued: int, texts: int, stored: StoredErasure) -> dict[str, int]:
    """The erasure metric's count per kind; a provider batch item is a comparison too."""
    return {
        "texts": texts,
        "comparisons": queued + stored.batch_job_items,
        "outcomes": stored.outcomes,
        "callbacks": stored.callbacks,
        "batch_jobs": stored.batch_jobs,
    }
