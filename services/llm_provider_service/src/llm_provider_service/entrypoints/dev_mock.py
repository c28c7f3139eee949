"""Dev-only admin routes for the mock judge's settings (404 unless HULEEDU_DEV_MODE is on)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint, current_app
from quart.typing import ResponseReturnValue

from huleedu_service_libs.errors import NotFoundError
from huleedu_service_libs.http.quart_support import internal_route, json_body
from llm_provider_service.entrypoints.http import CALLERS, EXTENSION, HttpServices
from llm_provider_service.service_layer.ports import MockJudgeControl

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


def _mock() -> MockJudgeControl:
    if not current_app.config.get(DEV_MODE_FLAG):
        raise NotFoundError("no such route")  # invisible outside dev mode
    services: HttpServices = current_app.extensions[EXTENSION]
    if services.mock is None:
        raise NotFoundError("the mock provider is replaced in this process")
    return services.mock


@dev_routes.get("/internal/v1/dev/mock")
@internal_route(*CALLERS)
async def read_mock() -> ResponseReturnValue:
    return _mock().current()


@dev_routes.put("/internal/v1/dev/mock")
@internal_route(*CALLERS)
@json_body(MockJudgeUpdate)
async def update_mock(body: MockJudgeUpdate) -> ResponseReturnValue:
    return _mock().update(body.model_dump(exclude_none=True))
