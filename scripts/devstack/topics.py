"""Topic bootstrap: create every registry topic and its ``.dlq`` twin. Safe to run again.

Settings: ``HULEEDU_KAFKA_BOOTSTRAP_SERVERS`` (else the dev stack's env file),
``HULEEDU_KAFKA_TOPIC_PARTITIONS`` and ``HULEEDU_KAFKA_REPLICATION_FACTOR``.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from common_core.topics import all_topic_names
from huleedu_service_libs.envfile import load_env_file
from scripts.devstack.settings import DevstackSettings

DEFAULT_PARTITIONS = 3
DEFAULT_REPLICATION_FACTOR = 1


@dataclass(frozen=True)
class TopicReport:
    created: list[str]
    existing: list[str]
    under_partitioned: dict[str, int]


def _int_setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not an integer") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, got {value}")
    return value


def resolve_bootstrap(settings: DevstackSettings) -> str:
    explicit = os.environ.get("HULEEDU_KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if explicit:
        return explicit
    from_file = load_env_file(settings.env_file).get("HULEEDU_KAFKA_BOOTSTRAP_SERVERS")
    if not from_file:
        raise SystemExit("no Kafka to talk to: run `pdm run dev-up` or set HULEEDU_KAFKA_BOOTSTRAP_SERVERS")
    return from_file


async def ensure_topics(bootstrap: str, names: list[str], partitions: int, replication_factor: int) -> TopicReport:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in names if name not in existing]
        if missing:
            new = [NewTopic(name, num_partitions=partitions, replication_factor=replication_factor) for name in missing]
            await admin.create_topics(new)
        present = [name for name in names if name in existing]
        under: dict[str, int] = {}
        if present:
            for meta in await admin.describe_topics(present):
                count = len(meta.get("partitions", []))
                if count < partitions:
                    under[meta["topic"]] = count
        return TopicReport(created=missing, existing=present, under_partitioned=under)
    finally:
        await admin.close()


def bootstrap_topics(settings: DevstackSettings, bootstrap: str | None = None) -> TopicReport:
    partitions = _int_setting("HULEEDU_KAFKA_TOPIC_PARTITIONS", DEFAULT_PARTITIONS)
    replication = _int_setting("HULEEDU_KAFKA_REPLICATION_FACTOR", DEFAULT_REPLICATION_FACTOR)
    address = bootstrap or resolve_bootstrap(settings)
    report = asyncio.run(ensure_topics(address, all_topic_names(), partitions, replication))
    created, present = len(report.created), len(report.existing)
    print(f"  topics: {created} created, {present} already present ({partitions} partitions, RF {replication})")
    for name, count in sorted(report.under_partitioned.items()):
        # Kafka can add partitions but never remove them; doing so changes key->partition mapping, so we only report it.
        print(f"  topics: {name} has {count} partitions, fewer than the configured {partitions}")
    return report
