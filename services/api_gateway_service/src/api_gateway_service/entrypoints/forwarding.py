"""What a proxied route needs, as FastAPI dependencies: a proxy acting for the caller (or, for the
dashboard's public files, for nobody), where each service is, and the upload limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api_gateway_service.entrypoints.caller import Caller, current_caller
from api_gateway_service.entrypoints.context import gateway_context
from api_gateway_service.proxying import Downstream, Proxy
from api_gateway_service.upload_guard import UploadLimits


@dataclass(frozen=True)
class Services:
    content: Downstream
    class_management: Downstream
    cj_assessment: Downstream
    llm_provider: Downstream
    result_aggregator: Downstream
    bff_teacher: Downstream


@dataclass(frozen=True)
class Uploads:
    essays: UploadLimits
    anchors: UploadLimits


def proxy_for_caller(request: Request, caller: Annotated[Caller, Depends(current_caller)]) -> Proxy:
    return _proxy(request, caller.user_id)


def anonymous_proxy(request: Request) -> Proxy:
    """A proxy acting for nobody, with no sign-in: only for the dashboard's public files."""
    return _proxy(request, None)


def _proxy(request: Request, user_id: str | None) -> Proxy:
    context = gateway_context(request)
    return Proxy(
        client=context.http,
        api_key=context.settings.effective_internal_api_key(),
        long_timeout_s=context.settings.long_downstream_timeout_s,
        user_id=user_id,
        client_headers=tuple(request.headers.items()),
    )


def services(request: Request) -> Services:
    settings = gateway_context(request).settings
    return Services(
        content=Downstream("content_service", settings.content_service_url),
        class_management=Downstream("class_management_service", settings.class_management_service_url),
        cj_assessment=Downstream("cj_assessment_service", settings.cj_assessment_service_url),
        llm_provider=Downstream("llm_provider_service", settings.llm_provider_service_url),
        result_aggregator=Downstream("result_aggregator_service", settings.result_aggregator_service_url),
        bff_teacher=Downstream("bff_teacher_service", settings.bff_teacher_service_url),
    )


def upload_limits(request: Request) -> Uploads:
    settings = gateway_context(request).settings
    return Uploads(
        essays=UploadLimits(
            max_files=settings.essay_upload_max_files,
            max_file_bytes=settings.essay_upload_max_file_bytes,
            max_request_bytes=settings.essay_upload_max_bytes,
        ),
        anchors=UploadLimits(
            max_files=settings.anchor_upload_max_files,
            max_file_bytes=settings.anchor_upload_max_file_bytes,
            max_request_bytes=settings.anchor_upload_max_bytes,
        ),
    )


ProxyDep = Annotated[Proxy, Depends(proxy_for_caller)]
AnonymousProxyDep = Annotated[Proxy, Depends(anonymous_proxy)]
ServicesDep = Annotated[Services, Depends(services)]
UploadLimitsDep = Annotated[Uploads, Depends(upload_limits)]
