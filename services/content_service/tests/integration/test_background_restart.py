"""A consumer or outbox relay that dies is restarted, and /healthz says so while it is down."""

from common_core.events.batch import EssayUploadedV1
from content_service.config import Settings
from content_service.entrypoints.consumers import CONSUMER, ERASURES
from huleedu_service_libs.background import RELAY
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.outbox import OutboxRelay
from huleedu_service_libs.testing.worker_restarts import HealthWatch, crash_once, worker_restarts
from services.content_service.tests import cj_builders

from .conftest import built


async def healthz(harness) -> tuple[int, dict]:
    response = await harness.call("GET", "/healthz", key=None, service=None, user=None)
    return response.status_code, await response.get_json()


async def test_a_crashed_consumer_and_relay_come_back_and_healthz_fails_meanwhile(
    content_settings: Settings, event_topics, infrastructure, unique_group_id, samples, monkeypatch
):
    # Long enough that /healthz is seen failing, short enough for the test.
    settings = content_settings.model_copy(
        update={"worker_restart_base_seconds": 3.0, "worker_restart_max_seconds": 3.0}
    )
    crashed: list[str] = []
    crash_once(monkeypatch, ConsumerRunner, "_process_batch", crashed)
    crash_once(monkeypatch, OutboxRelay, "_cycle", crashed)

    async with built(settings, event_topics, infrastructure, unique_group_id, samples) as content:
        health = HealthWatch(lambda: healthz(content))

        down = await health.workers_fail()
        assert down["checks"]["workers"]["status"] == "fail"
        await health.recovers()
        assert sorted(crashed) == ["ConsumerRunner", "OutboxRelay"]

        # The restarted relay publishes, and the restarted consumer consumes.
        batch_id = await content.batch_with_essays(count=2)
        await content.read_events(EssayUploadedV1, 2)
        event = cj_builders.completed(batch_id, essays=2, comparisons=1)
        await content.start_assessment(batch_id)
        await content.publish(content.envelope(event), key=batch_id)

        async def completed() -> bool:
            return await content.batch_status(batch_id) == "completed"

        await content.eventually(completed)
        exposition = await (await content.call("GET", "/metrics", key=None, service=None, user=None)).get_data(
            as_text=True
        )
        # The first consumer to poll crashed: the CJ events' or the erasures' (both are ConsumerRunners).
        consumers = sum(worker_restarts(exposition, settings.service_name, w) for w in (CONSUMER, ERASURES))
        assert consumers >= 1.0
        assert worker_restarts(exposition, settings.service_name, RELAY) >= 1.0
