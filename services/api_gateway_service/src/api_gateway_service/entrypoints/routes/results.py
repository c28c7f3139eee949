"""The read model (result aggregator): batch overviews, results, history and the teacher's summary;
and cancelling a batch's assessment, which needs the read model to find the job.

The result aggregator's routes are internal and name the teacher in the path; the gateway fills
it from the token, so a client can only ever read its own.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response
from pydantic import ValidationError

from api_gateway_service.entrypoints.caller import Caller, current_caller
from api_gateway_service.entrypoints.forwarding import ProxyDep, ServicesDep
from api_gateway_service.entrypoints.routes.responses import answers_of
from api_gateway_service.proxying import relay
from common_core.http.cj_assessment import CancelJobResponse
from common_core.http.result_aggregator import (
    MAX_PAGE_SIZE,
    BatchDetailResponse,
    BatchHistoryResponse,
    BatchListResponse,
    UserSummaryResponse,
)
from common_core.status import BatchStatus
from huleedu_service_libs.errors import ConflictError, ExternalServiceError
from huleedu_service_libs.http.request_input import MAX_OFFSET

answers = answers_of("result_aggregator_service")
router = APIRouter(tags=["results"])

# The result aggregator's own bound on the title search.
MAX_TITLE_QUERY = 200


@router.get("/v1/results/batches", response_model=BatchListResponse, responses=answers(BatchListResponse))
async def list_batch_results(
    proxy: ProxyDep,
    services: ServicesDep,
    caller: Annotated[Caller, Depends(current_caller)],
    status: Annotated[list[BatchStatus] | None, Query(description="Repeat to ask for several.")] = None,
    q: Annotated[str | None, Query(max_length=MAX_TITLE_QUERY, description="Words in the title.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """The teacher's batches with their status and result summary, newest first."""
    params = {"status": [s.value for s in status or []], "q": q, "limit": limit, "offset": offset}
    path = f"/internal/v1/users/{quote(caller.user_id, safe='')}/batches"
    return await proxy.forward(services.result_aggregator, "GET", path, params=params)


@router.get(
    "/v1/results/batches/{batch_id}", response_model=BatchDetailResponse, responses=answers(BatchDetailResponse, 404)
)
async def get_batch_results(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """The batch, its current assessment (progress, or why and how it stopped) and every essay's result."""
    return await proxy.forward(services.result_aggregator, "GET", f"/internal/v1/batches/{batch_id}")


@router.get(
    "/v1/results/batches/{batch_id}/history",
    response_model=BatchHistoryResponse,
    responses=answers(BatchHistoryResponse, 404),
)
async def get_batch_history(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """The batch's earlier assessments with their results, newest first."""
    return await proxy.forward(services.result_aggregator, "GET", f"/internal/v1/batches/{batch_id}/history")


@router.get("/v1/results/summary", response_model=UserSummaryResponse, responses=answers(UserSummaryResponse))
async def get_teacher_summary(
    proxy: ProxyDep, services: ServicesDep, caller: Annotated[Caller, Depends(current_caller)]
) -> Response:
    """The teacher's totals, with LLM spend this month and this term."""
    path = f"/internal/v1/users/{quote(caller.user_id, safe='')}/summary"
    return await proxy.forward(services.result_aggregator, "GET", path)


@router.post(
    "/v1/batches/{batch_id}/cancel", response_model=CancelJobResponse, responses=answers(CancelJobResponse, 404, 409)
)
async def cancel_assessment(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """Cancels the batch's current assessment; 409 when there is none or it has already ended.

    The read model knows which job is the batch's current one; CJ then cancels that job (and
    checks, again, that it is the teacher's).
    """
    found = await proxy.send(services.result_aggregator, "GET", f"/internal/v1/batches/{batch_id}")
    if found.status_code != 200:
        return relay(found)
    try:
        job = BatchDetailResponse.model_validate_json(found.content).current_job
    except ValidationError:
        raise ExternalServiceError(
            "result_aggregator_service gave a broken answer; try again shortly",
            details={"service": services.result_aggregator.name},
        ) from None
    if job is None or job.job_id is None:
        raise ConflictError(
            "This batch has no assessment to cancel (none was started, or CJ has not taken it up yet)",
            details={"batch_id": str(batch_id)},
        )
    return await proxy.forward(services.cj_assessment, "POST", f"/internal/v1/jobs/{job.job_id}/cancel")
