"""Every metric declared in metrics.py is emitted once the service has done its work (PITFALLS)."""

import asyncio
import uuid

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.parser import text_string_to_metric_families

from common_core.llm import LLMProvider
from llm_provider_service import metrics
from services.llm_provider_service.tests.fake_http import FakeServer
from services.llm_provider_service.tests.integration.conftest import HEADERS, wave
from services.llm_provider_service.tests.integration.fake_batch_providers import FakeOpenAIBatch
from services.llm_provider_service.tests.integration.recording import RecordingMock


async def test_every_declared_metric_appears_in_metrics_after_real_work(harness):
    async with harness.app(workers_enabled=False, item_ttl_s=0.3) as app:
        await app.test_client().post(
            "/internal/v1/comparisons", json=wave(harness.topic, [("strong", "weak")], prefix="e"), headers=HEADERS
        )
    await asyncio.sleep(0.5)
    judge = RecordingMock(corrupt_pair=1)
    batch_provider = FakeOpenAIBatch()
    batch_provider.finished = True
    async with (
        FakeServer(batch_provider) as server,
        harness.app(
            adapters={LLMProvider.MOCK: judge},
            default_batching_mode="serial_bundle",
            openai_base_url=server.url,
            openai_api_key="sk-test",
            batch_api_poll_interval_s=0.2,
        ) as app,
    ):
        client = app.test_client()
        pairs = [("strong", "weak"), ("weak", "middling"), ("middling", "strong")]
        await client.post("/internal/v1/comparisons", json=wave(harness.topic, pairs), headers=HEADERS)
        batch = wave(
            harness.topic,
            [*pairs, ("weak", "strong")],
            prefix="b",
            provider="openai",
            model="gpt-4.1",
            batching_mode="provider_batch_api",
        )
        await client.post("/internal/v1/comparisons", json=batch, headers=HEADERS)
        await harness.wait_for_outcomes(8)
        deleted = wave(harness.topic, [("strong", "middling")], prefix="x")  # a batch its owner then deletes
        deleted["batch_id"] = str(batch_id := uuid.uuid4())
        await client.post("/internal/v1/comparisons", json=deleted, headers=HEADERS)
        await harness.publish(harness.deleted(batch_id))
        await harness.wait_until_erased(batch_id)
        await asyncio.sleep(0.5)  # one more maintenance run refreshes the gauges
        text = (await (await client.get("/metrics")).get_data()).decode()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    declared = [value for value in vars(metrics).values() if isinstance(value, Counter | Gauge | Histogram)]
    assert len(declared) >= 15
    for metric in declared:
        family = families.get(metric._name)
        assert family is not None, f"{metric._name} is declared but not in /metrics"
        assert family.samples, f"{metric._name} has no samples"
        if isinstance(metric, Counter):
            assert any(s.value > 0 for s in family.samples if s.name.endswith("_total")), metric._name
        if isinstance(metric, Histogram):
            assert any(s.value > 0 for s in family.samples if s.name.endswith("_count")), metric._name
