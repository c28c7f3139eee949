"""The one error body every service returns (ARCHITECTURE §4)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description='Machine-readable code, e.g. "NOT_FOUND", "VALIDATION_ERROR".')
    message: str = Field(description="What went wrong, in words a person can act on.")
    correlation_id: str | None = Field(default=None, description="The request's correlation id, for support.")
    service: str = Field(description="The service that produced the error.")
    details: dict[str, Any] = Field(default_factory=dict, description="Structured context, e.g. field errors.")


class ErrorResponse(BaseModel):
    """``{"error": {"code", "message", "correlation_id", "service", "details"}}``"""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (ErrorResponse,)
