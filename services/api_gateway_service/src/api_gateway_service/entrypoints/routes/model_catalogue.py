"""The LLM models a teacher can choose, with their prices and limits (the LLM provider's catalogue)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api_gateway_service.entrypoints.forwarding import ProxyDep, ServicesDep
from api_gateway_service.entrypoints.routes.responses import answers_of
from common_core.http.model_catalogue import ModelCatalogue

answers = answers_of("llm_provider_service")
router = APIRouter(tags=["models"])


@router.get("/v1/models", response_model=ModelCatalogue, responses=answers(ModelCatalogue))
async def list_models(proxy: ProxyDep, services: ServicesDep) -> Response:
    """Every provider and model, whether it is configured here, its capabilities, prices and limits."""
    return await proxy.forward(services.llm_provider, "GET", "/internal/v1/providers")
