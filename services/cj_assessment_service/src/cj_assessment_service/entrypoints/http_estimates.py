"""The estimate of a job before it starts, for the ``X-User-ID`` teacher (internal; content service asks it
for a batch, the gateway and the BFF may ask it for a batch they describe themselves). Thin."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from cj_assessment_service.service_layer.estimates import EstimateService
from common_core.http.estimates import AssessmentEstimateRequest
from huleedu_service_libs.http.quart_support import current_identity, internal_route, json_body

ESTIMATE_CALLERS = ("content_service", "api_gateway_service", "bff_teacher_service")


def estimates_blueprint(service: EstimateService) -> Blueprint:
    bp = Blueprint("cj_estimates", __name__)

    @bp.post("/internal/v1/estimates")
    @internal_route(*ESTIMATE_CALLERS)
    @json_body(AssessmentEstimateRequest)
    async def estimate(body: AssessmentEstimateRequest) -> ResponseReturnValue:
        return (await service.estimate(current_identity().user_id, body)).model_dump(mode="json")

    return bp
