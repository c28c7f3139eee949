"""The internal HTTP API; thin: parse, call the service layer, answer."""

from __future__ import annotations

import time
from dataclasses import dataclass

from quart import Blueprint, current_app
from quart.typing import ResponseReturnValue

from common_core.http.llm_provider import ComparisonBatchRequest
from huleedu_service_libs.errors import NotFoundError
from huleedu_service_libs.http.quart_support import internal_route, json_body
from llm_provider_service.service_layer.ports import MockJudgeControl, QueueDepths
from llm_provider_service.service_layer.submission import SubmissionService

CALLERS = ("cj_assessment_service",)
EXTENSION = "llm_provider_service"

routes = Blueprint("llm_provider", __name__)


@dataclass(frozen=True)
class HttpServices:
    submissions: SubmissionService
    queue: QueueDepths
    mock: MockJudgeControl | None  # the dev routes' mock judge; None when tests replace the mock provider


def _services() -> HttpServices:
    services: HttpServices = current_app.extensions[EXTENSION]
    return services


@routes.post("/internal/v1/comparisons")
@internal_route(*CALLERS)
@json_body(ComparisonBatchRequest)
async def submit_comparisons(body: ComparisonBatchRequest) -> ResponseReturnValue:
    accepted = await _services().submissions.submit(body)
    return accepted.model_dump(mode="json"), 202


@routes.get("/internal/v1/comparisons/<request_id>")
@internal_route(*CALLERS)
async def comparison_state(request_id: str) -> ResponseReturnValue:
    state = await _services().submissions.describe(request_id)
    if state is None:
        raise NotFoundError(f"no comparison {request_id!r} is known")
    return state


@routes.get("/internal/v1/queue")
@internal_route(*CALLERS)
async def queue_depth() -> ResponseReturnValue:
    s = _services()
    depths = await s.queue.lane_depths()
    count, leased, delayed, oldest = await s.queue.totals()
    lanes: dict[tuple[str, str, str], int] = {}
    for depth in depths:
        key = (depth.settings.provider.value, depth.settings.model, depth.settings.mode.value)
        lanes[key] = lanes.get(key, 0) + depth.ready
    return {
        "total": count,
        "leased": leased,
        "delayed": delayed,
        "oldest_age_s": round(max(0.0, time.time() - oldest / 1000), 3) if oldest is not None else None,
        "ready": [{"provider": p, "model": m, "mode": mode, "depth": n} for (p, m, mode), n in sorted(lanes.items())],
    }
