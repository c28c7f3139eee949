"""``/healthz``: named dependency checks, run concurrently, each bounded by a timeout.

A check is an async callable that returns ``True`` when its dependency is usable; ``False``,
an exception or running past the timeout all count as a failure. The report names each
check, so a 503 says which dependency is down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs.probes import redis_answers

HealthCheck = Callable[[], Awaitable[bool]]

logger = structlog.stdlib.get_logger(__name__)


class HasStarted(Protocol):
    """Anything that knows whether it is running, such as ``kafka.producer.EventPublisher``."""

    @property
    def started(self) -> bool: ...


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    duration_ms: float
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"status": "ok" if self.ok else "fail", "duration_ms": round(self.duration_ms, 1)}
        if self.reason:
            result["reason"] = self.reason
        return result


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, CheckResult]

    @property
    def healthy(self) -> bool:
        return all(result.ok for result in self.checks.values())

    @property
    def status_code(self) -> int:
        return 200 if self.healthy else 503

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "ok" if self.healthy else "fail",
            "checks": {name: result.as_dict() for name, result in self.checks.items()},
        }
        if not self.healthy:
            body["failed"] = sorted(name for name, result in self.checks.items() if not result.ok)
        return body


async def _run_one(name: str, check: HealthCheck, timeout_s: float) -> CheckResult:
    started = time.perf_counter()
    reason: str | None = None
    try:
        async with asyncio.timeout(timeout_s):
            ok = bool(await check())
        if not ok:
            reason = "reported unavailable"
    except TimeoutError:
        ok, reason = False, f"timed out after {timeout_s:g}s"
    except Exception as exc:
        # Only the type: a driver's message may hold a URL with credentials.
        ok, reason = False, type(exc).__name__
    duration_ms = (time.perf_counter() - started) * 1000
    if not ok:
        logger.warning("health_check_failed", check=name, reason=reason, duration_ms=round(duration_ms, 1))
    return CheckResult(ok=ok, duration_ms=duration_ms, reason=reason)


async def run_health_checks(checks: Mapping[str, HealthCheck], *, timeout_s: float = 2.0) -> HealthReport:
    names = list(checks)
    results = await asyncio.gather(*(_run_one(name, checks[name], timeout_s) for name in names))
    return HealthReport(dict(zip(names, results, strict=True)))


def sqlalchemy_check(engine: AsyncEngine) -> HealthCheck:
    """``SELECT 1`` through the service's own pool, so a starved pool shows up too."""

    async def check() -> bool:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True

    return check


def redis_check(target: str | Redis) -> HealthCheck:
    """``PING`` on the service's client, or on a fresh connection to a URL."""

    async def check() -> bool:
        if isinstance(target, str):
            return await redis_answers(target)
        return bool(await target.ping())

    return check


def publisher_check(publisher: HasStarted) -> HealthCheck:
    """The Kafka publisher was started and not stopped; the broker itself is not contacted."""

    async def check() -> bool:
        return publisher.started

    return check


class Supervised(Protocol):
    """Anything that knows whether its background loops run, such as ``supervision.WorkerGroup``."""

    def down(self) -> list[str]: ...


def workers_check(workers: Supervised) -> HealthCheck:
    """Every supervised background loop is running; one that crashed fails the check until it is back."""

    async def check() -> bool:
        down = workers.down()
        if down:
            # The report only says "reported unavailable"; the log names the loops.
            logger.warning("background_workers_down", workers=down)
        return not down

    return check
