"""The HuleEdu services as supervised processes: migrate, serve, wait for /healthz, stop.

Each service package that has a ``__main__`` (``python -m <service> migrate|serve``, see
docs/service-conventions.md) is started after the infrastructure, with the connection settings of
``.devstack/env`` and explicit dev mode (unless the caller's environment sets an internal key).
A service whose package has no entrypoint yet is listed as "not built", not as a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from scripts.devstack.procs import DevstackError, pid_alive, port_is_open, spawn, terminate, wait_for_start
from scripts.devstack.services import SERVICES, ServiceSpec
from scripts.devstack.settings import REPO_ROOT, DevstackSettings

MIGRATE_TIMEOUT_S = 180.0


def entrypoint(svc: ServiceSpec) -> Path:
    return REPO_ROOT / "services" / svc.name / "src" / svc.name / "__main__.py"


def is_built(svc: ServiceSpec) -> bool:
    return entrypoint(svc).exists()


def http_port(svc: ServiceSpec, env: dict[str, str]) -> int:
    raw = env.get(f"{svc.env_prefix}HTTP_PORT", "").strip()
    return int(raw) if raw else svc.http_port


def healthy(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def service_env(env_file_values: dict[str, str]) -> dict[str, str]:
    """The services' environment: ours, then the dev stack's connections, in explicit dev mode."""
    env = dict(os.environ)
    env.update(env_file_values)
    if not env.get("HULEEDU_INTERNAL_API_KEY"):
        env.setdefault("HULEEDU_DEV_MODE", "1")
    env.setdefault("HULEEDU_LOG_FORMAT", "json")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _migrate(svc: ServiceSpec, env: dict[str, str], log_file: Path) -> None:
    with open(log_file, "ab") as log:
        result = subprocess.run(
            [sys.executable, "-m", svc.name, "migrate"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=MIGRATE_TIMEOUT_S,
            check=False,
        )
    if result.returncode != 0:
        raise DevstackError(f"{svc.name}: migrations failed (exit {result.returncode}); see {log_file}")


def up_one(
    settings: DevstackSettings, svc: ServiceSpec, previous: dict[str, Any], env: dict[str, str]
) -> dict[str, Any]:
    port = http_port(svc, env)
    if pid_alive(previous.get("pid")) and previous.get("port") == port and healthy(port):
        print(f"  {svc.name}: already running (pid {previous['pid']}) on http://127.0.0.1:{port}")
        return previous
    terminate(previous.get("pid"))
    if port_is_open(port):
        raise DevstackError(
            f"{svc.name}: port {port} is taken by another process; stop it or set {svc.env_prefix}HTTP_PORT"
        )
    log_file = settings.logs_dir / f"{svc.name}.log"
    _migrate(svc, env, log_file)
    return start(settings, svc.name, port, log_file, env)


def start(settings: DevstackSettings, label: str, port: int, log_file: Path, env: dict[str, str]) -> dict[str, Any]:
    """``python -m <service> serve`` on ``port``, waited for until healthy; ``label`` is the service's
    package name, or ``<name>#<k>`` for its k-th replica."""
    package = label.split("#", 1)[0]
    pid = spawn([sys.executable, "-m", package, "serve", "--port", str(port)], log_file, cwd=REPO_ROOT, env=env)

    wait_for_start(pid, lambda: healthy(port), settings.startup_timeout, label, log_file)
    print(f"  {label}: started (pid {pid}) on http://127.0.0.1:{port}, logs in {log_file}")
    return {"pid": pid, "port": port, "log": str(log_file)}


def up_all(settings: DevstackSettings, previous: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    started: dict[str, Any] = {}
    for svc in SERVICES:
        if not is_built(svc):
            print(f"  {svc.name}: not built yet (no {entrypoint(svc).relative_to(REPO_ROOT)})")
            continue
        started[svc.name] = up_one(settings, svc, previous.get(svc.name, {}), env)
    return started


def down_all(previous: dict[str, Any]) -> None:
    # Reverse order: the edge (gateway, BFF) stops before the services it calls.
    for svc in reversed(SERVICES):
        if terminate(previous.get(svc.name, {}).get("pid")):
            print(f"  {svc.name}: stopped")


def status_rows(previous: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(name, state, address, ok): ok is None for a service not built yet or not started (dev-up --infra-only)."""
    rows: list[tuple[str, str, str, bool | None]] = []
    for svc in SERVICES:
        if not is_built(svc):
            rows.append((svc.name, "not built", "-", None))
            continue
        entry = previous.get(svc.name)
        if entry is None:
            rows.append((svc.name, "not started", "-", None))
            continue
        port = int(entry.get("port") or svc.http_port)
        ok = pid_alive(entry.get("pid")) and healthy(port)
        rows.append((svc.name, "up" if ok else "DOWN", f"http://127.0.0.1:{port}", ok))
    return rows
