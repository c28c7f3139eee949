"""What a teacher can choose and what it would cost: the model catalogue and usage estimates. Thin."""

from __future__ import annotations

from dataclasses import dataclass

from quart import Blueprint, current_app
from quart.typing import ResponseReturnValue

from common_core.http.estimates import UsageEstimateRequest
from huleedu_service_libs.http.quart_support import internal_route, json_body
from llm_provider_service.service_layer.catalogue import Catalogue
from llm_provider_service.service_layer.estimates import UsageEstimator

# The catalogue is read wherever a teacher picks a model; estimates are CJ's (it sends the waves).
CATALOGUE_READERS = ("cj_assessment_service", "content_service", "api_gateway_service", "bff_teacher_service")
ESTIMATE_CALLERS = ("cj_assessment_service",)
EXTENSION = "llm_provider_service.catalogue"

catalogue_routes = Blueprint("llm_provider_catalogue", __name__)


@dataclass(frozen=True)
class CatalogueServices:
    catalogue: Catalogue
    estimator: UsageEstimator


def _services() -> CatalogueServices:
    services: CatalogueServices = current_app.extensions[EXTENSION]
    return services


@catalogue_routes.get("/internal/v1/providers")
@internal_route(*CATALOGUE_READERS)
async def providers() -> ResponseReturnValue:
    return _services().catalogue.read().model_dump(mode="json")


@catalogue_routes.post("/internal/v1/estimates")
@internal_route(*ESTIMATE_CALLERS)
@json_body(UsageEstimateRequest)
async def estimate(body: UsageEstimateRequest) -> ResponseReturnValue:
    return (await _services().estimator.estimate(body)).model_dump(mode="json")
