"""The Quart wiring against hostile input: bodies, query strings, path segments, OPTIONS, huge errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field
from quart import Quart

from huleedu_service_libs.errors import ValidationFailedError
from huleedu_service_libs.http.quart_support import (
    BODY_MODEL_ATTR,
    CALLERS_ATTR,
    current_identity,
    internal_route,
    json_body,
    setup_quart_app,
)
from huleedu_service_libs.settings import ServiceSettings

KEY = "hostile-test-key"
GATEWAY = {"X-Internal-API-Key": KEY, "X-Service-ID": "api_gateway_service", "X-User-ID": "teacher-1"}


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class Options(BaseModel):
    fast: bool = False


def make_app() -> Quart:
    app = Quart(__name__)

    @app.patch("/v1/things/<thing_id>")
    @internal_route("api_gateway_service")
    @json_body(Rename)
    async def rename(thing_id: str, body: Rename) -> dict[str, Any]:
        return {"thing_id": thing_id, "title": body.title}

    @app.post("/v1/things/<thing_id>/run")
    @internal_route("api_gateway_service")
    @json_body(Options, when_empty=Options)
    async def run(thing_id: str, body: Options) -> dict[str, Any]:
        return {"fast": body.fast}

    @app.get("/v1/search")
    @internal_route("api_gateway_service")
    async def search() -> dict[str, Any]:
        return {"user": current_identity().user_id}

    @app.get("/v1/echo/<name>")
    async def echo(name: str) -> dict[str, Any]:
        return {"name": name}

    @app.get("/v1/huge-error")
    async def huge_error() -> dict[str, Any]:
        bad = "x" * 1_000_000
        raise ValidationFailedError(f"unknown scale {bad}", details={"scale": bad, "many": list(range(1000))})

    settings = ServiceSettings(service_name="hostile_test", HULEEDU_INTERNAL_API_KEY=KEY)
    setup_quart_app(app, settings, internal_allow_list={"api_gateway_service"})
    return app


async def send(
    method: str, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, str]]:
    # data= through a mapping: Quart's typing wants json= beside it, and json=None would send "null".
    body: dict[str, Any] = {"data": data}
    response = await make_app().test_client().open(path, method=method, headers=headers or {}, **body)
    text = await response.get_data(as_text=True)
    headers = {key.lower(): value for key, value in response.headers.items()}
    return response.status_code, json.loads(text) if text else None, headers


def error_of(body: Any) -> dict[str, Any]:
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    return error


async def test_the_parsed_body_reaches_the_view():
    status, body, _ = await send("PATCH", "/v1/things/a", data=b'{"title": "Essays"}', headers=GATEWAY)
    assert (status, body) == (200, {"thing_id": "a", "title": "Essays"})


async def test_an_empty_body_can_mean_the_defaults():
    status, body, _ = await send("POST", "/v1/things/a/run", data=b"", headers=GATEWAY)
    assert (status, body) == (200, {"fast": False})


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b'{"title": "caf\xe9"}', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"title": "a\\u0000b"}', "title contains a NUL"),
        (b'{"title": "\\udc00"}', "surrogate"),
        (b"[1, 2]", "valid dictionary"),
        (b'"title"', "valid dictionary"),
        (b"{", "not valid JSON"),
        (b"", "Send a JSON body"),
        (b'{"title": NaN}', "not valid JSON"),
    ],
)
async def test_unreadable_bodies_are_400_with_the_error_body(raw: bytes, says: str):
    status, body, _ = await send("PATCH", "/v1/things/a", data=raw, headers=GATEWAY)
    assert status == 400
    error = error_of(body)
    assert error["code"] == "VALIDATION_ERROR"
    assert says in error["message"]


async def test_the_caller_is_checked_before_the_body_is_read():
    status, body, _ = await send("PATCH", "/v1/things/a", data=b"[" * 100_000, headers={})
    assert status == 401
    assert error_of(body)["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("query", ["q=a%00b", "q%00=1", "status=ok&status=%00"])
async def test_unstorable_query_text_is_400(query: str):
    status, body, _ = await send("GET", f"/v1/search?{query}", headers=GATEWAY)
    assert status == 400, body
    assert error_of(body)["code"] == "VALIDATION_ERROR"


async def test_a_nul_in_a_path_segment_is_400():
    status, body, _ = await send("GET", "/v1/echo/a%00b")
    assert status == 400
    assert error_of(body)["details"] == {"field": "name"}


async def test_invalid_utf8_in_the_query_string_is_replaced_not_a_crash():
    status, body, _ = await send("GET", "/v1/search?q=%ED%A0%80", headers=GATEWAY)
    assert (status, body) == (200, {"user": "teacher-1"})


async def test_a_nul_in_the_identity_header_is_401():
    headers = {**GATEWAY, "X-User-ID": "teacher\x00-1"}
    status, body, _ = await send("GET", "/v1/search", headers=headers)
    assert status == 401, body
    assert error_of(body)["message"] == "X-User-ID is not a valid identity"


async def test_options_on_a_guarded_route_needs_the_key():
    status, body, headers = await send("OPTIONS", "/v1/things/a")
    assert status == 401
    assert "allow" not in headers
    assert error_of(body)["code"] == "UNAUTHORIZED"


async def test_options_with_the_key_answers_allow():
    status, _, headers = await send("OPTIONS", "/v1/things/a", headers=GATEWAY)
    assert status == 200
    assert "PATCH" in headers["allow"]


async def test_options_on_an_internal_path_needs_the_key():
    status, _, headers = await send("OPTIONS", "/internal/v1/anything")
    assert status == 401
    assert "allow" not in headers


async def test_error_bodies_quote_only_a_prefix_of_bad_input():
    status, body, _ = await send("GET", "/v1/huge-error")
    assert status == 400
    error = error_of(body)
    assert len(json.dumps(body)) < 5_000
    assert len(error["message"]) <= 500
    assert len(error["details"]["scale"]) <= 200
    assert len(error["details"]["many"]) == 20


def test_decorators_leave_their_marks_for_route_enumeration():
    app = make_app()
    rename = app.view_functions["rename"]
    assert getattr(rename, BODY_MODEL_ATTR) is Rename
    assert getattr(rename, CALLERS_ATTR) == ("api_gateway_service",)
    assert not hasattr(app.view_functions["echo"], BODY_MODEL_ATTR)
