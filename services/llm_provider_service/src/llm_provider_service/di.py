"""Dishka wiring: the shared infrastructure plus the service's queue, providers, writer, worker, relays,
the batch.deleted consumer and the retention pass."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from dishka import Provider, Scope, from_context, provide
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.events.registry import EventRegistry
from common_core.llm import LLMProvider
from huleedu_service_libs.background import Messaging, SessionHandler
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import OutboxRelay
from llm_provider_service.adapters.batch_job_store import BatchJobStore
from llm_provider_service.adapters.erased_batches import SqlBatchErasure
from llm_provider_service.adapters.outcome_store import OutcomeStore
from llm_provider_service.adapters.providers.base import ProviderAdapter
from llm_provider_service.adapters.providers.pool import ProviderPool
from llm_provider_service.adapters.redis_queue import RedisQueue
from llm_provider_service.adapters.retention import SqlRetention
from llm_provider_service.adapters.tables import outbox, processed_events
from llm_provider_service.config import Settings
from llm_provider_service.domain.model_table import ModelTable
from llm_provider_service.entrypoints.consumers import batch_deleted_subscriptions
from llm_provider_service.service_layer.batch_jobs import BatchJobManager, BatchPolicy
from llm_provider_service.service_layer.callbacks import CallbackWriter
from llm_provider_service.service_layer.catalogue import Catalogue
from llm_provider_service.service_layer.erasure import BatchErasure
from llm_provider_service.service_layer.estimates import EstimatePolicy, UsageEstimator
from llm_provider_service.service_layer.guards import ProviderGuards
from llm_provider_service.service_layer.processing import ComparisonProcessor, ProcessingPolicy
from llm_provider_service.service_layer.submission import SubmissionService
from llm_provider_service.service_layer.worker import QueueWorker


@dataclass(frozen=True)
class OutboxRelays:
    """How many relays run, and how to build one: a stopped relay is not reused, so each restart builds anew."""

    count: int
    new: Callable[[], OutboxRelay]


@dataclass(frozen=True)
class Kafka:
    """LPS's one producer. Not started at boot (LPS boots and accepts work while Kafka is down): the
    relays start it when they first have callbacks, the batch.deleted consumer's runner before it consumes."""

    publisher: EventPublisher


@dataclass(frozen=True)
class BatchDeletedConsumer:
    """What the batch.deleted consumer loop is built from (``BackgroundBuilder.consumer``)."""

    messaging: Messaging
    group: str
    subscriptions: dict[type[BaseModel], SessionHandler]


# Redis connections of the queue's client; more concurrent commands wait for a free one.
QUEUE_REDIS_CONNECTIONS = 50
# The batch.deleted consumer's group (tests use one of their own).
BATCH_DELETED_GROUP = "llm_provider_service.batch_deleted"


