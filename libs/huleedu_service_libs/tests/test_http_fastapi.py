"""The FastAPI wiring end to end, in process through ``httpx.ASGITransport``.

The shared behaviour is http_contract.py's, which test_http_quart.py runs for Quart, test by test; what only
FastAPI has (path-parameter validation, route dependencies) is tested here alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI

from huleedu_service_libs.http.fastapi_support import (
    Identity,
    get_optional_identity,
    internal_caller,
    setup_fastapi_app,
)
from huleedu_service_libs.http.health import HealthCheck
from huleedu_service_libs.http.identity import IdentityContext
from huleedu_service_libs.settings import ServiceSettings
from libs.huleedu_service_libs.tests import http_contract as contract
from libs.huleedu_service_libs.tests.http_contract import ALLOWED, ApiCall, Framework, HttpContract, NewItem, Reply, ok

SERVICE = "fastapi_test_service"
KEY = "fastapi-test-internal-key"


def make_app(health_checks: Mapping[str, HealthCheck] | None = None) -> FastAPI:
    app = FastAPI()
    internal_router = APIRouter(prefix="/internal/v1")

    app.get("/items/{item_id}")(contract.read_item)
    app.post("/items", status_code=201)(create_item)
    app.get("/boom")(contract.boom)
    app.get("/limited")(contract.limited)
    internal_router.get("/ping")(contract.internal_ping)

    @internal_router.get("/cj-only")
    async def cj_only(caller: Annotated[str, Depends(internal_caller("cj_assessment_service"))]) -> dict[str, str]:
        return {"caller": caller}

    @app.get("/me")
    async def me(identity: Identity) -> dict[str, str | None]:
        return {"user_id": identity.user_id, "org_id": identity.org_id}

    @app.get("/maybe-me")
    async def maybe_me(
        identity: Annotated[IdentityContext | None, Depends(get_optional_identity)],
    ) -> dict[str, str | None]:
        return {"user_id": identity.user_id if identity else None}

    app.include_router(internal_router)
    settings = ServiceSettings(service_name=SERVICE, HULEEDU_INTERNAL_API_KEY=KEY)
    setup_fastapi_app(app, settings, health_checks=health_checks or {"ok": ok}, internal_allow_list=ALLOWED)
    return app


async def create_item(item: NewItem) -> NewItem:
    return item


async def call(app: FastAPI, sent: ApiCall) -> Reply:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.request(
            sent.method, sent.path, headers=sent.headers, json=sent.json_body, content=sent.content
        )
    is_json = response.headers.get("content-type", "").startswith("application/json")
    return response.status_code, response.headers, response.json() if is_json else response.text


class TestFastAPI(HttpContract):
    # The /internal guard answers before routing (see InternalPathGuardMiddleware): a refused call is unmatched.
    web = Framework(SERVICE, KEY, make_app, call, "/items/{item_id}", {"body.title", "body.count"}, "<unmatched>")

    async def test_path_parameter_validation_is_400_naming_the_parameter(self, app: FastAPI):
        status, _, body = await self.call(app, "GET", "/items/abc")
        assert status == 400
        fields = self.assert_error_body(body, "VALIDATION_ERROR")["details"]["fields"]
        assert [f["field"] for f in fields] == ["path.item_id"]

    async def test_metrics_count_refused_route_dependency_under_its_template(self, app: FastAPI):
        before = self.requests_count("/internal/v1/cj-only", "403")
        await self.call(app, "GET", "/internal/v1/cj-only", headers=self.internal("bff_teacher_service"))
        assert self.requests_count("/internal/v1/cj-only", "403") == before + 1
