"""The outgoing client: headers on every request, explicit timeouts, idempotent-only retries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.http.client import make_http_client, request_with_retries, retry_after_s

FAST: dict[str, Any] = {"backoff_s": 0.001, "max_backoff_s": 0.05}


def client_answering(answers: list[httpx.Response | Exception]) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """A client whose transport replays ``answers`` in order and records what was sent."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        answer = answers[min(len(sent), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = make_http_client(
        "http://cms.internal", service_id="bff_teacher_service", api_key="k", transport=httpx.MockTransport(handler)
    )
    return client, sent


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, headers=headers)


async def test_every_request_carries_internal_headers_and_the_current_correlation_id():
    client, sent = client_answering([status(200)])
    cid = uuid.uuid4()
    async with client:
        with correlation_scope(cid):
            await client.get("/internal/v1/classes/1")
        await client.post("/internal/v1/x", json={})
    assert sent[0].headers["X-Internal-API-Key"] == "k"
    assert sent[0].headers["X-Service-ID"] == "bff_teacher_service"
    assert sent[0].headers["X-Correlation-ID"] == str(cid)
    assert str(sent[0].url) == "http://cms.internal/internal/v1/classes/1"
    # Outside any correlation scope nothing stale is sent.
    assert "X-Correlation-ID" not in sent[1].headers


async def test_timeouts_are_explicit_for_every_phase():
    client = make_http_client("http://x", service_id="s", api_key="k", timeout_s=7, connect_timeout_s=2)
    async with client:
        assert client.timeout.as_dict() == {"connect": 2, "read": 7, "write": 7, "pool": 5}


async def test_post_is_never_retried():
    client, sent = client_answering([status(503), status(200)])
    async with client:
        response = await request_with_retries(client, "POST", "/internal/v1/comparisons", json={}, **FAST)
    assert response.status_code == 503
    assert len(sent) == 1


async def test_post_connect_error_is_raised_without_retry():
    client, sent = client_answering([httpx.ConnectError("refused"), status(200)])
    async with client:
        with pytest.raises(httpx.ConnectError):
            await request_with_retries(client, "post", "/x", **FAST)
    assert len(sent) == 1


@pytest.mark.parametrize("first", [status(503), status(429), status(500)])
async def test_get_is_retried_on_429_and_5xx(first: httpx.Response):
    client, sent = client_answering([first, status(200)])
    async with client:
        response = await request_with_retries(client, "GET", "/x", **FAST)
    assert response.status_code == 200
    assert len(sent) == 2


async def test_get_is_retried_on_connect_errors_then_gives_up():
    client, sent = client_answering([httpx.ConnectError("refused")])
    async with client:
        with pytest.raises(httpx.ConnectError):
            await request_with_retries(client, "GET", "/x", max_attempts=3, **FAST)
    assert len(sent) == 3


async def test_client_errors_are_not_retried():
    client, sent = client_answering([status(404), status(200)])
    async with client:
        assert (await request_with_retries(client, "DELETE", "/x", **FAST)).status_code == 404
    assert len(sent) == 1


async def test_retry_after_is_honoured():
    client, sent = client_answering([status(429, **{"Retry-After": "0.05"}), status(200)])
    async with client:
        with capture_logs() as logs:
            assert (await request_with_retries(client, "PUT", "/x", max_backoff_s=5)).status_code == 200
    assert [(log["event"], log["delay_s"], log["reason"]) for log in logs] == [("http_retry", 0.05, "429")]
    assert len(sent) == 2


async def test_retry_after_longer_than_the_cap_returns_the_answer_instead_of_waiting():
    client, sent = client_answering([status(503, **{"Retry-After": "120"}), status(200)])
    async with client:
        assert (await request_with_retries(client, "GET", "/x", **FAST)).status_code == 503
    assert len(sent) == 1


@pytest.mark.parametrize(("header", "expected"), [("3", 3.0), ("-1", 0.0), ("soon", None), ("", None)])
def test_retry_after_parses_seconds(header: str, expected: float | None):
    assert retry_after_s(httpx.Response(429, headers={"Retry-After": header})) == expected


def test_retry_after_parses_http_dates():
    header = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    seconds = retry_after_s(httpx.Response(429, headers={"Retry-After": header}))
    assert seconds is not None
    assert 0 < seconds <= 60
