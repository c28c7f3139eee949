"""The retention policy: its setting's grammar, the cutoff, and the loop that purges and counts (issue 23)."""

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from huleedu_service_libs.retention import RetentionLoop, RetentionPolicy, parse_period
from huleedu_service_libs.settings import ServiceSettings


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("never", None), ("", None), ("OFF", None), ("365d", 365 * 86400.0), ("365", 365 * 86400.0),
     ("12h", 43200.0), ("30m", 1800.0), ("5s", 5.0), (" 1.5 d ", 1.5 * 86400)],
)  # fmt: skip
def test_a_period_reads_as_days_hours_minutes_or_seconds(text, seconds):
    assert parse_period(text) == seconds


@pytest.mark.parametrize("text", ["0d", "-3d", "a year", "12w", "5 s s"])
def test_an_unreadable_period_is_refused_naming_what_is_accepted(text):
    with pytest.raises(ValueError, match="365d, 12h, 5s"):
        parse_period(text)


def test_the_setting_is_checked_at_start_up(monkeypatch):
    monkeypatch.setenv("HULEEDU_RETENTION_PERIOD", "a year")
    with pytest.raises(ValueError, match=r"HULEEDU_RETENTION_PERIOD|retention_period"):
        ServiceSettings(service_name="x", HULEEDU_DEV_MODE=True)
    monkeypatch.setenv("HULEEDU_RETENTION_PERIOD", "30d")
    monkeypatch.setenv("HULEEDU_RETENTION_KEEP_AGGREGATES", "false")
    policy = ServiceSettings(service_name="x", HULEEDU_DEV_MODE=True).retention_policy()
    assert (policy.period_s, policy.keep_aggregates) == (30 * 86400.0, False)


def test_never_has_no_cutoff_and_a_period_counts_back_from_now():
    now = datetime(2026, 12, 7, tzinfo=UTC)
    assert RetentionPolicy(period_s=None).cutoff(now) is None
    assert RetentionPolicy(period_s=3600).cutoff(now) == now - timedelta(hours=1)


def _purged(service: str, kind: str) -> float:
    return REGISTRY.get_sample_value("huleedu_retention_purged_total", {"service": service, "kind": kind}) or 0.0


async def test_a_pass_purges_with_the_cutoff_and_counts_by_kind():
    asked: list[tuple[datetime, bool]] = []

    async def purge(cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
        asked.append((cutoff, keep_aggregates))
        return {"texts": 3, "essays": 2}

    before = _purged("retention_test", "texts")
    loop = RetentionLoop("retention_test", RetentionPolicy(period_s=60, keep_aggregates=False), purge)
    assert await loop.purge_once() == {"texts": 3, "essays": 2}
    [(cutoff, keep)] = asked
    assert keep is False
    assert abs((datetime.now(UTC) - cutoff).total_seconds() - 60) < 5
    assert _purged("retention_test", "texts") - before == 3


async def test_with_no_period_nothing_is_ever_purged():
    async def purge(cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
        raise AssertionError("purge must not run without a period")

    assert await RetentionLoop("retention_test", RetentionPolicy(period_s=None), purge).purge_once() == {}
