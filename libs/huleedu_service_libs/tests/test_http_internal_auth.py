"""Internal auth without a framework: the headers a caller sends and the callee's decision.

The framework guards are proven in test_http_quart.py and test_http_fastapi.py.
"""

from __future__ import annotations

import uuid

import pytest

from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.errors import ForbiddenError, UnauthorizedError
from huleedu_service_libs.http.internal_auth import InternalAuth, internal_headers, is_internal_path, keys_match
from libs.huleedu_service_libs.tests.http_contract import spy_on_compare_digest


def test_internal_headers_carry_key_service_and_current_correlation_id():
    assert internal_headers("cj_assessment_service", "k") == {
        "X-Internal-API-Key": "k",
        "X-Service-ID": "cj_assessment_service",
    }
    cid = uuid.uuid4()
    with correlation_scope(cid):
        assert internal_headers("cj_assessment_service", "k")["X-Correlation-ID"] == str(cid)


def test_keys_are_compared_as_equal_length_digests_with_compare_digest(monkeypatch: pytest.MonkeyPatch):
    calls = spy_on_compare_digest(monkeypatch)
    assert keys_match("the-key", "the-key") is True
    assert keys_match("short", "a-much-longer-expected-key") is False
    assert keys_match("", "the-key") is False
    assert len(calls) == 3
    # The compared values never reveal the expected key's length.
    assert {len(a) for a, _ in calls} | {len(b) for _, b in calls} == {32}


def test_no_key_means_no_auth_object():
    with pytest.raises(ValueError, match="no default key"):
        InternalAuth("", ["cj_assessment_service"])


@pytest.mark.parametrize(("key", "service_id"), [(None, "cj"), ("", "cj"), ("wrong", "cj"), ("wrong", None)])
def test_missing_or_wrong_key_is_unauthorized_whoever_calls(key: str | None, service_id: str | None):
    with pytest.raises(UnauthorizedError):
        InternalAuth("right", ["cj"]).authorize(key, service_id)


@pytest.mark.parametrize("service_id", [None, "", "ras", "CJ"])
def test_caller_not_on_allow_list_is_forbidden(service_id: str | None):
    with pytest.raises(ForbiddenError):
        InternalAuth("right", ["cj"]).authorize("right", service_id)


def test_route_list_narrows_and_never_widens_the_apps():
    auth = InternalAuth("right", ["cj", "bff"])
    assert auth.authorize("right", "cj", allowed=["cj"]) == "cj"
    with pytest.raises(ForbiddenError):
        auth.authorize("right", "bff", allowed=["cj"])
    with pytest.raises(ForbiddenError):
        auth.authorize("right", "ras", allowed=["ras"])


def test_empty_allow_list_admits_no_one():
    with pytest.raises(ForbiddenError):
        InternalAuth("right").authorize("right", "cj")


@pytest.mark.parametrize(
    ("path", "internal"),
    [("/internal", True), ("/internal/v1/x", True), ("/internals", False), ("/v1/internal/x", False)],
)
def test_internal_paths(path: str, internal: bool):
    assert is_internal_path(path) is internal
