"""The queue worker: claims work lane by lane within each model's concurrency, and keeps the queue tidy.

One worker runs per LPS process; several processes share the Redis queue safely because every
claim is atomic. Each claimed group runs as its own task under a lease that a heartbeat
extends; a process that dies simply stops extending, and the items come back. The claim loop
(:meth:`QueueWorker.run`) is supervised (``entrypoints/background.py``): if it dies, the groups it
started carry on, and the restarted loop runs on the same instance.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import structlog

from common_core.llm import BatchingMode
from llm_provider_service import metrics
from llm_provider_service.adapters.redis_queue import RedisQueue
from llm_provider_service.domain.circuit_breaker import BreakerState
from llm_provider_service.domain.model_table import ModelTable
from llm_provider_service.domain.work import CallSettings, ClaimedComparison
from llm_provider_service.service_layer.guards import ProviderGuards
from llm_provider_service.service_layer.processing import ComparisonProcessor, now_ms

log = structlog.get_logger(__name__)

# per_request items claimed per round trip, so one busy lane cannot starve the others.
PER_REQUEST_CLAIM_MAX = 32


class QueueWorker:
    def __init__(
        self,
        *,
        queue: RedisQueue,
        processor: ComparisonProcessor,
        guards: ProviderGuards,
        models: ModelTable,
        bundle_size: int,
        lease_s: float,
        idle_poll_s: float,
        maintenance_interval_s: float,
        batch_job_size: int,
        create_batch_job: Callable[[CallSettings, Sequence[ClaimedComparison]], Awaitable[None]],
    ) -> None:
        self._queue = queue
        self._processor = processor
        self._guards = guards
        self._models = models
        self._bundle_size = bundle_size
        self._lease_ms = int(lease_s * 1000)
        self._idle_poll_s = idle_poll_s
        self._maintenance_interval_s = maintenance_interval_s
        self._batch_job_size = batch_job_size
        self._create_batch_job = create_batch_job
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """New work or a free slot: look at the queue now rather than after the idle poll."""
        self._wake.set()

    async def run(self) -> None:
        log.info("queue_worker_started")
        policy = await self._queue.eviction_policy()
        if policy is not None and policy != "noeviction":
            # The queue is the only copy of a waiting request: an evicting Redis can lose it.
            log.error("redis_may_evict_queued_comparisons", maxmemory_policy=policy)
        last_maintenance = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                if loop.time() - last_maintenance >= self._maintenance_interval_s:
                    await self.maintain()
                    last_maintenance = loop.time()
                self._wake.clear()
                claimed = await self.dispatch_once()
            except Exception as exc:  # Redis or the database is unreachable: wait it out
                log.warning("queue_worker_cycle_failed", error=str(exc))
                claimed = 0
            if not claimed and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_poll_s):
                        await self._wake.wait()
        log.info("queue_worker_stopped")

    def stop(self) -> None:
        """Ask :meth:`run` to stop claiming and return; the groups it started go on (see :meth:`drain`)."""
        self._stopping = True
        self._wake.set()

    async def drain(self, grace_s: float) -> None:
        """Let in-flight groups finish within ``grace_s``, then cancel the rest.

        A cancelled group keeps its lease until it runs out, so its items are processed again.
        """
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def maintain(self) -> None:
        now = now_ms()
        result = await self._queue.maintain(now_ms=now, lease_ms=self._lease_ms)
        if result.reclaimed:
            log.warning("leases_expired_items_requeued", count=result.reclaimed)
        for claimed in result.expired:
            await self._processor.expire(claimed)
        count, leased, delayed, oldest = await self._queue.totals()
        metrics.QUEUE_DEPTH.labels("ready").set(max(0, count - leased - delayed))
        metrics.QUEUE_DEPTH.labels("leased").set(leased)
        metrics.QUEUE_DEPTH.labels("delayed").set(delayed)
        metrics.QUEUE_OLDEST_AGE.set(max(0.0, (now - oldest) / 1000) if oldest is not None else 0.0)
        self._guards.publish_breaker_states()

    async def dispatch_once(self) -> int:
        """Claim what each lane's model has room for; returns the number of items claimed."""
        claimed_total = 0
        for lane, settings in await self._queue.lanes():
            if self._stopping:
                break
            breaker = self._guards.breaker(settings.provider)
            if not breaker.accepting:
                continue  # fail fast: the provider's requests wait in the queue until it recovers
            breaker_state = breaker.state
            spec = self._models.find(settings.provider, settings.model)
            while (free := self._guards.free_slots(spec, settings.provider, settings.model)) > 0:
                if breaker_state is BreakerState.HALF_OPEN:
                    free = 1  # one probe call; the rest wait until it tells whether the provider is back
                count = {
                    BatchingMode.SERIAL_BUNDLE: self._bundle_size,
                    BatchingMode.PROVIDER_BATCH_API: self._batch_job_size,
                }.get(settings.mode, min(free, PER_REQUEST_CLAIM_MAX))
                claimed = await self._queue.claim(lane, count, now_ms=now_ms(), lease_ms=self._lease_ms)
                if not claimed:
                    break
                claimed_total += len(claimed)
                # A bundle or a batch job is one provider call (one slot); per_request items claimed
                # together are separate calls (a slot each) that share one task and one heartbeat.
                per_request = settings.mode is BatchingMode.PER_REQUEST
                self._start(settings, claimed, slots=len(claimed) if per_request else 1)
                if len(claimed) < count or breaker_state is BreakerState.HALF_OPEN:
                    break
        return claimed_total

    def _start(self, settings: CallSettings, group: Sequence[ClaimedComparison], slots: int) -> None:
        self._guards.take_slots(settings.provider, settings.model, slots)
        task = asyncio.create_task(self._run_group(settings, group, slots))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_group(self, settings: CallSettings, group: Sequence[ClaimedComparison], slots: int) -> None:
        try:
            async with self._heartbeat(group):
                if settings.mode is BatchingMode.PROVIDER_BATCH_API:
                    await self._create_batch_job(settings, group)
                else:
                    await self._processor.process(group)
        except Exception:  # the lease runs out and another attempt picks the items up
            log.exception("comparison_group_failed", request_ids=[c.item.request_id for c in group])
        finally:
            self._guards.release_slots(settings.provider, settings.model, slots)
            self.wake()

    @contextlib.asynccontextmanager
    async def _heartbeat(self, group: Sequence[ClaimedComparison]) -> AsyncIterator[None]:
        """Extend the group's leases while it is processed (slow providers, rate-limit waits)."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self._lease_ms / 3000)
                try:
                    for claimed in group:
                        await self._queue.extend(claimed, now_ms() + self._lease_ms)
                except Exception as exc:  # Redis blipped: try again next beat, the lease has slack
                    log.warning("lease_extend_failed", error=str(exc))

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
