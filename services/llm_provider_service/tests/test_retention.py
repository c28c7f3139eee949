"""The retention pass's cutoffs, against a fake store (the deletions run on PostgreSQL in
tests/integration/test_retention.py)."""

from datetime import UTC, datetime, timedelta

from llm_provider_service.service_layer.retention import purge_expired

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DAY = 86_400.0


class FakeStore:
    def __init__(self) -> None:
        self.asked: dict[str, datetime] = {}

    async def purge_outcomes(self, before: datetime) -> int:
        self.asked["outcomes"] = before
        return 3

    async def purge_ended_batch_jobs(self, before: datetime) -> tuple[int, int]:
        self.asked["batch_jobs"] = before
        return 1, 4

    async def purge_tombstones(self, before: datetime) -> int:
        self.asked["tombstones"] = before
        return 2


async def test_a_long_period_purges_outcomes_and_ended_jobs_from_the_cutoff():
    store = FakeStore()
    cutoff = NOW - timedelta(days=365)

    purged = await purge_expired(store, cutoff, comparison_lifetime_s=DAY, now=NOW)

    assert purged == {"outcomes": 3, "batch_jobs": 1, "batch_job_items": 4, "tombstones": 2}
    assert store.asked == {"outcomes": cutoff, "batch_jobs": cutoff, "tombstones": NOW - timedelta(days=1)}


async def test_a_period_shorter_than_a_comparisons_life_keeps_outcomes_and_tombstones_for_that_life():
    store = FakeStore()
    cutoff = NOW - timedelta(seconds=5)

    await purge_expired(store, cutoff, comparison_lifetime_s=DAY, now=NOW)

    # An outcome is what makes a second attempt at its request emit no second callback.
    assert store.asked["outcomes"] == NOW - timedelta(days=1)
    assert store.asked["tombstones"] == NOW - timedelta(days=1)
    assert store.asked["batch_jobs"] == cutoff  # an ended job's prompts wait for nothing
