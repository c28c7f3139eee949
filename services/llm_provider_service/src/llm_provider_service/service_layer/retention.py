"""The retention policy's pass over LPS's database (``HULEEDU_RETENTION_PERIOD``, docs/data-protection.md).

LPS keeps no aggregate anyone reads, so both settings of ``HULEEDU_RETENTION_KEEP_AGGREGATES`` purge the same:

* outcome rows (state, attempts, error code, provider, model: no text) older than the period; but never
  while a comparison of the same request id can still be at work (``Settings.erasure_tombstone_s``), since
  the row is what makes a second attempt at a request emit no second callback;
* ended provider batch jobs, with their items (each item's request body is the rendered prompt, with the
  essays), whose job ended before the cutoff. A job still open is never touched;
* erased batches' tombstones older than their own lifetime (the longest a comparison can live), which
  otherwise only go when a later erasure happens to run. They hold ids only; the period does not shorten
  it, or a comparison still at work could store an erased batch's outcome.

The texts in Redis expire on their own within hours (``text_ttl_s``), so the period never matters for them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from llm_provider_service.service_layer.ports import RetentionStore


async def purge_expired(
    store: RetentionStore, cutoff: datetime, *, comparison_lifetime_s: float, now: datetime | None = None
) -> dict[str, int]:
    """One pass; what went, by kind."""
    lifetime_cutoff = (now or datetime.now(UTC)) - timedelta(seconds=comparison_lifetime_s)
    outcomes = await store.purge_outcomes(min(cutoff, lifetime_cutoff))
    jobs, items = await store.purge_ended_batch_jobs(cutoff)
    tombstones = await store.purge_tombstones(lifetime_cutoff)
    return {"outcomes": outcomes, "batch_jobs": jobs, "batch_job_items": items, "tombstones": tombstones}
