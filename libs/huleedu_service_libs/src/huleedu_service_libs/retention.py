"""Retention: personal data is purged a set time after the work it belongs to has finished (issue 23).

One policy per deployment, read by every service that owns personal data (``ServiceSettings``):

* ``HULEEDU_RETENTION_PERIOD``: ``never`` (the default) or a duration such as ``365d``, ``12h``, ``30m``
  or ``5s`` (a bare number is days), counted from when a batch's assessment finished;
* ``HULEEDU_RETENTION_KEEP_AGGREGATES``: keep anonymous aggregates (grade distribution, reliability,
  counts) once the texts and per-essay data are gone (default true), or erase the batch entirely;
* ``HULEEDU_RETENTION_CHECK_INTERVAL_S``: how often each service looks (default an hour).

Each owning service runs a :class:`RetentionLoop` with its own ``purge`` (its own tables, its own clock),
so no service depends on another being up for its data to expire; what was purged is counted in
``huleedu_retention_purged_total{service, kind}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from huleedu_service_libs.metrics import RETENTION_PURGED

_log = structlog.stdlib.get_logger(__name__)

RETENTION = "retention"  # the worker's name in a service's background work (and /healthz)

_UNITS = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhms]?)\s*$")


def parse_period(text: str) -> float | None:
    """Seconds of a retention period (``None`` for ``never``); a ValueError names what is accepted."""
    if text.strip().lower() in {"", "never", "off"}:
        return None
    match = _DURATION.match(text.lower())
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a retention period: use never, or a positive duration like 365d, 12h, 5s")
    return float(match.group(1)) * _UNITS[match.group(2) or "d"]


@dataclass(frozen=True)
class RetentionPolicy:
    period_s: float | None  # None: kept until deleted
    keep_aggregates: bool = True
    check_interval_s: float = 3600.0

    def cutoff(self, now: datetime | None = None) -> datetime | None:
        """Work that finished before this instant is due (None: nothing ever is)."""
        if self.period_s is None:
            return None
        return (now or datetime.now(UTC)) - timedelta(seconds=self.period_s)


# What a service purges: given the cutoff and whether aggregates stay, the items purged by kind.
Purge = Callable[[datetime, bool], Awaitable[Mapping[str, int]]]


class RetentionLoop:
    """Runs ``purge`` every ``check_interval_s`` while the policy has a period; a failed pass is retried."""

    def __init__(self, service: str, policy: RetentionPolicy, purge: Purge) -> None:
        self._service = service
        self._policy = policy
        self._purge = purge
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(Exception):  # logged in purge_once; the next pass tries again
                await self.purge_once()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._policy.check_interval_s):
                    await self._stopping.wait()

    def stop(self) -> None:
        self._stopping.set()

    async def purge_once(self) -> dict[str, int]:
        cutoff = self._policy.cutoff()
        if cutoff is None:
            return {}
        try:
            purged = dict(await self._purge(cutoff, self._policy.keep_aggregates))
        except Exception as exc:
            _log.warning("retention_pass_failed", service=self._service, error=repr(exc))
            raise
        for kind, count in purged.items():
            RETENTION_PURGED.labels(self._service, kind).inc(count)
        if any(purged.values()):
            _log.info("retention_purged", service=self._service, cutoff=cutoff.isoformat(), **purged)
        return purged
