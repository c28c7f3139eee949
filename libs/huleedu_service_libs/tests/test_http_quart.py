"""The Quart wiring end to end, through Quart's in-process test client.

The behaviour is http_contract.py's, which test_http_fastapi.py runs for FastAPI, test by test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from quart import Quart, request

from huleedu_service_libs.http.health import HealthCheck
from huleedu_service_libs.http.quart_support import current_identity, internal_route, optional_identity, setup_quart_app
from huleedu_service_libs.settings import ServiceSettings
from libs.huleedu_service_libs.tests import http_contract as contract
from libs.huleedu_service_libs.tests.http_contract import ALLOWED, ApiCall, Framework, HttpContract, NewItem, Reply, ok

SERVICE = "quart_test_service"
KEY = "quart-test-internal-key"


def make_app(health_checks: Mapping[str, HealthCheck] | None = None) -> Quart:
    app = Quart(__name__)

    app.get("/items/<int:item_id>")(contract.read_item)
    app.post("/items")(create_item)
    app.get("/boom")(contract.boom)
    app.get("/limited")(contract.limited)
    app.get("/internal/v1/ping")(contract.internal_ping)

    @app.get("/internal/v1/cj-only")
    @internal_route("cj_assessment_service")
    async def cj_only() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/me")
    async def me() -> dict[str, str | None]:
        identity = current_identity()
        return {"user_id": identity.user_id, "org_id": identity.org_id}

    @app.get("/maybe-me")
    async def maybe_me() -> dict[str, str | None]:
        identity = optional_identity()
        return {"user_id": identity.user_id if identity else None}

    settings = ServiceSettings(service_name=SERVICE, HULEEDU_INTERNAL_API_KEY=KEY)
    setup_quart_app(app, settings, health_checks=health_checks or {"ok": ok}, internal_allow_list=ALLOWED)
    return app


async def create_item() -> tuple[dict[str, Any], int]:
    item = NewItem.model_validate(await request.get_json())
    return item.model_dump(), 201


async def call(app: Quart, sent: ApiCall) -> Reply:
    body: dict[str, Any] = {"json": sent.json_body} if sent.content is None else {"data": sent.content}
    response = await app.test_client().open(sent.path, method=sent.method, headers=sent.headers, **body)
    text = await response.get_data(as_text=True)
    parsed = json.loads(text) if response.mimetype == "application/json" else text
    return response.status_code, httpx.Headers(list(response.headers.items())), parsed


class TestQuart(HttpContract):
    web = Framework(SERVICE, KEY, make_app, call, "/items/<int:item_id>", {"title", "count"}, "/internal/v1/ping")
