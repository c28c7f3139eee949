"""Every route of every service, fed hostile input: never a 500, always the error body, never a stall.

The routes come from each app's URL map (see hostile_requests.py), so a route added tomorrow is
covered without editing this file. Each service runs as its real app on real PostgreSQL, Kafka
and Redis (service_apps.py). For every route the suite sends, with valid auth:

- NUL in every string field of the body, in every path segment and in the query parameters the
  services read: exactly 400, naming the field;
- bodies that are not UTF-8, JSON nested 100,000 deep, lists and scalars instead of objects,
  NaN and overflowing numbers, wrong content types, huge numbers and 1 MB strings in each field,
  nulls in each field, bad UUIDs in the path, out-of-range integers in the query: any answer but a
  5xx, and every 4xx in the standard error body;
- OPTIONS without credentials: 401 or 404, never the route's ``Allow`` list (not for the gateway,
  whose routes are public and listed in its OpenAPI document anyway, nor for the BFF's public
  dashboard files);
- to every POST route, the hostile uploads of hostile_files.py (decompression bombs up to 1 GB,
  lying zip headers, programs renamed .txt, NUL, very long and Latin-1 file names).

After each route, ``/healthz`` must answer 200 within a second.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from huleedu_service_libs.testing.infrastructure import Infrastructure
from tests.integration.robustness.hostile_files import essay, hostile_files, multipart
from tests.integration.robustness.hostile_requests import (
    HostileRequest,
    Route,
    hostile_requests,
    path_values,
    routes_of,
)
from tests.integration.robustness.service_apps import BUILDERS, Resources, ServiceUnderTest

pytestmark = pytest.mark.integration

ERROR_FIELDS = {"code", "message", "correlation_id", "service", "details"}
HEALTHZ_WITHIN_S = 1.0


@pytest.fixture
def resources(
    infrastructure: Infrastructure,
    database_factory: Callable[[str], str],
    kafka_topic_factory: Callable[..., str],
    test_run_id: str,
) -> Resources:
    return Resources(infrastructure, database_factory, kafka_topic_factory, test_run_id)


def problem_with(status: int, text: str, request: HostileRequest) -> str | None:
    """What is wrong with this answer, or None."""
    if status >= 500:
        return f"answered {status}: {text[:300]}"
    if request.nul_field is not None and status != 400:
        return f"a NUL in {request.nul_field} answered {status}, not 400"
    if status < 400:
        return None
    try:
        body: Any = json.loads(text)
    except ValueError:
        return f"answered {status} without a JSON error body: {text[:120]!r}"
    if not isinstance(body, dict) or set(body) != {"error"} or set(body["error"]) != ERROR_FIELDS:
        return f"answered {status} without the standard error body: {text[:200]}"
    if len(text) > 20_000:
        return f"answered {status} with a {len(text):,}-character error body"
    field = (body["error"].get("details") or {}).get("field")
    if request.nul_field is not None and field not in (request.nul_field, None):
        return f"a NUL in {request.nul_field} was blamed on {field!r}"
    return None


async def send(service: ServiceUnderTest, route: Route, request: HostileRequest) -> tuple[int, str]:
    headers = service.headers(route.callers)
    if request.content_type is not None:
        headers["Content-Type"] = request.content_type
    return await service.request(request.method, request.path, headers, request.body)


async def healthz_problem(service: ServiceUnderTest) -> str | None:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(HEALTHZ_WITHIN_S):
            status, text = await service.request("GET", "/healthz", {}, None)
    except TimeoutError:
        return f"/healthz did not answer within {HEALTHZ_WITHIN_S} s"
    if status != 200:
        return f"/healthz answered {status}: {text}"
    elapsed = time.perf_counter() - started
    return None if elapsed <= HEALTHZ_WITHIN_S else f"/healthz took {elapsed:.2f} s"


async def options_problem(service: ServiceUnderTest, route: Route) -> str | None:
    """OPTIONS without credentials must not reveal the route's methods (every route here is guarded)."""
    path = route.build(path_values(route, service.seeds))
    status, headers = await service.options(path)
    if status not in (401, 404) or "allow" in {key.lower() for key in headers}:
        return f"answered {status} with headers {headers} to a caller without a key"
    return None


def upload_requests(service: ServiceUnderTest, route: Route) -> list[HostileRequest]:
    """Each hostile file, posted as ``files`` and ``file`` next to an ordinary essay and a grades file."""
    if route.method != "POST":
        return []
    path = route.build(path_values(route, service.seeds))
    requests = []
    for hostile in hostile_files():
        label = hostile.filename.rsplit(b".", 1)[0].decode("latin-1")
        grades = f"label,grade\n{label[:200]},A\nfine,B\n"
        body, content_type = multipart(
            [
                ("files", hostile.filename, hostile.content),
                ("files", b"fine.txt", essay()),
                ("file", hostile.filename, hostile.content),
                ("grades", b"grades.csv", grades.encode("latin-1", "replace")),
            ],
            {"kind": "anchor", "label": "A1", "grade": "A"},
        )
        requests.append(HostileRequest(f"upload: {hostile.label}", "POST", path, body, content_type))
    return requests


@pytest.mark.parametrize("service_name", sorted(BUILDERS))
async def test_every_route_survives_hostile_input(service_name: str, resources: Resources):
    problems: list[str] = []
    options_checked: set[str] = set()
    sent = 0
    async with BUILDERS[service_name](resources) as service:
        routes = routes_of(service.app)
        assert routes, f"{service_name} has no routes to test"
        for route in routes:
            for request in [*hostile_requests(route, service.seeds), *upload_requests(service, route)]:
                status, text = await send(service, route, request)
                sent += 1
                problem = problem_with(status, text, request)
                if problem:
                    problems.append(f"{route.name} [{request.label}]: {problem}")
            guarded = not service.public and route.template not in service.public_routes
            if guarded and route.template not in options_checked:
                options_checked.add(route.template)
                options = await options_problem(service, route)
                if options:
                    problems.append(f"OPTIONS {route.template}: {options}")
            stalled = await healthz_problem(service)
            if stalled:
                problems.append(f"after {route.name}: {stalled}")
    print(f"{service_name}: {len(routes)} routes, {sent} hostile requests")
    assert not problems, f"{len(problems)} of {sent} hostile requests went wrong:\n" + "\n".join(problems[:80])


def test_every_service_with_an_app_is_covered():
    """A new service's routes join the suite by adding its builder; this fails until someone does."""
    repo = Path(__file__).resolve().parents[3]
    with_apps = {path.parents[2].name for path in repo.glob("services/*/src/*/app.py")}
    assert with_apps == set(BUILDERS)
