"""Access-log test pieces: an in-memory log for service-layer tests, and the hostile paging queries every owner's route
must refuse (the real log is ``huleedu_service_libs.access_log``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from common_core.http.access import AccessSubject
from huleedu_service_libs.access_log import Accessor


@dataclass(frozen=True)
class AccessEntry:
    owner_id: str
    accessor: Accessor
    subject: tuple[AccessSubject, str]


class FakeAccessLog:
    """The access log as a list; ``fail`` makes every write raise, as a database that is down would."""

    def __init__(self) -> None:
        self.entries: list[AccessEntry] = []
        self.fail = False

    async def record(self, owner_id: str, accessor: Accessor, subjects: Iterable[tuple[AccessSubject, str]]) -> int:
        if self.fail:
            raise ConnectionResetError("the access log cannot be written")
        new = [AccessEntry(owner_id, accessor, subject) for subject in dict.fromkeys(subjects)]
        self.entries += new
        return len(new)

    async def forget_owner(self, owner_id: str) -> int:
        kept = [e for e in self.entries if e.owner_id != owner_id]
        forgotten, self.entries = len(self.entries) - len(kept), kept
        return forgotten


# Query strings every owner's ``GET /internal/v1/users/{id}/access-log`` must answer with a 400, never a
# 500: out-of-range and non-ASCII numbers, broken or zone-less times, NUL bytes, and valid ISO times whose
# UTC instant lies outside the years 1-9999 (the database driver cannot encode those).
HOSTILE_PAGING_PARAMS: tuple[dict[str, str], ...] = (
    {"limit": "0"},
    {"limit": "-1"},
    {"limit": "201"},
    {"limit": "9" * 400},
    {"limit": "1e3"},
    {"limit": "\u00b2"},
    {"limit": "5\x00"},
    {"before": "yesterday"},
    {"before": "2026-13-01T00:00:00+00:00"},
    {"before": "2026-01-01T00:00:00"},
    {"before": "9" * 400},
    {"before": "\x00"},
    {"before": "0001-01-01T00:00:00+01:00"},
    {"before": "9999-12-31T23:59:59-01:00"},
)
