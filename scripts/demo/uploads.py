"""Essay uploads from the command-line clients (the demo, the ENG5 runner) through the gateway.

The content service takes at most ``MAX_FILES_PER_UPLOAD`` files per request, so a larger set
goes up in consecutive requests; the outcomes are merged, and rejections are summarised by
reason (with a few file names each) instead of dumping every file's outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from common_core.http.content import MAX_FILES_PER_UPLOAD

# (filename, bytes, content type), as httpx's multipart ``files`` takes them.
UploadFile = tuple[str, bytes, str]
NAMES_SHOWN_PER_REASON = 3


class GatewayCaller(Protocol):
    def call(self, method: str, path: str, **kwargs: Any) -> Any: ...


@dataclass
class UploadSummary:
    """Every file's outcome of one or more upload requests, merged."""

    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)

    def add(self, answer: dict[str, Any]) -> None:
        self.accepted += int(answer["accepted"])
        self.rejected += int(answer["rejected"])
        self.duplicates += int(answer["duplicates"])
        self.files.extend(answer["files"])

    def essay_ids(self) -> dict[str, str]:
        """filename -> essay id of every accepted file."""
        return {f["filename"]: str(f["essay_id"]) for f in self.files if f["outcome"] == "accepted"}

    def problems(self) -> list[str]:
        """One line per rejection reason (and one for duplicates), with how many and a few names."""
        by_reason: dict[str, list[str]] = defaultdict(list)
        for outcome in self.files:
            if outcome["outcome"] == "rejected":
                by_reason[outcome.get("reason") or "no reason given"].append(outcome["filename"])
            elif outcome["outcome"] == "duplicate":
                by_reason["duplicate of an essay already in the batch"].append(outcome["filename"])
        return [_reason_line(reason, names) for reason, names in sorted(by_reason.items(), key=lambda kv: -len(kv[1]))]


def _reason_line(reason: str, names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN_PER_REASON])
    more = f" and {len(names) - NAMES_SHOWN_PER_REASON} more" if len(names) > NAMES_SHOWN_PER_REASON else ""
    return f"{len(names)} file(s), {reason}: {shown}{more}"


def chunks(files: Sequence[UploadFile], size: int = MAX_FILES_PER_UPLOAD) -> list[Sequence[UploadFile]]:
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    return [files[start : start + size] for start in range(0, len(files), size)]


def upload_essays(
    gw: GatewayCaller,
    batch_id: str,
    files: Sequence[UploadFile],
    *,
    on_chunk: Callable[[int, int], None] | None = None,
    chunk_size: int = MAX_FILES_PER_UPLOAD,
) -> UploadSummary:
    """Uploads ``files`` to the batch in requests within the per-request limit; ``on_chunk(sent, total)``
    is told after each request."""
    summary = UploadSummary()
    sent = 0
    for chunk in chunks(files, chunk_size):
        parts = [("files", (name, data, mime)) for name, data, mime in chunk]
        answer = gw.call("POST", f"/v1/batches/{batch_id}/essays", files=parts)
        summary.add(answer)
        sent += len(chunk)
        if on_chunk is not None:
            on_chunk(sent, len(files))
    return summary
