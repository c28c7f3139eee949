"""The FastAPI wiring against hostile input; test_http_quart_hostile_input.py is its Quart twin."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from huleedu_service_libs.http.fastapi_support import setup_fastapi_app
from huleedu_service_libs.settings import ServiceSettings

KEY = "fastapi-hostile-key"


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=200)


def make_app() -> FastAPI:
    app = FastAPI()

    @app.patch("/v1/things/{thing_id}")
    async def rename(thing_id: str, body: Rename) -> dict[str, Any]:
        return {"thing_id": thing_id, "title": body.title}

    @app.get("/v1/search")
    async def search(q: str = "") -> dict[str, Any]:
        return {"q": q}

    setup_fastapi_app(app, ServiceSettings(service_name="fastapi_hostile", HULEEDU_INTERNAL_API_KEY=KEY))
    return app


async def send(method: str, path: str, *, content: bytes | None = None, content_type: str = "application/json") -> Any:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, content=content, headers={"Content-Type": content_type})


async def test_a_valid_body_still_reaches_the_route():
    response = await send("PATCH", "/v1/things/a", content=b'{"title": "Essays"}')
    assert (response.status_code, response.json()) == (200, {"thing_id": "a", "title": "Essays"})


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"title": "caf\xe9"}', "not valid UTF-8"),
        (b'{"title": "a\\u0000b"}', "title contains a NUL"),
        (b'{"title": "\\ud800"}', "surrogate"),
        (b'{"title": 1e400}', "not a finite number"),
    ],
)
async def test_unreadable_bodies_are_400_with_the_error_body(raw: bytes, says: str):
    response = await send("PATCH", "/v1/things/a", content=raw)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert says in error["message"]


@pytest.mark.parametrize("path", ["/v1/search?q=a%00b", "/v1/things/a%00b"])
async def test_nul_in_the_query_or_the_path_is_400(path: str):
    response = await send("GET" if "search" in path else "PATCH", path, content=b'{"title": "x"}')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
