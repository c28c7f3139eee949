"""The internal HTTP API: 202 with queue ids, idempotent resubmission, 400s, 429 on overflow, reads."""

from common_core.topics import Topic
from services.llm_provider_service.tests.integration.conftest import HEADERS, wave


async def test_a_wave_is_accepted_and_each_comparison_reaches_done(harness):
    async with harness.app() as app:
        client = app.test_client()
        body = wave(harness.topic, [("strong", "weak"), ("weak", "middling")])
        response = await client.post("/internal/v1/comparisons", json=body, headers=HEADERS)
        assert response.status_code == 202
        accepted = (await response.get_json())["accepted"]
        assert [a["request_id"] for a in accepted] == ["r0", "r1"]
        assert all(a["state"] == "queued" and a["queue_id"] for a in accepted)
        await harness.wait_for_outcomes(2)
        state = await (await client.get("/internal/v1/comparisons/r0", headers=HEADERS)).get_json()
        assert state["state"] == "done"
        assert state["attempts"] == 1
        assert state["queue_id"] == accepted[0]["queue_id"]
        missing = await client.get("/internal/v1/comparisons/nope", headers=HEADERS)
        assert missing.status_code == 404
        assert (await missing.get_json())["error"]["code"] == "NOT_FOUND"


async def test_a_resubmitted_request_id_does_nothing_and_reports_its_state(harness):
    async with harness.app(workers_enabled=False) as app:
        client = app.test_client()
        body = wave(harness.topic, [("strong", "weak")])
        first = await (await client.post("/internal/v1/comparisons", json=body, headers=HEADERS)).get_json()
        again = await client.post("/internal/v1/comparisons", json=body, headers=HEADERS)
        assert again.status_code == 202
        assert (await again.get_json()) == first
        queue = await (await client.get("/internal/v1/queue", headers=HEADERS)).get_json()
        assert queue["total"] == 1
    async with harness.app() as app:  # a worker finishes it; a third submission reports "done"
        await harness.wait_for_outcomes(1)
        client = app.test_client()
        third = await (await client.post("/internal/v1/comparisons", json=body, headers=HEADERS)).get_json()
        assert third["accepted"][0] == {**first["accepted"][0], "state": "done"}
    await harness.wait_for_delivery()
    assert [c.data.request_id for c in await harness.callbacks()] == ["r0"]


async def test_invalid_requests_are_400_with_field_details(harness):
    async with harness.app(workers_enabled=False) as app:
        client = app.test_client()

        async def rejected(body):
            response = await client.post("/internal/v1/comparisons", json=body, headers=HEADERS)
            assert response.status_code == 400
            error = (await response.get_json())["error"]
            assert error["code"] == "VALIDATION_ERROR"
            return error

        error = await rejected(wave(harness.topic, [("strong", "weak")], model="gpt-17"))
        assert "comparisons[0].overrides.model" in error["details"]["fields"]
        await rejected(wave(harness.topic, [("strong", "weak")], provider="acme"))
        await rejected(wave(harness.topic, [("strong", "nobody")]))
        await rejected(wave(harness.topic, [("strong", "weak")], batching_mode="carrier_pigeon"))
        error = await rejected(wave(harness.topic, [("strong", "weak")], provider="openai"))
        assert "no API key" in error["details"]["fields"]["comparisons[0].overrides.provider"]
        error = await rejected(wave(harness.topic, [("strong", "weak")], batching_mode="provider_batch_api"))
        assert "comparisons[0].overrides.batching_mode" in error["details"]["fields"]
        error = await rejected(wave(Topic.CJ_ASSESSMENT_REQUESTED.value, [("strong", "weak")]))
        assert "CJAssessmentRequestedV1" in error["details"]["fields"]["callback_topic"]
        error = await rejected(wave("no spaces allowed", [("strong", "weak")]))
        assert "callback_topic" in error["details"]["fields"]
        queue = await (await client.get("/internal/v1/queue", headers=HEADERS)).get_json()
        assert queue["total"] == 0
        # Any other topic is the caller's choice (a test or a private callback topic).
        other = await client.post(
            "/internal/v1/comparisons", json=wave("test.private.callbacks", [("strong", "weak")]), headers=HEADERS
        )
        assert other.status_code == 202


async def test_internal_auth_is_required(harness):
    async with harness.app(workers_enabled=False) as app:
        client = app.test_client()
        body = wave(harness.topic, [("strong", "weak")])
        assert (await client.post("/internal/v1/comparisons", json=body)).status_code == 401
        other = {**HEADERS, "X-Service-ID": "content_service"}
        assert (await client.post("/internal/v1/comparisons", json=body, headers=other)).status_code == 403
        assert (await client.get("/internal/v1/queue", headers=other)).status_code == 403


async def test_an_overflowing_wave_is_429_with_retry_after_and_nothing_is_queued(harness):
    async with harness.app(workers_enabled=False, queue_capacity=3, queue_full_retry_after_s=12) as app:
        client = app.test_client()
        ok = await client.post(
            "/internal/v1/comparisons", json=wave(harness.topic, [("strong", "weak")]), headers=HEADERS
        )
        assert ok.status_code == 202
        pairs = [("strong", "weak"), ("weak", "middling"), ("middling", "strong")]
        full = await client.post(
            "/internal/v1/comparisons", json=wave(harness.topic, pairs, prefix="x"), headers=HEADERS
        )
        assert full.status_code == 429
        assert full.headers["Retry-After"] == "12"
        assert (await full.get_json())["error"]["code"] == "RATE_LIMITED"
        queue = await (await client.get("/internal/v1/queue", headers=HEADERS)).get_json()
        assert queue["total"] == 1  # all or nothing: none of the overflowing wave was accepted


async def test_providers_and_queue_depth_are_reported(harness):
    async with harness.app(workers_enabled=False) as app:
        client = app.test_client()
        body = wave(harness.topic, [("strong", "weak"), ("weak", "middling")], batching_mode="serial_bundle")
        await client.post("/internal/v1/comparisons", json=body, headers=HEADERS)
        await client.post(
            "/internal/v1/comparisons", json=wave(harness.topic, [("strong", "middling")], prefix="p"), headers=HEADERS
        )
        queue = await (await client.get("/internal/v1/queue", headers=HEADERS)).get_json()
        assert queue["total"] == 3
        assert queue["oldest_age_s"] is not None
        assert {(r["mode"], r["depth"]) for r in queue["ready"]} == {("serial_bundle", 2), ("per_request", 1)}
        providers = (await (await client.get("/internal/v1/providers", headers=HEADERS)).get_json())["providers"]
        assert providers["mock"]["configured"] is True
        assert providers["mock"]["circuit_breaker"] == "closed"
        assert providers["openai"]["configured"] is False
        gpt = next(m for m in providers["openai"]["models"] if m["model"] == "gpt-5-mini")
        assert gpt["limits"]["rpm"] > 0
        assert gpt["price_per_million_usd"]["cached_input"] < gpt["price_per_million_usd"]["input"]
        health = await client.get("/healthz")
        assert health.status_code == 200
