"""End to end against real Redis, PostgreSQL and Kafka: exactly one terminal callback per request_id."""

import asyncio
import os
import signal
import sys
import uuid
from collections import Counter

from common_core.llm import LLMProvider
from huleedu_service_libs.db import session_factory
from huleedu_service_libs.testing.local_server import free_port, tcp_forwarder
from llm_provider_service.adapters.outcome_store import OutcomeStore
from llm_provider_service.adapters.providers.mock import MockSettings
from llm_provider_service.domain.mock_judge import JudgeSettings
from llm_provider_service.domain.prompts import BUNDLE_TEMPLATE_VERSION, PAIR_TEMPLATE_VERSION
from llm_provider_service.domain.verdicts import Verdict
from llm_provider_service.service_layer.callbacks import CallReport, build_outcome
from services.llm_provider_service.tests.integration.conftest import HEADERS, TEXTS, wave
from services.llm_provider_service.tests.integration.recording import RecordingMock

PAIRS = [("strong", "weak"), ("weak", "strong"), ("middling", "weak"), ("weak", "middling"), ("strong", "middling")]


async def submit(app, body, correlation_id=None):
    headers = {**HEADERS, "X-Correlation-ID": str(correlation_id)} if correlation_id else HEADERS
    response = await app.test_client().post("/internal/v1/comparisons", json=body, headers=headers)
    assert response.status_code == 202, await response.get_data()
    return await response.get_json()


def by_request(callbacks):
    counts = Counter(c.data.request_id for c in callbacks)
    assert all(n == 1 for n in counts.values()), counts  # exactly one callback per request_id
    return {c.data.request_id: c for c in callbacks}


async def test_per_request_callbacks_carry_the_verdict_and_its_accounting(harness):
    correlation_id = uuid.uuid4()
    async with harness.app() as app:
        await submit(app, wave(harness.topic, PAIRS), correlation_id)
        outcomes = await harness.wait_for_outcomes(len(PAIRS))
        await harness.wait_for_delivery()
    assert {state for state, _, _ in outcomes.values()} == {"done"}
    callbacks = by_request(await harness.callbacks())
    assert set(callbacks) == {f"r{i}" for i in range(len(PAIRS))}
    winners = {rid: c.data.winner for rid, c in callbacks.items()}
    assert winners == {"r0": "A", "r1": "B", "r2": "A", "r3": "B", "r4": "A"}  # the mock read the essays
    first = callbacks["r0"]
    assert first.event_type == harness.topic
    assert first.correlation_id == correlation_id
    assert first.data.correlation_id == correlation_id
    assert first.data.request_metadata == {"pair": 0}
    assert first.data.provider is LLMProvider.MOCK
    assert first.data.model == "mock-judge"
    assert first.data.prompt_version == PAIR_TEMPLATE_VERSION
    assert first.data.attempts == 1
    assert first.data.batching_mode == "per_request"
    assert first.data.usage.input_tokens > 0
    assert first.data.usage.output_tokens > 0
    assert first.data.cost_usd == 0.0  # the mock judge is free, and says so (known 0, not unknown)
    assert first.data.confidence in range(1, 6)
    assert first.data.justification
    assert first.data.timings.total_ms >= first.data.timings.provider_ms


async def test_a_bundle_with_one_bad_item_retries_that_item_alone(harness):
    judge = RecordingMock(corrupt_pair=3)
    pairs = [PAIRS[i % len(PAIRS)] for i in range(8)]
    async with harness.app(adapters={LLMProvider.MOCK: judge}, default_batching_mode="serial_bundle") as app:
        await submit(app, wave(harness.topic, pairs))
        outcomes = await harness.wait_for_outcomes(8)
        await harness.wait_for_delivery()
    assert {state for state, _, _ in outcomes.values()} == {"done"}
    # One real bundle call for all eight, then one call for the spoiled item only.
    assert [(c.prompt.version, len(c.pairs)) for c in judge.calls] == [
        (BUNDLE_TEMPLATE_VERSION, 8),
        (PAIR_TEMPLATE_VERSION, 1),
    ]
    callbacks = by_request(await harness.callbacks())
    assert len(callbacks) == 8
    assert callbacks["r2"].data.attempts == 2
    assert callbacks["r2"].data.prompt_version == PAIR_TEMPLATE_VERSION
    others = [c for rid, c in callbacks.items() if rid != "r2"]
    assert all(c.data.attempts == 1 and c.data.prompt_version == BUNDLE_TEMPLATE_VERSION for c in others)
    assert all(c.data.batching_mode == "serial_bundle" for c in callbacks.values())


async def test_an_unparseable_verdict_is_retried_once_then_an_error_never_a_default(harness):
    judge = RecordingMock(settings=MockSettings(judge=JudgeSettings(profile="error_injection"), rate_malformed=1.0))
    async with harness.app(adapters={LLMProvider.MOCK: judge}) as app:
        await submit(app, wave(harness.topic, [("strong", "weak")]))
        outcomes = await harness.wait_for_outcomes(1)
        await harness.wait_for_delivery()
    assert outcomes["r0"] == ("failed", 2, "INVALID_RESPONSE")
    assert len(judge.calls) == 2
    [callback] = await harness.callbacks()
    assert callback.data.winner is None
    assert callback.data.confidence is None
    assert callback.data.error.code == "INVALID_RESPONSE"