class LlmProviderServiceProvider(Provider):
    """``registry`` decides the callback topic and where batch.deleted is read (tests map both to fresh
    topics); ``adapters`` replaces provider adapters (tests point them at fake servers)."""

    settings = from_context(provides=Settings, scope=Scope.APP)

    def __init__(
        self,
        registry: EventRegistry,
        adapters: dict[LLMProvider, ProviderAdapter] | None = None,
        consumer_group: str = BATCH_DELETED_GROUP,
    ) -> None:
        super().__init__()
        self._registry = registry
        self._adapters = adapters
        self._consumer_group = consumer_group

    @provide(scope=Scope.APP)
    def registry(self) -> EventRegistry:
        return self._registry

    @provide(scope=Scope.APP)
    def models(self, settings: Settings) -> ModelTable:
        return ModelTable.load(mock_max_concurrency=settings.mock_max_concurrency)

    @provide(scope=Scope.APP)
    async def queue(self, settings: Settings) -> AsyncIterator[RedisQueue]:
        # A client of its own: the shared one's pool raises "Too many connections" once 100 are
        # busy, while the workers at full concurrency should wait briefly for a connection.
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=QUEUE_REDIS_CONNECTIONS,
            timeout=10,
            socket_timeout=5,
            socket_connect_timeout=5,
        )
        client = aioredis.Redis.from_pool(pool)
        # Texts outlive every item that refers to them; an erased batch is remembered as long as one
        # of its comparisons may still be at work.
        yield RedisQueue(
            client,
            settings.redis_key_prefix,
            text_ttl_s=settings.text_ttl_s,
            tombstone_ttl_s=settings.erasure_tombstone_s,
        )
        await client.aclose()

    @provide(scope=Scope.APP)
    def store(self, sessions: async_sessionmaker[AsyncSession]) -> OutcomeStore:
        return OutcomeStore(sessions)

    @provide(scope=Scope.APP)
    async def providers(self, settings: Settings) -> AsyncIterator[ProviderPool]:
        pool = ProviderPool(settings, self._adapters)
        yield pool
        await pool.aclose()

    @provide(scope=Scope.APP)
    def catalogue(
        self, models: ModelTable, providers: ProviderPool, guards: ProviderGuards, settings: Settings
    ) -> Catalogue:
        return Catalogue(
            models=models, providers=providers, guards=guards, serial_bundle_size=settings.serial_bundle_size
        )

    @provide(scope=Scope.APP)
    def estimator(self, models: ModelTable, providers: ProviderPool, settings: Settings) -> UsageEstimator:
        return UsageEstimator(models=models, providers=providers, policy=EstimatePolicy.from_settings(settings))

    @provide(scope=Scope.APP)
    def guards(self, settings: Settings) -> ProviderGuards:
        return ProviderGuards(
            failure_threshold=settings.breaker_failure_threshold,
            cooldown_s=settings.breaker_cooldown_s,
            default_max_concurrency=settings.default_max_concurrency,
        )

    @provide(scope=Scope.APP)
    def writer(self, store: OutcomeStore) -> CallbackWriter:
        return CallbackWriter(store)

    @provide(scope=Scope.APP)
    def processor(
        self,
        queue: RedisQueue,
        writer: CallbackWriter,
        store: OutcomeStore,
        providers: ProviderPool,
        guards: ProviderGuards,
        models: ModelTable,
        registry: EventRegistry,
        settings: Settings,
    ) -> ComparisonProcessor:
        return ComparisonProcessor(
            queue=queue,
            writer=writer,
            store=store,
            providers=providers,
            guards=guards,
            models=models,
            registry=registry,
            policy=ProcessingPolicy(
                max_attempts=settings.max_attempts,
                retry_base_s=settings.retry_base_s,
                retry_cap_s=settings.retry_cap_s,
                justification_max_chars=settings.justification_max_chars,
                service_name=settings.service_name,
            ),
        )

    @provide(scope=Scope.APP)
    def batch_job_store(self, sessions: async_sessionmaker[AsyncSession]) -> BatchJobStore:
        return BatchJobStore(sessions)

    @provide(scope=Scope.APP)
    def batch_jobs(
        self,
        store: BatchJobStore,
        queue: RedisQueue,
        processor: ComparisonProcessor,
        models: ModelTable,
        providers: ProviderPool,
        settings: Settings,
    ) -> BatchJobManager:
        return BatchJobManager(
            store=store,
            queue=queue,
            processor=processor,
            models=models,
            clients=providers.batch_client,
            realtime=providers.body_retrier,
            policy=BatchPolicy(
                poll_interval_s=settings.batch_api_poll_interval_s,
                max_age_s=settings.batch_api_max_age_s,
                justification_max_chars=settings.justification_max_chars,
                retry_base_s=settings.retry_base_s,
                retry_cap_s=settings.retry_cap_s,
            ),
        )

    @provide(scope=Scope.APP)
    def worker(
        self,
        queue: RedisQueue,
        processor: ComparisonProcessor,
        guards: ProviderGuards,
        models: ModelTable,
        batch_jobs: BatchJobManager,
        settings: Settings,
    ) -> QueueWorker:
        return QueueWorker(
            queue=queue,
            processor=processor,
            guards=guards,
            models=models,
            bundle_size=settings.serial_bundle_size,
            lease_s=settings.lease_s,
            idle_poll_s=settings.worker_idle_poll_s,
            maintenance_interval_s=settings.maintenance_interval_s,
            batch_job_size=settings.batch_api_max_items,
            create_batch_job=batch_jobs.create_job,
        )

    @provide(scope=Scope.APP)
    def submissions(
        self,
        queue: RedisQueue,
        store: OutcomeStore,
        batch_jobs: BatchJobStore,
        models: ModelTable,
        providers: ProviderPool,
        settings: Settings,
        registry: EventRegistry,
        worker: QueueWorker,
    ) -> SubmissionService:
        return SubmissionService(
            queue=queue,
            store=store,
            batch_jobs=batch_jobs,
            models=models,
            providers=providers,
            settings=settings,
            registry=registry,
            on_submitted=worker.wake,
        )

    @provide(scope=Scope.APP)
    async def kafka(self, settings: Settings) -> AsyncIterator[Kafka]:
        publisher = EventPublisher(settings.kafka_bootstrap_servers, settings.service_name)
        yield Kafka(publisher)
        await publisher.stop()

    @provide(scope=Scope.APP)
    def relays(self, engine: AsyncEngine, settings: Settings, kafka: Kafka) -> OutboxRelays:
        # The relays start the publisher when they first have rows: LPS boots and keeps accepting
        # work while Kafka is down, and the callbacks wait in the outbox. Several relays claim
        # disjoint rows (SKIP LOCKED), so callbacks go out in parallel.
        def new_relay() -> OutboxRelay:
            return OutboxRelay(
                engine,
                outbox,
                kafka.publisher,
                settings.service_name,
                published_retention_s=settings.outbox_published_retention_s,
            )

        return OutboxRelays(settings.outbox_relays, new_relay)

    @provide(scope=Scope.APP)
    def retention(self, sessions: async_sessionmaker[AsyncSession]) -> SqlRetention:
        return SqlRetention(sessions)

    @provide(scope=Scope.APP)
    def erasure(self, queue: RedisQueue, settings: Settings) -> BatchErasure:
        return BatchErasure(queue=queue, remember_s=settings.erasure_tombstone_s)

    @provide(scope=Scope.APP)
    def batch_deleted_consumer(
        self,
        settings: Settings,
        kafka: Kafka,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        erasure: BatchErasure,
    ) -> BatchDeletedConsumer:
        # The runner starts the shared, lazily started producer itself (for dead letters).
        messaging = Messaging(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            service_name=settings.service_name,
            publisher=kafka.publisher,
            engine=engine,
            sessions=sessions,
            processed_events=processed_events,
            registry=self._registry,
            outbox=outbox,
            published_retention_s=settings.outbox_published_retention_s,
        )
        return BatchDeletedConsumer(
            messaging, self._consumer_group, batch_deleted_subscriptions(erasure, SqlBatchErasure)
        )
