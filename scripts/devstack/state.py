"""What the dev stack started, kept in ``<state dir>/state.json``, and the env file it writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scripts.devstack.services import SERVICES
from scripts.devstack.settings import DevstackSettings

State = dict[str, dict[str, Any]]


def load_state(settings: DevstackSettings) -> State:
    path = settings.state_dir / "state.json"
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(settings: DevstackSettings, state: State) -> None:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    path = settings.state_dir / "state.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    tmp.replace(path)


def database_url(admin_dsn: str, database: str, driver: str = "postgresql+asyncpg") -> str:
    """The DSN of ``database`` on the server of ``admin_dsn``, with an SQLAlchemy driver scheme."""
    parts = urlsplit(admin_dsn)
    return urlunsplit((driver, parts.netloc, "/" + database, parts.query, ""))


def render_env_file(kafka_bootstrap: str, postgres_dsn: str, redis_url: str) -> str:
    lines = [
        f"# Written by `pdm run dev-up` at {datetime.now(UTC).isoformat(timespec='seconds')}.",
        "# Read by the services and the test fixtures; `dev-up` rewrites it, `dev-down` removes it.",
        f"HULEEDU_KAFKA_BOOTSTRAP_SERVERS={kafka_bootstrap}",
        f"HULEEDU_POSTGRES_URL={postgres_dsn}",
        f"HULEEDU_REDIS_URL={redis_url}",
    ]
    lines += [f"{svc.env_prefix}DATABASE_URL={database_url(postgres_dsn, svc.database)}" for svc in SERVICES]
    return "\n".join(lines) + "\n"


def write_env_file(settings: DevstackSettings, content: str) -> Path:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.env_file.with_suffix(".tmp")
    tmp.write_text(content)
    tmp.replace(settings.env_file)
    return settings.env_file
