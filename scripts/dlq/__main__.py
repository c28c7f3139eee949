"""``pdm run dlq show [TOPIC]``, ``dlq replay TOPIC``, ``dlq purge TOPIC``: the DLQ runbook's steps as commands.

- ``show``: without a topic, the records held in every DLQ; with one, its letters grouped by
  reason and error type, then each letter (partition:offset, key, reason, consumer, time, error).
- ``replay``: publish the letters back to their topic (``--reason`` picks which; ``--dry-run``
  only says what would go), then print the ``purge`` command that deletes exactly what was read.
- ``purge``: delete a DLQ's records below the given offsets (``--below 0:12,1:5``), or below
  its current end after a confirmation (``--yes`` to skip it).

The broker is ``HULEEDU_KAFKA_BOOTSTRAP_SERVERS``, else the dev stack's env file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from common_core.topics import Topic, dlq_topic
from scripts.devstack.settings import DevstackSettings
from scripts.devstack.topics import resolve_bootstrap
from scripts.dlq import kafka_io
from scripts.dlq.letters import (
    DlqToolError,
    check_replayable,
    chosen,
    describe,
    dlq_topic_name,
    format_offsets,
    parse_offsets,
    reason_counts,
)


def cmd_show(bootstrap: str, topic: str | None) -> int:
    if topic is None:
        held = asyncio.run(kafka_io.depths(bootstrap, [dlq_topic(t) for t in Topic]))
        full = {name: n for name, n in held.items() if n}
        if not full:
            print("every dead-letter topic is empty")
        for name, n in sorted(full.items()):
            print(f"{n:>7}  {name}")
        return 0
    dlq = dlq_topic_name(topic)
    letters, ends = asyncio.run(kafka_io.read_all(bootstrap, dlq))
    print(f"{dlq}: {len(letters)} records (end offsets {format_offsets(ends)})")
    for reason, error_type, n in reason_counts(letters):
        print(f"{n:>7}  {reason:<18} {error_type}")
    for letter in letters:
        print(describe(letter))
    return 0


def cmd_replay(bootstrap: str, topic: str, reasons: list[str], dry_run: bool) -> int:
    dlq = dlq_topic_name(topic)
    letters, ends = asyncio.run(kafka_io.read_all(bootstrap, dlq))
    picked = chosen(letters, reasons)
    check_replayable(picked, dlq)
    verb = "would replay" if dry_run else "replaying"
    print(f"{dlq}: {len(letters)} records read, {verb} {len(picked)} to {dlq.removesuffix('.dlq')}")
    for letter in picked:
        print(describe(letter))
    if dry_run or not picked:
        return 0
    sent = asyncio.run(kafka_io.replay(bootstrap, picked))
    print(f"replayed {sent} records. The consumers dedupe on event_id, so a record that had its effect is harmless.")
    print("When the replayed events have had their effect, delete what was read (and only that):")
    print(f"  pdm run dlq purge {dlq} --below {format_offsets(ends)}")
    return 0


def cmd_purge(bootstrap: str, topic: str, below: str | None, yes: bool) -> int:
    dlq = dlq_topic_name(topic)
    if below is not None:
        offsets = parse_offsets(below)
    else:
        letters, offsets = asyncio.run(kafka_io.read_all(bootstrap, dlq))
        print(f"{dlq}: {len(letters)} records would be deleted (below {format_offsets(offsets)})")
        if not yes and input("delete them? type yes: ").strip().lower() != "yes":
            print("nothing deleted")
            return 1
    asyncio.run(kafka_io.purge(bootstrap, dlq, offsets))
    left = asyncio.run(kafka_io.depths(bootstrap, [dlq]))[dlq]
    print(f"{dlq}: deleted below {format_offsets(offsets)}; {left} records left")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pdm run dlq", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="records held per DLQ, or one DLQ's letters")
    show.add_argument("topic", nargs="?", help="a registry topic or its .dlq twin")
    replay = sub.add_parser("replay", help="publish a DLQ's letters back to their topic")
    replay.add_argument("topic")
    replay.add_argument("--reason", action="append", default=[], help="only letters with this dlq_reason (repeatable)")
    replay.add_argument("--dry-run", action="store_true", help="say what would be replayed, send nothing")
    purge = sub.add_parser("purge", help="delete a DLQ's handled records")
    purge.add_argument("topic")
    purge.add_argument("--below", help="PARTITION:OFFSET,...: delete each partition's records below the offset")
    purge.add_argument("--yes", action="store_true", help="no confirmation when deleting up to the current end")
    args = parser.parse_args(argv)
    try:
        bootstrap = resolve_bootstrap(DevstackSettings.from_env())
        if args.command == "show":
            return cmd_show(bootstrap, args.topic)
        if args.command == "replay":
            return cmd_replay(bootstrap, args.topic, args.reason, args.dry_run)
        return cmd_purge(bootstrap, args.topic, args.below, args.yes)
    except DlqToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TimeoutError:
        print("error: Kafka did not answer in time (is the stack up? pdm run dev-status)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
