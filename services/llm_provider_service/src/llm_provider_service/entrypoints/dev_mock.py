"""Dev-only admin routes for the mock judge's settings (404 unless HULEEDU_DEV_MODE is on)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint, current_app
from quart.typing import ResponseReturnValue

from common_core.llm import LLMProvider
from huleedu_service_libs.errors import NotFoundError
from huleedu_service_libs.http.quart_support import internal_route, json_body
from llm_provider_service.adapters.providers.mock import MockProvider
from llm_provider_service.entrypoints.http import CALLERS, EXTENSION, HttpServices

dev_routes = Blueprint("llm_provider_dev", __name__)
DEV_MODE_FLAG = "llm_provider_service_dev_mode"


class MockJudgeUpdate(BaseModel):
    """A partial update; omitted fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    profile: Literal["heuristic", "coin", "first_position", "error_injection"] | None = None
    seed: str | None = None
    noise_scale: float | None = Field(default=None, ge=0)
    position_bias: float | None = None
    latency_ms_mean: float | None = Field(default=None, ge=0)
    latency_ms_jitter: float | None = Field(default=None, ge=0)
    rate_429: float | None = Field(default=None, ge=0, le=1)
    rate_500: float | None = Field(default=None, ge=0, le=1)
    rate_timeout: float | None = Field(default=None, ge=0, le=1)
    rate_malformed: float | None = Field(default=None, ge=0, le=1)


def _mock() -> MockProvider:
    if not current_app.config.get(DEV_MODE_FLAG):
        raise NotFoundError("no such route")  # invisible outside dev mode
    services: HttpServices = current_app.extensions[EXTENSION]
    adapter = services.providers.get(LLMProvider.MOCK)
    if not isinstance(adapter, MockProvider):
        raise NotFoundError("the mock provider is replaced in this process")
    return adapter


def _view(mock: MockProvider) -> dict[str, object]:
    return asdict(mock.settings)


@dev_routes.get("/internal/v1/dev/mock")
@internal_route(*CALLERS)
async def read_mock() -> ResponseReturnValue:
    return _view(_mock())


@dev_routes.put("/internal/v1/dev/mock")
@internal_route(*CALLERS)
@json_body(MockJudgeUpdate)
async def update_mock(body: MockJudgeUpdate) -> ResponseReturnValue:
    mock = _mock()
    update = body.model_dump(exclude_none=True)
    judge_fields = {"profile", "seed", "noise_scale", "position_bias"}
    judge = replace(mock.settings.judge, **{k: v for k, v in update.items() if k in judge_fields})
    mock.settings = replace(mock.settings, judge=judge, **{k: v for k, v in update.items() if k not in judge_fields})
    return _view(mock)
