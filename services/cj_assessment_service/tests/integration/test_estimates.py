"""``POST /internal/v1/estimates``: the job a request would start, estimated before it starts (real database,
fake content service, and an LPS stand-in that records what CJ asks it)."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from quart import Quart, request
from quart.typing import ResponseReturnValue

from common_core.http.estimates import AssessmentEstimate, UsageEstimate, UsageEstimateRequest
from huleedu_service_libs.testing.local_server import free_port, served
from services.cj_assessment_service.tests.integration.conftest import Harness, teacher_headers
from services.cj_assessment_service.tests.integration.test_job_end_to_end import create_assignment_with_anchors

CONTENT = "content_service"
BODY = {
    "essay_count": 12,
    "total_words": 4000,
    "total_characters": 24_007,
    "llm": {"provider": "mock", "model": "mock-judge", "batching_mode": "serial_bundle"},
    "budget": {"max_comparisons_per_essay": 10, "target_reliability": 0.8},
}


@dataclass
class LPSStandIn:
    """Answers estimates with one call and 100 input tokens per comparison; ``refuse`` answers 400 instead."""

    asked: list[UsageEstimateRequest] = field(default_factory=list)
    refuse: dict[str, Any] | None = None

    def app(self) -> Quart:
        app = Quart("lps_estimates")

        @app.post("/internal/v1/estimates")
        async def estimate() -> ResponseReturnValue:
            body = UsageEstimateRequest.model_validate(await request.get_json())
            self.asked.append(body)
            if self.refuse is not None:
                return {"error": {"code": "VALIDATION_ERROR", "service": "lps", **self.refuse}}, 400
            cuts = body.comparisons.model_dump()
            tokens = {k: 100 * v for k, v in cuts.items()}
            seconds = {"minimum": 1.0, "typical": 2.0, "maximum": 3.0}
            return UsageEstimate(
                provider=body.provider,
                model=body.model,
                batching_mode=body.batching_mode,
                configured=True,
                llm_calls=cuts,
                input_tokens=tokens,
                output_tokens=tokens,
                cost_usd=dict.fromkeys(cuts, 0.0),
                duration_seconds=seconds,
                price_per_million_usd={"input": 0.0, "output": 0.0, "cached_input": 0.0},
                notes=["from the stand-in"],
            ).model_dump(mode="json")

        return app


@contextlib.asynccontextmanager
async def cj_with_lps(harness: Harness) -> AsyncIterator[tuple[Any, LPSStandIn]]:
    lps = LPSStandIn()
    async with served(lps.app()) as url:
        app = await harness.start(llm_provider_service_url=url)
        yield app.test_client(), lps


async def test_an_estimate_describes_the_job_the_same_request_would_start(harness: Harness):
    async with cj_with_lps(harness) as (client, lps):
        assignment_id = await create_assignment_with_anchors(harness, client)
        answer = await client.post(
            "/internal/v1/estimates",
            json={**BODY, "assignment_id": assignment_id},
            headers=teacher_headers(service=CONTENT),
        )
        assert answer.status_code == 200, await answer.get_data(as_text=True)
        estimate = AssessmentEstimate.model_validate(await answer.get_json())
        # Asked again, the simulation is not run again: the same figures, from the cache.
        again = await client.post(
            "/internal/v1/estimates",
            json={**BODY, "assignment_id": assignment_id},
            headers=teacher_headers(service=CONTENT),
        )
        assert AssessmentEstimate.model_validate(await again.get_json()) == estimate

    # 12 essays and 6 anchors: 6 comparisons each before the stopping rule may stop, 10 at most.
    assert (estimate.essay_count, estimate.anchor_count, estimate.total_words) == (12, 6, 4000)
    assert (estimate.comparisons.minimum, estimate.comparisons.maximum) == (54, 90)
    assert 54 <= estimate.comparisons.typical <= 90
    asked = lps.asked[0]
    assert asked.comparisons == estimate.comparisons
    assert (asked.provider.value, asked.model, asked.batching_mode.value) == ("mock", "mock-judge", "serial_bundle")
    # The job's own judging context and anchors: the assignment's instructions and task, each anchor's text.
    assert (asked.context.instructions, asked.context.student_prompt) == (
        "Which essay argues better?",
        "Write about climate change.",
    )
    anchor_texts = [t.content for t in harness.content.texts.values() if t.content.startswith("Essay number 10")]
    assert len(asked.item_characters) == 18
    assert sum(asked.item_characters) == 24_007 + sum(len(t) for t in anchor_texts)
    # serial_bundle waves: n pairs (two rounds, each item twice), laid out so that neighbours share essays.
    first = asked.waves[0]
    assert len(first) == 18
    assert set(Counter(i for pair in first for i in pair).values()) == {2}
    assert sum(1 for a, b in itertools.pairwise(first) if set(a) & set(b)) >= 14
    assert sum(len(w) for w in asked.waves) >= estimate.comparisons.maximum
    # LPS's figures come through; CJ adds its own time per wave to the provider's.
    assert estimate.llm_calls == asked.comparisons
    assert estimate.waves.minimum <= estimate.waves.typical <= estimate.waves.maximum
    assert estimate.duration_seconds.minimum > 1.0
    assert "from the stand-in" in estimate.notes
    assert any("median of 3 simulated runs" in note for note in estimate.notes)


async def test_without_an_assignment_the_default_instructions_and_no_anchors_are_estimated(harness: Harness):
    async with cj_with_lps(harness) as (client, lps):
        answer = await client.post("/internal/v1/estimates", json=BODY, headers=teacher_headers(service=CONTENT))
        assert answer.status_code == 200
    estimate = await answer.get_json()
    assert estimate["anchor_count"] == 0
    assert estimate["comparisons"]["maximum"] == 12 * 10 // 2
    assert lps.asked[0].context.instructions == harness.settings().default_instructions
    assert sorted(set(lps.asked[0].item_characters)) == [2000, 2001]  # 24,007 characters over 12 essays


async def test_what_the_job_could_not_use_or_run_is_refused_as_the_job_would_fail(harness: Harness):
    async with cj_with_lps(harness) as (client, lps):
        private = await client.post(
            "/v1/assignments",
            json={
                "title": "Mine",
                "course_code": "ENG5",
                "grade_scale": "swedish_f_a",
                "instructions": "Compare.",
                "shared": False,
            },
            headers=teacher_headers("teacher-2"),
        )
        private_id = (await private.get_json())["assignment_id"]
        for assignment_id in (private_id, str(uuid.uuid4())):
            refused = await client.post(
                "/internal/v1/estimates",
                json={**BODY, "assignment_id": assignment_id},
                headers=teacher_headers(service=CONTENT),
            )
            assert refused.status_code == 404
        single_grade = await create_assignment_with_anchors(harness, client, grades=("C",))
        conflict = await client.post(
            "/internal/v1/estimates",
            json={**BODY, "assignment_id": single_grade},
            headers=teacher_headers(service=CONTENT),
        )
        assert conflict.status_code == 409
        assert "single grade" in (await conflict.get_json())["error"]["message"]

        lps.refuse = {"message": "unknown model 'gpt-9'", "details": {"fields": {"model": "unknown model 'gpt-9'"}}}
        unknown = await client.post(
            "/internal/v1/estimates",
            json={**BODY, "llm": {"provider": "openai", "model": "gpt-9"}},
            headers=teacher_headers(service=CONTENT),
        )
        assert unknown.status_code == 400
        assert (await unknown.get_json())["error"]["details"]["fields"] == {"llm.model": "unknown model 'gpt-9'"}
        assert lps.asked == [lps.asked[0]]  # only the last request got as far as LPS

        no_user = {k: v for k, v in teacher_headers(service=CONTENT).items() if k != "X-User-ID"}
        assert (await client.post("/internal/v1/estimates", json=BODY, headers=no_user)).status_code == 401
        lps_caller = teacher_headers(service="llm_provider_service")
        assert (await client.post("/internal/v1/estimates", json=BODY, headers=lps_caller)).status_code == 403


async def test_an_lps_that_is_down_is_a_503_a_teacher_can_read(harness: Harness):
    client = (await harness.start(llm_provider_service_url=f"http://127.0.0.1:{free_port()}")).test_client()
    answer = await client.post("/internal/v1/estimates", json=BODY, headers=teacher_headers(service=CONTENT))
    assert answer.status_code == 503
    error = (await answer.get_json())["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert "try again" in error["message"]
