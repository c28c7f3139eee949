"""provider_batch_api against fake OpenAI Batch and Anthropic Message Batches servers."""

import asyncio

from sqlalchemy import select

from llm_provider_service.adapters.tables import batch_jobs
from services.llm_provider_service.tests.fake_http import FakeServer
from services.llm_provider_service.tests.integration.conftest import HEADERS, wave
from services.llm_provider_service.tests.integration.fake_batch_providers import FakeAnthropicBatch, FakeOpenAIBatch

PAIRS = [("strong", "weak"), ("weak", "middling"), ("middling", "strong"), ("weak", "strong")]


async def job_status(harness):
    async with harness.engine.connect() as conn:
        return [row.status for row in await conn.execute(select(batch_jobs.c.status))]


async def test_an_openai_batch_with_mixed_results_gives_each_item_its_own_callback(harness):
    fake = FakeOpenAIBatch()
    async with (
        FakeServer(fake) as server,
        harness.app(openai_base_url=server.url, openai_api_key="sk-test", batch_api_poll_interval_s=0.2) as app,
    ):
        body = wave(harness.topic, PAIRS, provider="openai", model="gpt-4.1", batching_mode="provider_batch_api")
        response = await app.test_client().post("/internal/v1/comparisons", json=body, headers=HEADERS)
        assert response.status_code == 202

        async def submitted():
            return await job_status(harness) == ["submitted"]

        await harness.wait_until(submitted)
        state = await (await app.test_client().get("/internal/v1/comparisons/r0", headers=HEADERS)).get_json()
        assert state["state"] == "processing"
        assert len(fake.lines) == 4
        assert fake.lines[0]["body"]["response_format"]["type"] == "json_schema"
        assert "Essay A" in fake.lines[0]["body"]["messages"][1]["content"]
        fake.finished = True
        outcomes = await harness.wait_for_outcomes(4)
        await harness.wait_for_delivery()
    assert outcomes["r0"][0] == "done"
    assert outcomes["r1"] == ("done", 2, None)  # unparseable in the batch, retried once in real time
    assert fake.realtime_bodies == [fake.lines[1]["body"]]
    assert outcomes["r2"] == ("failed", 1, "BAD_REQUEST")
    assert outcomes["r3"] == ("failed", 1, "PROVIDER_UNAVAILABLE")
    assert await job_status(harness) == ["ended"]
    callbacks = {c.data.request_id: c.data for c in await harness.callbacks()}
    assert len(callbacks) == 4
    assert callbacks["r0"].winner == "A"
    assert callbacks["r1"].winner == "B"
    assert callbacks["r1"].attempts == 2
    assert callbacks["r0"].batching_mode == "provider_batch_api"
    assert callbacks["r0"].provider_request_id == "req-b0"
    assert abs(callbacks["r0"].cost_usd - (1000 * 2.0 + 50 * 8.0) / 1e6 * 0.5) < 1e-9  # the batch price


async def test_a_restart_in_the_middle_of_an_anthropic_batch_resumes_polling(harness):
    fake = FakeAnthropicBatch()
    async with FakeServer(fake) as server:
        fake.url = server.url
        settings = {"anthropic_base_url": server.url, "anthropic_api_key": "sk-ant", "batch_api_poll_interval_s": 0.2}
        async with harness.app(**settings) as app:
            body = wave(
                harness.topic, PAIRS, provider="anthropic", model="claude-haiku-4-5", batching_mode="provider_batch_api"
            )
            assert (
                await app.test_client().post("/internal/v1/comparisons", json=body, headers=HEADERS)
            ).status_code == 202

            async def submitted():
                return await job_status(harness) == ["submitted"]

            await harness.wait_until(submitted)
        # The first process is gone; the provider finishes the job meanwhile.
        fake.finished = True
        assert await harness.outcomes() == {}
        await asyncio.sleep(0.3)
        async with harness.app(**settings):
            outcomes = await harness.wait_for_outcomes(4)
            await harness.wait_for_delivery()
    assert fake.created == 1  # the job was resumed, not created again
    assert outcomes["r0"][0] == "done"
    assert outcomes["r1"][2] == "BAD_REQUEST"
    assert outcomes["r2"][2] == "EXPIRED"
    assert outcomes["r3"][2] == "EXPIRED"
    callbacks = [c.data for c in await harness.callbacks()]
    assert sorted(c.request_id for c in callbacks) == ["r0", "r1", "r2", "r3"]
    done = next(c for c in callbacks if c.request_id == "r0")
    assert done.usage.input_tokens == 1000
    assert done.usage.cached_input_tokens == 600
