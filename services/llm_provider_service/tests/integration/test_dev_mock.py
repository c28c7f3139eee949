"""The dev-only mock settings routes: live in dev mode, invisible otherwise."""

from services.llm_provider_service.tests.integration.conftest import HEADERS, wave


async def test_dev_mode_can_switch_the_mock_profile_at_runtime(harness):
    async with harness.app() as app:
        client = app.test_client()
        before = await (await client.get("/internal/v1/dev/mock", headers=HEADERS)).get_json()
        assert before["judge"]["profile"] == "heuristic"
        updated = await client.put("/internal/v1/dev/mock", json={"profile": "first_position"}, headers=HEADERS)
        assert (await updated.get_json())["judge"]["profile"] == "first_position"
        bad = await client.put("/internal/v1/dev/mock", json={"rate_429": 3}, headers=HEADERS)
        assert bad.status_code == 400
        response = await client.post(
            "/internal/v1/comparisons", json=wave(harness.topic, [("weak", "strong")]), headers=HEADERS
        )
        assert response.status_code == 202
        await harness.wait_for_outcomes(1)
        await harness.wait_for_delivery()
    [callback] = await harness.callbacks()
    assert callback.data.winner == "A"  # the weak essay, shown first: the bias profile, not the heuristic


async def test_outside_dev_mode_the_routes_do_not_exist(harness):
    headers = {**HEADERS, "X-Internal-API-Key": "a-real-key"}
    async with harness.app(workers_enabled=False, HULEEDU_DEV_MODE=False, HULEEDU_INTERNAL_API_KEY="a-real-key") as app:
        client = app.test_client()
        assert (await client.get("/internal/v1/dev/mock", headers=headers)).status_code == 404
        assert (await client.put("/internal/v1/dev/mock", json={"profile": "coin"}, headers=headers)).status_code == 404
