"""The migration matches the declared schema, and `python -m content_service migrate|serve` work."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from content_service.adapters.tables import metadata
from huleedu_service_libs.testing.database import migrated_database, migrated_schema
from huleedu_service_libs.testing.local_server import free_port

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
REPO_ROOT = Path(__file__).resolve().parents[4]


async def test_a_migrated_database_matches_the_metadata(database_factory):
    url = migrated_database(database_factory, ALEMBIC_DIR, "schema")
    assert (await migrated_schema(url, metadata)).drift == []


def _env(infrastructure, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CONTENT_SERVICE_DATABASE_URL": database_url,
        "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
        "HULEEDU_REDIS_URL": infrastructure.redis_url,
        "HULEEDU_INTERNAL_API_KEY": "cli-test-key",
    }


def test_migrate_then_serve_answers_healthz(database_factory, infrastructure):
    url = database_factory("cli")
    env = _env(infrastructure, url)
    migrate = subprocess.run(
        [sys.executable, "-m", "content_service", "migrate"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    assert "migrations at head" in migrate.stdout

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "content_service", "serve", "--port", str(port)],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        assert health is not None, "serve never answered"
        assert health.status_code == 200, health.text
        assert set(health.json()["checks"]) == {"database", "kafka", "workers"}
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
