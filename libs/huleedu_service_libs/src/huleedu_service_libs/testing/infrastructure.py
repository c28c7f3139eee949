"""Find, or start, the dev stack and hand out isolated resources on it.

Isolation: every test run gets a run id; databases, topics, consumer groups and Redis key
prefixes carry it, so concurrent runs and earlier runs never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from huleedu_service_libs.envfile import load_env_file
from huleedu_service_libs.probes import kafka_answers, postgres_answers, redis_answers

REQUIRED = ("HULEEDU_KAFKA_BOOTSTRAP_SERVERS", "HULEEDU_POSTGRES_URL", "HULEEDU_REDIS_URL")


class InfrastructureUnavailableError(RuntimeError):
    """The dev stack is not running and could not be started."""


@dataclass(frozen=True)
class Infrastructure:
    kafka_bootstrap: str
    postgres_url: str
    redis_url: str


def find_repo_root(start: Path) -> Path:
    """The monorepo root: the nearest folder above ``start`` that holds the dev stack script."""
    for folder in (start, *start.parents):
        if (folder / "scripts" / "devstack" / "__main__.py").exists():
            return folder
    raise InfrastructureUnavailableError(f"no HuleEdu repository above {start}")


def env_file_path(repo_root: Path) -> Path:
    state_dir = Path(os.environ.get("HULEEDU_DEVSTACK_DIR", "").strip() or ".devstack")
    return (state_dir if state_dir.is_absolute() else repo_root / state_dir) / "env"


def _settings(repo_root: Path) -> dict[str, str]:
    """Env-file values, overridden by the process environment (e.g. CI service containers)."""
    values = load_env_file(env_file_path(repo_root))
    values.update({key: os.environ[key] for key in REQUIRED if os.environ.get(key)})
    return values


def reachable(values: dict[str, str]) -> list[str]:
    """The names of the required settings whose server does not answer (empty: all answer)."""
    bad = [key for key in REQUIRED if not values.get(key)]
    if bad:
        return bad
    checks = {
        "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": kafka_answers,
        "HULEEDU_POSTGRES_URL": postgres_answers,
        "HULEEDU_REDIS_URL": redis_answers,
    }
    return [key for key, answers in checks.items() if not asyncio.run(answers(values[key]))]


def ensure_infrastructure(repo_root: Path) -> Infrastructure:
    """The running dev stack, started with ``python -m scripts.devstack up --infra-only`` if it is not up.

    Tests run their services in-process against fresh databases and topics; they need the
    infrastructure only, not the service processes.
    """
    values = _settings(repo_root)
    if reachable(values):
        result = subprocess.run(
            [sys.executable, "-m", "scripts.devstack", "up", "--infra-only"],
            cwd=repo_root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise InfrastructureUnavailableError(f"dev-up --infra-only failed:\n{result.stdout}\n{result.stderr}")
        values = _settings(repo_root)
        down = reachable(values)
        if down:
            raise InfrastructureUnavailableError(f"dev stack started but these do not answer: {', '.join(down)}")
    return Infrastructure(
        kafka_bootstrap=values["HULEEDU_KAFKA_BOOTSTRAP_SERVERS"],
        postgres_url=values["HULEEDU_POSTGRES_URL"],
        redis_url=values["HULEEDU_REDIS_URL"],
    )


def new_run_id() -> str:
    return "t" + uuid.uuid4().hex[:10]


def with_database(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


async def create_database(server_url: str, name: str) -> str:
    conn = await asyncpg.connect(server_url, timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_databases(server_url: str, names: Iterable[str]) -> None:
    conn = await asyncpg.connect(server_url, timeout=10)
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1) for name in names])
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, names: list[str]) -> None:
    if not names:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


def delete_redis_prefix(url: str, prefix: str) -> int:
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        return int(client.delete(*keys)) if keys else 0
    finally:
        client.close()
