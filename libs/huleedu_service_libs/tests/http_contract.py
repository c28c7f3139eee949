"""The behaviour the FastAPI and the Quart wiring share, as one set of tests each framework's file runs.

test_http_fastapi.py and test_http_quart.py each subclass ``HttpContract`` with their ``Framework``: a small
app built with the framework's setup function, and a way to call it in process. What only one framework has
(FastAPI's path-parameter validation, its route dependencies) stays in that framework's file.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
import structlog
from prometheus_client import REGISTRY
from pydantic import BaseModel, Field

from huleedu_service_libs.errors import NotFoundError, RateLimitedError
from huleedu_service_libs.http.health import HealthCheck
from huleedu_service_libs.logging import configure_logging

ALLOWED = {"cj_assessment_service", "bff_teacher_service"}
ERROR_FIELDS = {"code", "message", "correlation_id", "service", "details"}

Reply = tuple[int, Mapping[str, str], Any]


def spy_on_compare_digest(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bytes]]:
    """Record every pair of values the internal auth hands to ``hmac.compare_digest`` (still comparing them)."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("huleedu_service_libs.http.internal_auth.hmac.compare_digest", spy)
    return calls


class NewItem(BaseModel):
    title: str = Field(min_length=1)
    count: int


async def ok() -> bool:
    return True


# The routes whose handlers do not depend on the framework; each ``make_app`` adds the others.


async def read_item(item_id: int) -> dict[str, int]:
    if item_id == 404:
        raise NotFoundError("Item 404 does not exist", details={"item_id": 404})
    structlog.stdlib.get_logger("test").info("item_read", item_id=item_id)
    return {"item_id": item_id}


async def boom() -> dict[str, str]:
    raise RuntimeError("secret detail")


async def limited() -> dict[str, str]:
    raise RateLimitedError("Too many uploads; wait and retry", retry_after_s=2.5)


async def internal_ping() -> dict[str, bool]:
    return {"pong": True}


