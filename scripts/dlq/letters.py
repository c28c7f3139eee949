"""Dead letters as plain data: what the tool shows, which ones it replays, and where to.

Pure, so the rules are unit-tested without a broker; ``kafka_io`` reads and writes them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from common_core.topics import DLQ_SUFFIX, Topic
from huleedu_service_libs.kafka.dead_letter import DLQ_HEADER_PREFIX

Headers = Sequence[tuple[str, bytes]]


class DlqToolError(Exception):
    """Bad input to the tool: printed as the error message, exit code 2."""


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", errors="replace")
        return ""

    @property
    def reason(self) -> str:
        return self.header("dlq_reason") or "unknown"

    @property
    def source_topic(self) -> str:
        return self.header("dlq_source_topic")

    def replay_headers(self) -> list[tuple[str, bytes]]:
        """The original headers: everything the dead-lettering added is dropped."""
        return [(key, value) for key, value in self.headers if not key.startswith(DLQ_HEADER_PREFIX)]


def dlq_topic_name(name: str) -> str:
    """The registry DLQ topic an operator means by ``name`` (the topic itself or its ``.dlq`` twin)."""
    source = name.removesuffix(DLQ_SUFFIX)
    if source not in {topic.value for topic in Topic}:
        known = ", ".join(topic.value for topic in Topic)
        raise DlqToolError(f"{name!r} is not a topic of the registry (common_core.topics); known topics: {known}")
    return source + DLQ_SUFFIX


def chosen(letters: Iterable[DeadLetter], reasons: Sequence[str]) -> list[DeadLetter]:
    """The letters to replay: those with one of ``reasons``, or all when none is named."""
    return [letter for letter in letters if not reasons or letter.reason in reasons]


def check_replayable(letters: Iterable[DeadLetter], dlq: str) -> None:
    """Each letter goes back to the topic it came from, which must be ``dlq``'s own source."""
    expected = dlq.removesuffix(DLQ_SUFFIX)
    for letter in letters:
        if letter.source_topic != expected:
            raise DlqToolError(
                f"record {letter.partition}:{letter.offset} says it came from {letter.source_topic or 'nowhere'!r}, "
                f"not {expected!r}; it is left alone (replay the records one topic at a time)"
            )


def parse_offsets(text: str) -> dict[int, int]:
    """``"0:12,2:5"`` as {partition: offset}: delete each partition's records below that offset."""
    offsets: dict[int, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        partition, sep, offset = part.partition(":")
        if not sep or not partition.isdigit() or not offset.isdigit():
            raise DlqToolError(f"{part!r} is not PARTITION:OFFSET (for example 0:12,2:5)")
        offsets[int(partition)] = int(offset)
    if not offsets:
        raise DlqToolError("no PARTITION:OFFSET given")
    return offsets


def format_offsets(offsets: dict[int, int]) -> str:
    return ",".join(f"{partition}:{offset}" for partition, offset in sorted(offsets.items()))


def reason_counts(letters: Iterable[DeadLetter]) -> list[tuple[str, str, int]]:
    """How many letters per (reason, error type), most first: what the operator groups by."""
    counts = Counter((letter.reason, letter.header("dlq_error_type") or "-") for letter in letters)
    return [(reason, error_type, n) for (reason, error_type), n in counts.most_common()]


def describe(letter: DeadLetter, width: int = 160) -> str:
    error = letter.header("dlq_error").replace("\n", " ")
    if len(error) > width:
        error = error[: width - 1] + "…"
    key = letter.key.decode("utf-8", errors="replace") if letter.key else "-"
    return (
        f"{letter.partition}:{letter.offset}  key={key}  {letter.reason}  "
        f"consumer={letter.header('dlq_consumer') or '-'}  at={letter.header('dlq_failed_at') or '-'}\n    {error}"
    )
