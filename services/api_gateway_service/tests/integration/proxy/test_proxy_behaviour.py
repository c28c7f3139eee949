"""The proxy through real sockets: header hygiene, pass-through answers, the gateway's own 503/504,
streamed uploads refused over a limit, cancel by batch id, and the BFF prefix.

The internal services are stand-ins that record what they receive (``stand_in.py``).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api_gateway_service.proxying import GATEWAY_SERVICE_ID
from common_core.http.examples import example_of
from services.api_gateway_service.tests.integration.proxy.conftest import TEACHER, Gateway
from services.api_gateway_service.tests.stand_in import Answer
from tests.integration.robustness.service_apps import KEY, asgi_exchange

BATCH = uuid.uuid4()
JOB = uuid.uuid4()


async def test_a_client_cannot_speak_for_anyone_else(gateway: Gateway):
    sent = [
        ("x-user-id", "victim"),
        ("X-User-ID", "second-victim"),
        ("X-USER-ID", "third-victim"),
        ("x-org-id", "someone-elses-school"),
        ("x-internal-api-key", "guessed-key"),
        ("X-Internal-Anything", "1"),
        ("x-service-id", "content_service"),
        ("X-Service-ID", "cj_assessment_service"),
        ("Idempotency-Key", "start-1"),
    ]
    response = await gateway.client.post(f"/v1/batches/{BATCH}/assessments", headers=sent)

    assert response.status_code == 200  # the stand-in's answer, passed through
    seen = gateway.downstream.last()
    assert seen.path == f"/v1/batches/{BATCH}/assessments"
    assert seen.headers.getlist("X-User-ID") == [TEACHER]
    assert seen.headers.getlist("X-Service-ID") == [GATEWAY_SERVICE_ID]
    assert seen.headers.getlist("X-Internal-API-Key") == [KEY]
    assert seen.headers.getlist("X-Org-ID") == []
    assert seen.headers.getlist("X-Internal-Anything") == []
    assert seen.headers.getlist("Authorization") == []
    assert seen.headers.getlist("Idempotency-Key") == ["start-1"]


async def test_the_correlation_id_travels_on(gateway: Gateway):
    correlation_id = str(uuid.uuid4())
    await gateway.client.get("/v1/batches", headers={"X-Correlation-ID": correlation_id})
    assert gateway.downstream.last().headers.getlist("X-Correlation-ID") == [correlation_id]


@pytest.mark.parametrize("status", [400, 404, 409, 422])
async def test_a_downstream_error_passes_through_unchanged(gateway: Gateway, status: int):
    body = {
        "error": {
            "code": "WHATEVER_THE_OWNER_SAID",
            "message": f"the owner's own {status}",
            "correlation_id": None,
            "service": "content_service",
            "details": {"batch_id": str(BATCH)},
        }
    }
    gateway.downstream.answer("GET", f"/v1/batches/{BATCH}", Answer(status=status, body=body))
    response = await gateway.client.get(f"/v1/batches/{BATCH}")
    assert response.status_code == status
    assert response.json() == body


async def test_retry_after_passes_through(gateway: Gateway):
    gateway.downstream.answer("GET", "/v1/assignments", Answer(status=429, headers={"Retry-After": "7"}))
    response = await gateway.client.get("/v1/assignments")
    assert (response.status_code, response.headers["retry-after"]) == (429, "7")


async def test_a_downstream_that_does_not_answer_in_time_is_a_504(gateway: Gateway):
    gateway.downstream.answer("GET", "/v1/classes", Answer(delay_s=gateway.timeout_s + 1.0))
    response = await gateway.client.get("/v1/classes")
    assert response.status_code == 504
    error = response.json()["error"]
    assert error["code"] == "TIMEOUT"
    assert error["details"] == {"service": "class_management_service"}


async def test_an_unreachable_downstream_is_a_503(gateway: Gateway):
    response = await gateway.client.get("/v1/bff-is-not-running".replace("/v1/", "/bff/v1/teacher/"))
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert error["service"] == "api_gateway_service"
    assert error["details"] == {"service": "bff_teacher_service"}


async def test_the_read_model_is_asked_for_the_tokens_teacher_only(gateway: Gateway):
    await gateway.client.get(
        "/v1/results/batches", params=[("status", "completed"), ("status", "failed"), ("q", "essays"), ("limit", "5")]
    )
    seen = gateway.downstream.last()
    assert seen.path == f"/internal/v1/users/{TEACHER}/batches"
    assert seen.query == [
        ("status", "completed"),
        ("status", "failed"),
        ("q", "essays"),
        ("limit", "5"),
        ("offset", "0"),
    ]

    await gateway.client.get("/v1/results/summary")
    assert gateway.downstream.last().path == f"/internal/v1/users/{TEACHER}/summary"


async def test_the_gateway_validates_before_it_forwards(gateway: Gateway):
    response = await gateway.client.post("/v1/batches", json={"title": ""})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert gateway.downstream.seen == []


async def test_a_patch_forwards_only_the_fields_sent(gateway: Gateway):
    await gateway.client.patch(f"/v1/students/{uuid.uuid4()}", json={"email": None})
    assert gateway.downstream.last().body == b'{"email":null}'


def batch_detail(job_id: uuid.UUID | None) -> dict[str, Any]:
    """The read model's answer for BATCH, from the contract's own example, with ``job_id`` as its job."""
    detail: dict[str, Any] = example_of("BatchDetailResponse")
    detail["batch"]["batch_id"] = str(BATCH)
    if job_id is None:
        detail["current_job"] = None
    else:
        detail["current_job"]["job_id"] = str(job_id)
    return detail


async def test_cancel_by_batch_id_cancels_the_batchs_current_job(gateway: Gateway):
    gateway.downstream.answer("GET", f"/internal/v1/batches/{BATCH}", Answer(body=batch_detail(JOB)))
    cancelled = {"job_id": str(JOB), "state": "failed", "cancelled_at": "2026-12-01T10:05:00Z"}
    gateway.downstream.answer("POST", f"/internal/v1/jobs/{JOB}/cancel", Answer(body=cancelled))

    response = await gateway.client.post(f"/v1/batches/{BATCH}/cancel")

    assert (response.status_code, response.json()) == (200, cancelled)
    asked, cancel = gateway.downstream.seen
    assert (asked.method, asked.path) == ("GET", f"/internal/v1/batches/{BATCH}")
    assert (cancel.method, cancel.path) == ("POST", f"/internal/v1/jobs/{JOB}/cancel")
    assert cancel.headers.getlist("X-User-ID") == [TEACHER]


async def test_cancel_without_a_job_is_a_409_and_an_unknown_batch_the_read_models_404(gateway: Gateway):
    gateway.downstream.answer("GET", f"/internal/v1/batches/{BATCH}", Answer(body=batch_detail(None)))
    response = await gateway.client.post(f"/v1/batches/{BATCH}/cancel")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "CONFLICT")

    missing: dict[str, Any] = {"error": {"code": "NOT_FOUND", "message": "batch not found", "correlation_id": None,
                         "service": "result_aggregator_service", "details": {}}}  # fmt: skip
    gateway.downstream.answer("GET", f"/internal/v1/batches/{BATCH}", Answer(status=404, body=missing))
    response = await gateway.client.post(f"/v1/batches/{BATCH}/cancel")
    assert (response.status_code, response.json()) == (404, missing)
    assert all(not seen.path.endswith("/cancel") for seen in gateway.downstream.seen)


async def test_an_upload_over_the_limit_is_refused_before_it_is_fully_read(gateway: Gateway):
    boundary = "gateway-test-boundary"
    pulled = 0
    sent_all = asyncio.Event()

    async def oversized_upload() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        for _ in range(200):  # 200 chunks of 64 kB: far over the 1 MB a file the test gateway allows
            pulled += 1
            yield b"x" * 65_536
        sent_all.set()
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await gateway.client.post(
        f"/v1/batches/{BATCH}/essays",
        content=oversized_upload(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 413
    assert "huge.txt is larger than 1 MB" in response.json()["error"]["message"]
    assert not sent_all.is_set()
    assert pulled < 20
    assert all(seen.complete is False for seen in gateway.downstream.seen)


async def test_an_upload_within_the_limits_reaches_the_owner_unchanged(gateway: Gateway):
    files = [
        ("files", ("a.txt", b"Ett kort svenskt prov. " * 40, "text/plain")),
        ("files", ("b.md", b"# B\n" * 9, "text/markdown")),
    ]
    sent = httpx.Request("POST", "http://x/", files=files)
    body = sent.read()
    gateway.downstream.answer("POST", f"/v1/batches/{BATCH}/essays", Answer(body={"accepted": 2}))

    response = await gateway.client.post(
        f"/v1/batches/{BATCH}/essays", content=body, headers={"Content-Type": sent.headers["content-type"]}
    )

    assert (response.status_code, response.json()) == (200, {"accepted": 2})
    seen = gateway.downstream.last()
    assert (seen.body, seen.headers["Content-Type"]) == (body, sent.headers["content-type"])


async def test_the_dashboard_prefix_reaches_the_bff_with_the_same_identity(gateway: Gateway):
    gateway.point_bff_at_the_stand_in()
    response = await gateway.client.get(
        "/bff/v1/teacher/dashboard", params={"page": "2"}, headers={"x-user-id": "victim"}
    )
    assert response.status_code == 200
    seen = gateway.downstream.last()
    assert (seen.path, seen.query) == ("/bff/v1/teacher/dashboard", [("page", "2")])
    assert seen.headers.getlist("X-User-ID") == [TEACHER]


@pytest.mark.parametrize("path", ["%2e%2e/%2e%2e/internal/v1/anything", "a/%2E%2E/./b"])
async def test_the_dashboard_prefix_cannot_be_climbed_out_of(gateway: Gateway, path: str):
    gateway.point_bff_at_the_stand_in()
    response = await gateway.client.get(f"/bff/v1/teacher/{path}")
    assert (response.status_code, response.json()["error"]["message"]) == (404, "No such dashboard route")
    assert gateway.downstream.seen == []


async def test_a_dashboard_url_too_long_to_pass_on_is_a_400(gateway: Gateway):
    gateway.point_bff_at_the_stand_in()
    # Straight into the app: httpx, the test's client, would not even build this URL.
    status, body = await asgi_call(gateway, "GET", "/bff/v1/teacher/search", b"q=" + b"x" * 70_000)
    error = json.loads(body)["error"]
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert "too long" in error["message"]
    assert gateway.downstream.seen == []


async def test_an_upload_the_client_breaks_off_is_its_4xx_not_a_gateway_error(gateway: Gateway):
    boundary = "broken-off"
    opening = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\n'
    ).encode() + b"x" * 1_000
    headers = [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())]
    status, body = await asgi_call(gateway, "POST", f"/v1/batches/{BATCH}/essays", b"", headers, [opening])
    error = json.loads(body)["error"]
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")
    assert "broke off" in error["message"]


async def asgi_call(
    gateway: Gateway,
    method: str,
    path: str,
    query: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
    chunks_then_disconnect: list[bytes] | None = None,
) -> tuple[int, bytes]:
    """One request straight into the app, as the client's bytes arrive; with ``chunks_then_disconnect``
    the body's chunks arrive and then the client goes away."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(b"authorization", gateway.client.headers["Authorization"].encode()), *(headers or [])],
        "client": ("203.0.113.9", 40000),
        "server": ("gateway.test", 80),
    }
    incoming: list[dict[str, Any]] = [{"type": "http.request", "body": b"", "more_body": False}]
    if chunks_then_disconnect is not None:
        incoming = [{"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks_then_disconnect]
    status, _, answer = await asgi_exchange(gateway.app, scope, incoming)
    return status, answer