@dataclass(frozen=True)
class ApiCall:
    """One request, as each framework's ``call`` sends it to its app in process."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None  # sent as JSON (Quart's test client sends ``null`` when it is None)
    content: str | None = None  # sent as the raw body instead


@dataclass(frozen=True)
class Framework:
    """What differs between the frameworks, for the same routes (see each file's ``make_app``)."""

    service: str
    key: str
    make_app: Callable[[Mapping[str, HealthCheck] | None], Any]
    call: Callable[[Any, ApiCall], Awaitable[Reply]]  # (status, headers, JSON body or text)
    item_template: str  # how the framework spells the /items/{item_id} route in metric labels
    validation_fields: set[str]  # the field names a validation error of POST /items names
    refused_route: str  # the route label of a call the /internal guard refused


class HttpContract:
    web: ClassVar[Framework]

    # --- helpers -----------------------------------------------------------------------------

    def make_app(self, health_checks: Mapping[str, HealthCheck] | None = None) -> Any:
        return self.web.make_app(health_checks)

    def call(self, app: Any, method: str, path: str, **options: Any) -> Awaitable[Reply]:
        """``options`` are ApiCall's: headers, json_body, content."""
        return self.web.call(app, ApiCall(method, path, **options))

    def internal(self, service_id: str = "cj_assessment_service", key: str | None = None) -> dict[str, str]:
        return {"X-Internal-API-Key": self.web.key if key is None else key, "X-Service-ID": service_id}

    def assert_error_body(self, body: Any, code: str) -> dict[str, Any]:
        assert set(body) == {"error"}
        error: dict[str, Any] = body["error"]
        assert set(error) == ERROR_FIELDS
        assert error["code"] == code
        assert error["service"] == self.web.service
        assert uuid.UUID(error["correlation_id"])
        return error

    def requests_count(self, route: str, status: str, method: str = "GET") -> float:
        labels = {"service": self.web.service, "method": method, "route": route, "status": status}
        return REGISTRY.get_sample_value("huleedu_http_requests_total", labels) or 0.0

    def duration_count(self, route: str) -> float:
        labels = {"service": self.web.service, "method": "GET", "route": route}
        return REGISTRY.get_sample_value("huleedu_http_request_duration_seconds_count", labels) or 0.0

    @pytest.fixture
    def app(self) -> Any:
        return self.make_app()

    @pytest.fixture
    def json_logs(self) -> Iterator[Callable[[], list[dict[str, Any]]]]:
        """The JSON lines written by the configured root handler, redirected into a buffer."""
        root = logging.getLogger()
        level = root.level
        configure_logging(self.web.service, log_format="json", level="INFO")
        [handler] = [h for h in root.handlers if h.get_name() == "huleedu"]
        assert isinstance(handler, logging.StreamHandler)
        buffer = io.StringIO()
        handler.setStream(buffer)
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
        root.removeHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()

    # --- internal auth -----------------------------------------------------------------------

    async def test_internal_route_without_key_is_401(self, app: Any):
        headers = {"X-Service-ID": "cj_assessment_service"}
        status, _, body = await self.call(app, "GET", "/internal/v1/ping", headers=headers)
        assert status == 401
        assert "Missing X-Internal-API-Key" in self.assert_error_body(body, "UNAUTHORIZED")["message"]

    async def test_internal_route_with_wrong_key_is_401(self, app: Any):
        status, _, body = await self.call(app, "GET", "/internal/v1/ping", headers=self.internal(key="wrong"))
        assert status == 401
        self.assert_error_body(body, "UNAUTHORIZED")

    async def test_internal_caller_not_on_allow_list_is_403(self, app: Any):
        status, _, body = await self.call(app, "GET", "/internal/v1/ping", headers=self.internal("content_service"))
        assert status == 403
        assert self.assert_error_body(body, "FORBIDDEN")["details"] == {"service_id": "content_service"}

    async def test_internal_route_with_key_and_allowed_caller_is_200(self, app: Any):
        headers = self.internal("bff_teacher_service")
        status, _, body = await self.call(app, "GET", "/internal/v1/ping", headers=headers)
        assert (status, body) == (200, {"pong": True})

    async def test_route_allow_list_narrows_the_apps(self, app: Any):
        cj, bff = self.internal("cj_assessment_service"), self.internal("bff_teacher_service")
        assert (await self.call(app, "GET", "/internal/v1/cj-only", headers=cj))[0] == 200
        status, _, body = await self.call(app, "GET", "/internal/v1/cj-only", headers=bff)
        assert status == 403
        self.assert_error_body(body, "FORBIDDEN")

    async def test_unknown_internal_path_is_refused_before_revealing_that_it_does_not_exist(self, app: Any):
        status, _, _ = await self.call(app, "GET", "/internal/v1/no-such-route")
        assert status == 401

    async def test_internal_auth_compares_keys_with_compare_digest(self, app: Any, monkeypatch: pytest.MonkeyPatch):
        calls = spy_on_compare_digest(monkeypatch)
        assert (await self.call(app, "GET", "/internal/v1/ping", headers=self.internal(key="wrong")))[0] == 401
        assert (await self.call(app, "GET", "/internal/v1/ping", headers=self.internal()))[0] == 200
        assert len(calls) == 2
        assert all(len(a) == len(b) == 32 for a, b in calls)

    # --- errors ------------------------------------------------------------------------------

    async def test_deliberate_error_renders_the_one_error_body(self, app: Any):
        cid = str(uuid.uuid4())
        status, _, body = await self.call(app, "GET", "/items/404", headers={"X-Correlation-ID": cid})
        assert status == 404
        error = self.assert_error_body(body, "NOT_FOUND")
        assert error["message"] == "Item 404 does not exist"
        assert error["details"] == {"item_id": 404}
        assert error["correlation_id"] == cid

    async def test_unexpected_error_is_500_without_internals_and_is_logged(self, app: Any, json_logs):
        cid = str(uuid.uuid4())
        status, headers, body = await self.call(app, "GET", "/boom", headers={"X-Correlation-ID": cid})
        assert status == 500
        assert headers["X-Correlation-ID"] == cid
        assert self.assert_error_body(body, "INTERNAL_ERROR")["correlation_id"] == cid
        raw = json.dumps(body)
        assert "secret detail" not in raw
        assert "Traceback" not in raw
        logged = [line for line in json_logs() if line["event"] == "unhandled_exception"]
        assert len(logged) == 1
        assert logged[0]["correlation_id"] == cid
        assert "secret detail" in logged[0]["exception"]

    async def test_validation_error_is_400_with_field_details(self, app: Any):
        item = {"title": "", "count": "many", "password": "x"}
        status, _, body = await self.call(app, "POST", "/items", json_body=item)
        assert status == 400
        error = self.assert_error_body(body, "VALIDATION_ERROR")
        assert {f["field"] for f in error["details"]["fields"]} == self.web.validation_fields
        assert "many" not in json.dumps(body)

    async def test_malformed_json_is_400(self, app: Any):
        headers = {"Content-Type": "application/json"}
        status, _, body = await self.call(app, "POST", "/items", content="{not json", headers=headers)
        assert status == 400
        self.assert_error_body(body, "VALIDATION_ERROR")

    async def test_rate_limited_sets_retry_after(self, app: Any):
        status, headers, body = await self.call(app, "GET", "/limited")
        assert status == 429
        assert headers["Retry-After"] == "3"
        self.assert_error_body(body, "RATE_LIMITED")

    async def test_unknown_route_is_404_in_the_error_body(self, app: Any):
        status, _, body = await self.call(app, "GET", "/no/such/path")
        assert status == 404
        self.assert_error_body(body, "NOT_FOUND")

    async def test_wrong_method_is_405_with_allow_header(self, app: Any):
        status, headers, body = await self.call(app, "DELETE", "/items/1")
        assert status == 405
        assert "GET" in headers["Allow"]
        self.assert_error_body(body, "METHOD_NOT_ALLOWED")

    # --- metrics -----------------------------------------------------------------------------

    async def test_metrics_count_ids_under_one_route_template(self, app: Any):
        template = self.web.item_template
        before, before_duration = self.requests_count(template, "200"), self.duration_count(template)
        assert (await self.call(app, "GET", "/items/123"))[0] == 200
        assert (await self.call(app, "GET", "/items/456"))[0] == 200
        assert self.requests_count(template, "200") == before + 2
        assert self.duration_count(template) == before_duration + 2
        _, headers, text = await self.call(app, "GET", "/metrics")
        assert headers["Content-Type"].startswith("text/plain")
        assert f'route="{template}"' in text
        assert "huleedu_http_requests_total{" in text
        assert "/items/123" not in text

    async def test_metrics_label_unmatched_paths_and_refused_calls(self, app: Any):
        refused = self.web.refused_route
        before_unmatched = self.requests_count("<unmatched>", "404")
        before_refused = self.requests_count(refused, "401")
        await self.call(app, "GET", "/no/such/path/789")
        await self.call(app, "GET", "/internal/v1/ping")
        assert self.requests_count("<unmatched>", "404") == before_unmatched + 1
        assert self.requests_count(refused, "401") == before_refused + 1

    async def test_metrics_count_unexpected_errors_as_500(self, app: Any):
        before = self.requests_count("/boom", "500")
        await self.call(app, "GET", "/boom")
        assert self.requests_count("/boom", "500") == before + 1

    # --- health ------------------------------------------------------------------------------

    async def test_healthz_is_200_when_every_check_passes(self):
        status, _, body = await self.call(self.make_app({"database": ok, "redis": ok}), "GET", "/healthz")
        assert status == 200
        assert body["status"] == "ok"
        assert set(body["checks"]) == {"database", "redis"}

    async def test_healthz_is_503_naming_the_failing_check(self):
        async def hangs() -> bool:
            await asyncio.sleep(10)
            return True

        async def refuses() -> bool:
            raise ConnectionRefusedError("redis://user:secret@host")

        app = self.make_app({"database": ok, "redis": refuses, "kafka": hangs})
        status, _, body = await self.call(app, "GET", "/healthz")
        assert status == 503
        assert body["failed"] == ["kafka", "redis"]
        assert body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["redis"]["reason"] == "ConnectionRefusedError"
        assert "timed out" in body["checks"]["kafka"]["reason"]
        assert "secret" not in json.dumps(body)

    # --- correlation id ----------------------------------------------------------------------

    async def test_valid_correlation_id_is_echoed_and_logged(self, app: Any, json_logs):
        cid = str(uuid.uuid4())
        _, headers, _ = await self.call(app, "GET", "/items/7", headers={"X-Correlation-ID": cid})
        assert headers["X-Correlation-ID"] == cid
        [line] = [line for line in json_logs() if line["event"] == "item_read"]
        assert line["correlation_id"] == cid
        assert line["service"] == self.web.service

    @pytest.mark.parametrize("sent", ["not-a-uuid", "", "1 OR 1=1"])
    async def test_invalid_correlation_id_is_replaced(self, app: Any, sent: str):
        _, headers, _ = await self.call(app, "GET", "/items/7", headers={"X-Correlation-ID": sent})
        assert headers["X-Correlation-ID"] != sent
        assert uuid.UUID(headers["X-Correlation-ID"])

    async def test_missing_correlation_id_is_created(self, app: Any):
        _, headers, _ = await self.call(app, "GET", "/items/7")
        assert uuid.UUID(headers["X-Correlation-ID"])

    # --- identity ----------------------------------------------------------------------------

    async def test_identity_comes_from_gateway_headers(self, app: Any):
        headers = {"X-User-ID": "teacher-1", "X-Org-ID": "school-9"}
        status, _, body = await self.call(app, "GET", "/me", headers=headers)
        assert (status, body) == (200, {"user_id": "teacher-1", "org_id": "school-9"})

    async def test_identity_missing_is_401(self, app: Any):
        status, _, body = await self.call(app, "GET", "/me")
        assert status == 401
        self.assert_error_body(body, "UNAUTHORIZED")
        assert (await self.call(app, "GET", "/maybe-me"))[2] == {"user_id": None}
