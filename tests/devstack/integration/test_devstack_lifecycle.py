"""The dev stack script end to end (infrastructure only), on a second, isolated Kafka with its own state
folder. The services are covered by tests/integration/test_demo_end_to_end.py on the main stack.

PostgreSQL and Redis are the running stack's servers, taken as "external"; the jar cache is
shared, so this also proves a warm cache is not downloaded again.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from common_core.topics import all_topic_names
from huleedu_service_libs.envfile import load_env_file
from huleedu_service_libs.testing.infrastructure import Infrastructure
from scripts.devstack.procs import free_port, pid_alive
from scripts.devstack.settings import REPO_ROOT, DevstackSettings
from scripts.devstack.topics import ensure_topics


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.devstack", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _kafka_pid(state_dir: Path) -> int:
    return int(json.loads((state_dir / "state.json").read_text())["kafka"]["pid"])


def test_up_status_kill_recover_down(infrastructure: Infrastructure, tmp_path: Path):
    state_dir = tmp_path / "state"
    kafka_port = free_port()
    controller_port = free_port()
    while controller_port == kafka_port:
        controller_port = free_port()
    env = {
        **os.environ,
        "HULEEDU_DEVSTACK_DIR": str(state_dir),
        "HULEEDU_DEVSTACK_CACHE_DIR": str(DevstackSettings.from_env().cache_dir),
        "HULEEDU_DEVSTACK_KAFKA_PORT": str(kafka_port),
        "HULEEDU_DEVSTACK_KAFKA_CONTROLLER_PORT": str(controller_port),
        "HULEEDU_DEVSTACK_KAFKA_HEAP": "256m",
        "HULEEDU_DEVSTACK_POSTGRES_DSN": infrastructure.postgres_url,
        "HULEEDU_DEVSTACK_REDIS_URL": infrastructure.redis_url,
    }
    env.pop("HULEEDU_KAFKA_BOOTSTRAP_SERVERS", None)
    try:
        # A taken port is a clear error, not a hang.
        with socket.socket() as blocker:
            blocker.bind(("127.0.0.1", kafka_port))
            blocker.listen()
            taken = _run(env, "up", "--infra-only")
        assert taken.returncode == 1
        assert f"port {kafka_port} is taken by another process" in taken.stderr

        first = _run(env, "up", "--infra-only")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "kafka jars: cached" in first.stdout
        assert "postgres: using the server at" in first.stdout
        assert "redis: using the server at" in first.stdout
        values = load_env_file(state_dir / "env")
        assert values["HULEEDU_KAFKA_BOOTSTRAP_SERVERS"] == f"127.0.0.1:{kafka_port}"
        assert _run(env, "status").returncode == 0

        # Kill the broker: status says so, and dev-up brings it back on the same data.
        pid = _kafka_pid(state_dir)
        os.kill(pid, signal.SIGKILL)
        status = _run(env, "status")
        assert status.returncode == 1
        assert "kafka     DOWN" in status.stdout
        again = _run(env, "up", "--infra-only")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "kafka jars: cached" in again.stdout
        assert "0 created" in again.stdout
        assert _kafka_pid(state_dir) != pid
        assert _run(env, "status").returncode == 0

        # Running up on a healthy stack changes nothing.
        idle = _run(env, "up", "--infra-only")
        assert "kafka: already running" in idle.stdout

        down = _run(env, "down")
        assert down.returncode == 0
        assert not pid_alive(_kafka_pid(state_dir))
        assert not (state_dir / "env").exists()
        assert "postgres: external server, left running" in down.stdout
    finally:
        _run(env, "down", "--purge")


def test_topic_bootstrap_is_idempotent(infrastructure: Infrastructure):
    names = all_topic_names()
    asyncio.run(ensure_topics(infrastructure.kafka_bootstrap, names, 3, 1))
    report = asyncio.run(ensure_topics(infrastructure.kafka_bootstrap, names, 3, 1))
    assert report.created == []
    assert sorted(report.existing) == sorted(names)


def test_topics_that_carry_personal_data_get_the_configured_retention(infrastructure: Infrastructure):
    """New and existing personal-data topics (and their .dlq twins) get retention.ms; others keep the broker's."""
    personal, neutral = "huleedu.essay.uploaded.v1", "huleedu.batch.deleted.v1"
    names = [personal, f"{personal}.dlq", neutral]
    asyncio.run(ensure_topics(infrastructure.kafka_bootstrap, names, 3, 1, personal_data_retention_hours=5))
    assert asyncio.run(_retention_ms(infrastructure.kafka_bootstrap, names)) == {
        personal: str(5 * 3_600_000),
        f"{personal}.dlq": str(5 * 3_600_000),
        neutral: None,
    }
    # Re-run with another setting: the existing topics follow it.
    asyncio.run(ensure_topics(infrastructure.kafka_bootstrap, names, 3, 1, personal_data_retention_hours=168))
    assert asyncio.run(_retention_ms(infrastructure.kafka_bootstrap, [personal]))[personal] == str(168 * 3_600_000)


_SET_ON_THE_TOPIC = 1  # DescribeConfigs v1+ config_source: DYNAMIC_TOPIC_CONFIG


async def _retention_ms(bootstrap: str, names: list[str]) -> dict[str, str | None]:
    """Each topic's retention.ms when set on the topic itself (None: the broker's default applies)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    finally:
        await admin.close()
    found: dict[str, str | None] = {}
    for response in responses:
        for _error, _message, _type, name, entries in response.resources:
            value, source = next((e[1], e[3]) for e in entries if e[0] == "retention.ms")
            found[name] = value if source == _SET_ON_THE_TOPIC else None
    return found
