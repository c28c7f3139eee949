"""Topic bootstrap: create every registry topic and its ``.dlq`` twin. Safe to run again.

Settings: ``HULEEDU_KAFKA_BOOTSTRAP_SERVERS`` (else the dev stack's env file),
``HULEEDU_KAFKA_TOPIC_PARTITIONS``, ``HULEEDU_KAFKA_REPLICATION_FACTOR`` and
``HULEEDU_KAFKA_PERSONAL_DATA_RETENTION_HOURS``: the retention the topics that carry personal data (and
their dead-letter twins) get, set on new topics and re-applied to existing ones on every run
(docs/data-protection.md).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from common_core.topics import all_topic_names, carries_personal_data
from huleedu_service_libs.envfile import load_env_file
from scripts.devstack.settings import DevstackSettings

DEFAULT_PARTITIONS = 3
DEFAULT_REPLICATION_FACTOR = 1
# A week: long enough for a consumer that was down over a holiday weekend to catch up, short enough that
# an erased student's data does not linger in the log for months.
DEFAULT_PERSONAL_DATA_RETENTION_HOURS = 168


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


def topic_configs(name: str, personal_data_retention_hours: int) -> dict[str, str]:
    """The topic-level settings the bootstrap owns for ``name`` (none for a topic without personal data)."""
    if not carries_personal_data(name):
        return {}
    return {"retention.ms": str(personal_data_retention_hours * 3_600_000)}


async def ensure_topics(
    bootstrap: str,
    names: list[str],
    partitions: int,
    replication_factor: int,
    personal_data_retention_hours: int = DEFAULT_PERSONAL_DATA_RETENTION_HOURS,
) -> TopicReport:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in names if name not in existing]
        if missing:
            new = [
                NewTopic(
                    name,
                    num_partitions=partitions,
                    replication_factor=replication_factor,
                    topic_configs=topic_configs(name, personal_data_retention_hours),
                )
                for name in missing
            ]
            await admin.create_topics(new)
        present = [name for name in names if name in existing]
        # Re-applied to existing topics, so a changed setting (or a topic made before it existed) takes effect.
        retained = [
            ConfigResource(ConfigResourceType.TOPIC, name, topic_configs(name, personal_data_retention_hours))
            for name in present
            if carries_personal_data(name)
        ]
        if retained:
            await admin.alter_configs(retained)
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
    retention = _int_setting("HULEEDU_KAFKA_PERSONAL_DATA_RETENTION_HOURS", DEFAULT_PERSONAL_DATA_RETENTION_HOURS)
    address = bootstrap or resolve_bootstrap(settings)
    report = asyncio.run(ensure_topics(address, all_topic_names(), partitions, replication, retention))
    created, present = len(report.created), len(report.existing)
    print(
        f"  topics: {created} created, {present} already present ({partitions} partitions, RF {replication}; "
        f"personal data kept {retention} h)"
    )
    for name, count in sorted(report.under_partitioned.items()):
        # Kafka can add partitions but never remove them; doing so changes key->partition mapping, so we only report it.
        print(f"  topics: {name} has {count} partitions, fewer than the configured {partitions}")
    return report
