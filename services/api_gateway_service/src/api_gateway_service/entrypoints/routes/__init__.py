"""The explicit public routes to the internal services; ``app.py`` includes every router in ``ROUTERS``."""

from __future__ import annotations

from fastapi import APIRouter

from api_gateway_service.entrypoints.routes import (
    assignments,
    batches,
    bff,
    classes,
    model_catalogue,
    moderation,
    results,
    student_export,
)

ROUTERS: list[APIRouter] = [
    batches.router,
    classes.router,
    student_export.router,
    moderation.router,
    assignments.router,
    results.router,
    model_catalogue.router,
    bff.router,
]
