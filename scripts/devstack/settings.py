"""Inputs of the dev stack, read from the environment once.

Every name here is listed in ``env.example``; a test keeps the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# name -> (default, help). The help text is what env.example says about the setting.
DEVSTACK_SETTINGS: dict[str, tuple[str, str]] = {
    "HULEEDU_DEVSTACK_DIR": (
        ".devstack",
        "State folder for data, logs, pids and the env file (relative to the repo root).",
    ),
    "HULEEDU_DEVSTACK_CACHE_DIR": (
        "",
        "Download cache (Kafka jars); empty means <state dir>/cache. dev-down --purge keeps it.",
    ),
    "HULEEDU_DEVSTACK_KAFKA_PORT": ("19092", "Port of the local Kafka broker's client listener."),
    "HULEEDU_DEVSTACK_KAFKA_CONTROLLER_PORT": ("19093", "Port of the local Kafka KRaft controller listener."),
    "HULEEDU_DEVSTACK_KAFKA_HEAP": ("512m", "Java heap (-Xmx) of the local Kafka broker."),
    "HULEEDU_DEVSTACK_POSTGRES_DSN": (
        "postgresql://postgres@127.0.0.1:5432/postgres",
        "A PostgreSQL server to use if it answers and may create databases; otherwise a cluster is started.",
    ),
    "HULEEDU_DEVSTACK_POSTGRES_PORT": (
        "55432",
        "Port of the PostgreSQL cluster the dev stack starts (a free one if taken).",
    ),
    "HULEEDU_DEVSTACK_REDIS_URL": (
        "redis://127.0.0.1:6379/0",
        "A Redis server to use if it answers; otherwise one is started.",
    ),
    "HULEEDU_DEVSTACK_REDIS_PORT": ("56379", "Port of the Redis server the dev stack starts (a free one if taken)."),
    "HULEEDU_DEVSTACK_ALLOW_APT": (
        "1",
        "1 lets the dev stack apt-get install missing postgresql/redis-server packages.",
    ),
    "HULEEDU_DEVSTACK_STARTUP_TIMEOUT": ("90", "Seconds to wait for each component to answer after it was started."),
    "HULEEDU_DEVSTACK_PROMETHEUS_PORT": (
        "9090",
        "Port of the Prometheus that `pdm run obs-up` starts (a free one if taken).",
    ),
    "HULEEDU_OBS_COST_BUDGET_USD_PER_HOUR": (
        "5",
        "LLM spend per hour (USD) above which the LlmCostOverBudget alert fires.",
    ),
}


def _get(name: str) -> str:
    value = os.environ.get(name, "").strip()
    return value if value else DEVSTACK_SETTINGS[name][0]


def _path(name: str) -> Path | None:
    raw = _get(name)
    if not raw:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _port(name: str) -> int:
    raw = _get(name)
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise SystemExit(f"{name}={port} is outside 1-65535")
    return port


@dataclass(frozen=True)
class DevstackSettings:
    state_dir: Path
    cache_dir: Path
    kafka_port: int
    kafka_controller_port: int
    kafka_heap: str
    postgres_dsn: str
    postgres_port: int
    redis_url: str
    redis_port: int
    allow_apt: bool
    startup_timeout: float
    prometheus_port: int
    cost_budget_usd_per_hour: float

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def env_file(self) -> Path:
        return self.state_dir / "env"

    @classmethod
    def from_env(cls) -> DevstackSettings:
        state_dir = _path("HULEEDU_DEVSTACK_DIR") or REPO_ROOT / ".devstack"
        timeout_raw = _get("HULEEDU_DEVSTACK_STARTUP_TIMEOUT")
        try:
            timeout = float(timeout_raw)
        except ValueError:
            raise SystemExit(f"HULEEDU_DEVSTACK_STARTUP_TIMEOUT={timeout_raw!r} is not a number") from None
        kafka_port = _port("HULEEDU_DEVSTACK_KAFKA_PORT")
        controller_port = _port("HULEEDU_DEVSTACK_KAFKA_CONTROLLER_PORT")
        if kafka_port == controller_port:
            raise SystemExit("HULEEDU_DEVSTACK_KAFKA_PORT and HULEEDU_DEVSTACK_KAFKA_CONTROLLER_PORT must differ")
        budget_raw = _get("HULEEDU_OBS_COST_BUDGET_USD_PER_HOUR")
        try:
            budget = float(budget_raw)
        except ValueError:
            raise SystemExit(f"HULEEDU_OBS_COST_BUDGET_USD_PER_HOUR={budget_raw!r} is not a number") from None
        if budget <= 0:
            raise SystemExit(f"HULEEDU_OBS_COST_BUDGET_USD_PER_HOUR={budget_raw!r} must be above 0")
        return cls(
            state_dir=state_dir,
            cache_dir=_path("HULEEDU_DEVSTACK_CACHE_DIR") or state_dir / "cache",
            kafka_port=kafka_port,
            kafka_controller_port=controller_port,
            kafka_heap=_get("HULEEDU_DEVSTACK_KAFKA_HEAP"),
            postgres_dsn=_get("HULEEDU_DEVSTACK_POSTGRES_DSN"),
            postgres_port=_port("HULEEDU_DEVSTACK_POSTGRES_PORT"),
            redis_url=_get("HULEEDU_DEVSTACK_REDIS_URL"),
            redis_port=_port("HULEEDU_DEVSTACK_REDIS_PORT"),
            allow_apt=_get("HULEEDU_DEVSTACK_ALLOW_APT") not in {"0", "false", "no"},
            startup_timeout=timeout,
            prometheus_port=_port("HULEEDU_DEVSTACK_PROMETHEUS_PORT"),
            cost_budget_usd_per_hour=budget,
        )
