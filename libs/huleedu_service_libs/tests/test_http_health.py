"""Health checks without infrastructure: the report, the timeout, and the ready-made checks.

The live Redis and PostgreSQL checks run in integration/test_http_health_live.py; the
endpoints in test_http_quart.py and test_http_fastapi.py.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import create_async_engine

from huleedu_service_libs.http.health import publisher_check, run_health_checks, sqlalchemy_check


async def _ok() -> bool:
    return True


async def _says_no() -> bool:
    return False


async def test_all_passing_is_200_ok():
    report = await run_health_checks({"database": _ok, "redis": _ok})
    assert report.status_code == 200
    assert report.body()["status"] == "ok"
    assert {name: check["status"] for name, check in report.body()["checks"].items()} == {
        "database": "ok",
        "redis": "ok",
    }
    assert "failed" not in report.body()


async def test_a_check_that_says_no_is_503_naming_it():
    report = await run_health_checks({"database": _ok, "kafka": _says_no})
    assert report.status_code == 503
    assert report.body()["failed"] == ["kafka"]
    assert report.body()["checks"]["kafka"] == {
        "status": "fail",
        "duration_ms": report.body()["checks"]["kafka"]["duration_ms"],
        "reason": "reported unavailable",
    }


async def test_checks_run_concurrently_and_each_is_bounded_by_the_timeout():
    async def hangs() -> bool:
        await asyncio.sleep(30)
        return True

    loop = asyncio.get_running_loop()
    started = loop.time()
    report = await run_health_checks({"a": hangs, "b": hangs, "ok": _ok}, timeout_s=0.2)
    # Two hanging checks in sequence would need 0.4s; a generous bound keeps this robust.
    assert loop.time() - started < 5
    assert report.body()["failed"] == ["a", "b"]
    assert report.body()["checks"]["a"]["reason"] == "timed out after 0.2s"


async def test_a_raising_check_reports_the_exception_type_only():
    async def raises() -> bool:
        raise OSError("connect to postgres://admin:s3cret@db failed")

    report = await run_health_checks({"database": raises})
    assert report.body()["checks"]["database"]["reason"] == "OSError"
    assert "s3cret" not in str(report.body())


class FakePublisher:
    def __init__(self) -> None:
        self.started = False


async def test_publisher_check_follows_started():
    publisher = FakePublisher()
    check = publisher_check(publisher)
    assert await check() is False
    publisher.started = True
    assert await check() is True


async def test_sqlalchemy_check_fails_when_the_database_is_unreachable():
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", connect_args={"timeout": 1})
    try:
        report = await run_health_checks({"database": sqlalchemy_check(engine)}, timeout_s=5)
    finally:
        await engine.dispose()
    assert report.body()["failed"] == ["database"]
