"""The labels of the gateway's sign-in metrics, and a refused request counted as a rate-limit hit."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from api_gateway_service.adapters.rate_limits import RateLimiter
from api_gateway_service.domain.rate_limits import Limit
from api_gateway_service.metrics import login_outcome, rejection_reason
from huleedu_service_libs.errors import ErrorCode, RateLimitedError


@pytest.mark.parametrize(
    ("cms_status", "outcome"),
    [(200, "success"), (401, "invalid_credentials"), (429, "locked"), (422, "error"), (500, "error")],
)
def test_login_outcome_follows_the_answer_of_cms(cms_status: int, outcome: str):
    assert login_outcome(cms_status) == outcome


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (ErrorCode.TOKEN_EXPIRED, "expired"),
        (ErrorCode.TOKEN_REVOKED, "revoked"),
        (ErrorCode.TOKEN_MISSING, "missing"),
        (ErrorCode.TOKEN_BAD_SIGNATURE, "invalid"),
        (ErrorCode.TOKEN_WRONG_AUDIENCE, "invalid"),
        (ErrorCode.TOKEN_CLAIM_MISSING, "invalid"),
    ],
)
def test_rejection_reason_groups_every_forgery_as_invalid(code: ErrorCode, reason: str):
    assert rejection_reason(code) == reason


class _CountingRedis:
    """Stands in for the window script: the count of hits so far, and a fixed time left."""

    def __init__(self) -> None:
        self.count = 0

    def register_script(self, _source: str) -> Any:
        async def script(keys: list[str], args: list[Any]) -> list[int]:
            self.count += 1
            return [self.count, 30]

        return script


def hits(limit: str) -> float:
    labels = {"service": "gateway_metrics_test", "limit": limit}
    return REGISTRY.get_sample_value("huleedu_rate_limit_hits_total", labels) or 0.0


async def test_only_a_refused_request_counts_as_a_rate_limit_hit():
    limiter = RateLimiter(_CountingRedis(), "test:", "gateway_metrics_test")  # type: ignore[arg-type]
    limit = Limit("login_ip", requests=2, window_s=60)
    before = hits("login_ip")
    await limiter.hit(limit, "10.0.0.1")
    await limiter.hit(limit, "10.0.0.1")
    assert hits("login_ip") == before
    with pytest.raises(RateLimitedError):
        await limiter.hit(limit, "10.0.0.1")
    assert hits("login_ip") == before + 1