async def test_no_essay_id_file_name_or_student_name_reaches_a_prompt(harness):
    judge = RecordingMock()
    secret_ids = {"ANCHOR_grade_A_essay_17": TEXTS["strong"], "astrid_lindgren_uniforms.docx": TEXTS["weak"]}
    body = {
        "context": {"instructions": "Which essay argues better?"},
        "texts": secret_ids,
        "comparisons": [
            {
                "request_id": "cj-job-42-pair-ANCHOR_grade_A_essay_17",
                "a": "ANCHOR_grade_A_essay_17",
                "b": "astrid_lindgren_uniforms.docx",
                "request_metadata": {"student_name": "Astrid Lindgren", "essay_id": "essay-7f3a", "file": "x.pdf"},
            }
        ],
        "callback_topic": harness.topic,
    }
    for expected, mode in enumerate(("per_request", "serial_bundle"), start=1):
        body["comparisons"][0]["request_id"] += mode
        body["comparisons"][0]["overrides"] = {"batching_mode": mode}
        async with harness.app(adapters={LLMProvider.MOCK: judge}) as app:
            await submit(app, body)
            await harness.wait_for_outcomes(expected)
    assert len(judge.calls) == 2
    forbidden = ["ANCHOR", "essay_17", "astrid", "lindgren", "docx", "essay-7f3a", "x.pdf", "cj-job-42"]
    for call in judge.calls:
        prompt = call.prompt.full_text().lower()
        assert not [word for word in forbidden if word.lower() in prompt]
        assert "essay a" in prompt or "essay 1" in prompt


async def test_a_worker_killed_holding_a_lease_loses_nothing_and_one_callback_goes_out(harness):
    async with harness.app(workers_enabled=False) as app:
        await submit(app, wave(harness.topic, [("strong", "weak")]))
    port = free_port()
    env = {
        **os.environ,
        "HULEEDU_DEV_MODE": "1",
        "HULEEDU_LOG_FORMAT": "json",
        "HULEEDU_REDIS_URL": harness.infrastructure.redis_url,
        "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": harness.infrastructure.kafka_bootstrap,
        "LLM_PROVIDER_SERVICE_DATABASE_URL": harness.database_url,
        "LLM_PROVIDER_SERVICE_REDIS_KEY_PREFIX": harness.redis_prefix,
        "LLM_PROVIDER_SERVICE_LEASE_S": "1.5",
        "LLM_PROVIDER_SERVICE_MOCK_LATENCY_MS_MEAN": "600000",  # it holds the item until it is killed
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "llm_provider_service",
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        queue = harness.queue()

        async def claimed():
            state = await queue.state("r0")
            return state is not None and state.state == "processing"

        await harness.wait_until(claimed, timeout_s=120)
    finally:
        worker.send_signal(signal.SIGKILL)  # no shutdown hook runs: the lease is simply never given back
        await asyncio.wait_for(worker.wait(), timeout=30)
    assert await harness.outcomes() == {}
    async with harness.app(lease_s=1.5):
        outcomes = await harness.wait_for_outcomes(1)
        await harness.wait_for_delivery()
    assert outcomes["r0"] == ("done", 2, None)
    [callback] = await harness.callbacks()
    assert callback.data.attempts == 2


async def test_a_worker_that_died_after_its_commit_causes_no_second_callback(harness):
    async with harness.app(workers_enabled=False) as app:
        await submit(app, wave(harness.topic, [("strong", "weak")]))
    queue = harness.queue()
    # Another process claimed the item, committed its outcome and callback, and died before
    # dropping the item from the queue: simulated with the service's own outcome store.
    [claimed] = await queue.claim((await queue.lanes())[0][0], 1, now_ms=0, lease_ms=1)
    outcome = build_outcome(
        claimed,
        verdict=Verdict("A", 4, "first"),
        failure=None,
        report=CallReport(),
        registry=harness.registry,
        service_name="llm_provider_service",
        now_ms=claimed.item.enqueued_ms + 5,
    )
    assert await OutcomeStore(session_factory(harness.engine)).record([outcome]) == {"r0"}
    async with harness.app(lease_s=1.0):

        async def gone():
            return await queue.state("r0") is None

        await harness.wait_until(gone)
        await harness.wait_for_delivery()
    [callback] = await harness.callbacks()
    assert callback.data.justification == "first"


async def test_callbacks_wait_in_the_outbox_while_kafka_is_down_and_go_out_once_it_is_back(harness):
    port = free_port()
    async with harness.app(HULEEDU_KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}") as app:
        await submit(app, wave(harness.topic, PAIRS))
        await harness.wait_for_outcomes(len(PAIRS))
        await asyncio.sleep(1.0)  # the relay has tried and failed meanwhile
        assert await harness.pending_callbacks() == len(PAIRS)
        async with tcp_forwarder(port, harness.infrastructure.kafka_bootstrap):
            await harness.wait_for_delivery(timeout_s=120)
    callbacks = by_request(await harness.callbacks())
    assert set(callbacks) == {f"r{i}" for i in range(len(PAIRS))}


async def test_an_expired_comparison_gets_an_expired_error_callback(harness):
    async with harness.app(workers_enabled=False, item_ttl_s=0.3) as app:
        await submit(app, wave(harness.topic, [("strong", "weak")]))
    await asyncio.sleep(0.5)
    async with harness.app():  # another process picks the queue up and finds the item expired
        outcomes = await harness.wait_for_outcomes(1)
        await harness.wait_for_delivery()
    assert outcomes["r0"][0] == "expired"
    assert outcomes["r0"][2] == "EXPIRED"
    [callback] = await harness.callbacks()
    assert callback.data.winner is None
    assert callback.data.error.code == "EXPIRED"
    assert callback.data.error.retryable is True
