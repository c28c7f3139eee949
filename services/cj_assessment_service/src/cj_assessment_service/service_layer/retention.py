"""The retention policy's pass over CJ's jobs (``HULEEDU_RETENTION_PERIOD``, docs/data-protection.md).

A job that finished (completed, or failed, cancelled included) before the cutoff loses its per-essay data:
the essays' texts, names and results, the comparisons with their justifications, and its moderation (the
teachers' verdicts, the colleagues invited with the emails they were invited by). With aggregates kept,
the job row stays with its state, stop reason, reliabilities, waves' reliabilities and dates, plus the
figures the read API would otherwise count from the deleted rows (``domain/aggregates.py``); without, the
job goes entirely. A job still running is never touched, whatever its age.

The tombstones (``erased_batches``, ``erased_essays``) stay: they hold ids only, and they are what keeps a late
redelivery of an erased batch's request (Kafka keeps records for days, and a reset consumer group replays
them) from storing its texts again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cj_assessment_service.domain.aggregates import JobAggregates
from cj_assessment_service.service_layer.ports import UnitOfWorkFactory

JOBS_PER_TRANSACTION = 20


async def purge_expired(uows: UnitOfWorkFactory, cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
    """Purge every due job, up to ``JOBS_PER_TRANSACTION`` per transaction; what went, by kind."""
    purged = {"jobs": 0, "essays": 0, "comparisons": 0}
    while True:
        async with uows() as uow:
            due = await uow.jobs.finished_before(cutoff, JOBS_PER_TRANSACTION, unpurged_only=keep_aggregates)
            if keep_aggregates:
                now = datetime.now(UTC)
                for job_id in due:
                    job = await uow.jobs.get(job_id)
                    if job is None:
                        continue
                    await uow.jobs.load_counts(job)
                    await uow.jobs.load_pairs(job)
                    aggregates = JobAggregates.of(job, await uow.jobs.student_grades(job_id))
                    rows = await uow.jobs.purge(job_id, aggregates, now)
                    purged["essays"] += rows.essays
                    purged["comparisons"] += rows.comparisons
            else:
                rows = await uow.jobs.delete_jobs(due)
                purged["essays"] += rows.essays
                purged["comparisons"] += rows.comparisons
            purged["jobs"] += len(due)
        if len(due) < JOBS_PER_TRANSACTION:
            return purged
