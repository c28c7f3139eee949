"""The error body built from each kind of failure, without a framework."""

from __future__ import annotations

import uuid

import pytest
from pydantic import BaseModel, ValidationError

from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.errors import ConflictError, ExternalServiceError, RateLimitedError
from huleedu_service_libs.http.error_body import (
    code_for_status,
    field_errors,
    reply_for_error,
    reply_for_http_status,
    reply_for_unexpected,
    reply_for_validation,
)


class Login(BaseModel):
    email: str
    password: int


def test_deliberate_error_keeps_code_message_details_and_correlation_id():
    cid = uuid.uuid4()
    with correlation_scope(cid):
        reply = reply_for_error(ConflictError("Batch already started", details={"batch_id": "b1"}), "content_service")
    assert reply.status == 409
    assert reply.body() == {
        "error": {
            "code": "CONFLICT",
            "message": "Batch already started",
            "correlation_id": str(cid),
            "service": "content_service",
            "details": {"batch_id": "b1"},
        }
    }


def test_deliberate_5xx_keeps_its_message():
    reply = reply_for_error(ExternalServiceError("Class management did not answer"), "bff")
    assert (reply.status, reply.body()["error"]["message"]) == (502, "Class management did not answer")


@pytest.mark.parametrize(("retry_after_s", "header"), [(2.1, "3"), (0.0, "0"), (5, "5")])
def test_retry_after_is_rounded_up_to_whole_seconds(retry_after_s: float, header: str):
    reply = reply_for_error(RateLimitedError("slow down", retry_after_s=retry_after_s), "gw")
    assert reply.headers == {"Retry-After": header}


def test_rate_limited_without_a_hint_sends_no_retry_after():
    assert reply_for_error(RateLimitedError("slow down"), "gw").headers == {}


def test_unexpected_error_hides_everything_about_itself():
    reply = reply_for_unexpected(RuntimeError("password=hunter2"), "svc")
    assert reply.status == 500
    assert reply.body()["error"]["code"] == "INTERNAL_ERROR"
    assert "hunter2" not in str(reply.body())
    assert "RuntimeError" not in str(reply.body())


def test_validation_details_name_fields_and_drop_rejected_input():
    with pytest.raises(ValidationError) as caught:
        Login.model_validate({"email": None, "password": "hunter2"})
    reply = reply_for_validation(caught.value.errors(), "gw")
    assert reply.status == 400
    fields = reply.body()["error"]["details"]["fields"]
    assert [f["field"] for f in fields] == ["email", "password"]
    assert "hunter2" not in str(reply.body())


def test_long_validation_summaries_are_cut():
    errors = [{"loc": ("body", f"f{i}"), "msg": "Field required", "type": "missing"} for i in range(5)]
    message = reply_for_validation(errors, "gw").body()["error"]["message"]
    assert message.endswith("(+2 more)")
    assert len(field_errors(errors)) == 5


def test_framework_4xx_keeps_its_description_and_headers():
    reply = reply_for_http_status(405, "Use GET", "svc", {"Allow": "GET"})
    assert reply.body()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert reply.body()["error"]["message"] == "Use GET"
    assert reply.headers == {"Allow": "GET"}


def test_framework_5xx_description_is_replaced_by_the_status_phrase():
    reply = reply_for_http_status(500, "db at postgres://u:secret@h failed", "svc")
    assert reply.body()["error"]["message"] == "Internal Server Error"
    assert "secret" not in str(reply.body())


def test_structured_4xx_detail_goes_to_details():
    reply = reply_for_http_status(409, {"batch_id": "b1"}, "svc")
    assert reply.body()["error"]["details"] == {"detail": {"batch_id": "b1"}}


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "VALIDATION_ERROR"), (404, "NOT_FOUND"), (415, "BAD_REQUEST"), (502, "INTERNAL_ERROR"), (504, "TIMEOUT")],
)
def test_status_codes_map_to_error_codes(status: int, code: str):
    assert code_for_status(status) == code


def test_no_correlation_id_outside_a_request():
    assert reply_for_http_status(404, None, "svc").body()["error"]["correlation_id"] is None
