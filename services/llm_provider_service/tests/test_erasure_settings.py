"""An erased batch is remembered as long as any of its comparisons can still be at work."""

from llm_provider_service.config import Settings
from llm_provider_service.domain.erasure import StoredErasure, erased_counts


def test_the_tombstone_outlives_a_queued_comparison_and_a_provider_batch_job():
    settings = Settings(HULEEDU_DEV_MODE=True, database_url="postgresql://unused/lps")
    assert settings.erasure_tombstone_s >= settings.text_ttl_s > settings.item_ttl_s + settings.lease_s
    # A batch job is polled until its age limit, one more poll and the poller's lease later.
    assert settings.erasure_tombstone_s >= settings.batch_api_max_age_s + settings.batch_api_poll_interval_s + 60
    short_jobs = Settings(HULEEDU_DEV_MODE=True, database_url="postgresql://unused/lps", batch_api_max_age_s=60)
    assert short_jobs.erasure_tombstone_s == short_jobs.text_ttl_s  # then the queue's lifetime is the longest


def test_provider_batch_items_count_as_erased_comparisons():
    stored = StoredErasure(outcomes=3, callbacks=2, batch_job_items=4, batch_jobs=1)
    assert erased_counts(queued=5, texts=7, stored=stored) == {
        "texts": 7,
        "comparisons": 9,
        "outcomes": 3,
        "callbacks": 2,
        "batch_jobs": 1,
    }
