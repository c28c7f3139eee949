"""Redis: the configured server if it answers, otherwise ``redis-server`` of our own.

The managed server never evicts keys (``noeviction``): Redis is a cache and queue here, and
silent eviction would drop queued work (PITFALLS: Redis as the only guard).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from huleedu_service_libs.probes import redis_answers
from scripts.devstack.procs import (
    DevstackError,
    ensure_packages,
    free_port,
    pid_alive,
    port_is_open,
    spawn,
    terminate,
    wait_for_start,
)
from scripts.devstack.settings import DevstackSettings


def answers(url: str) -> bool:
    return asyncio.run(redis_answers(url))


def managed_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def up(settings: DevstackSettings, previous: dict[str, Any]) -> dict[str, Any]:
    if previous.get("mode") != "managed" and answers(settings.redis_url):
        print(f"  redis: using the server at {settings.redis_url}")
        return {"mode": "external", "url": settings.redis_url}
    if pid_alive(previous.get("pid")) and answers(previous.get("url", "")):
        print(f"  redis: already running (pid {previous['pid']}) at {previous['url']}")
        return previous
    ensure_packages({"redis-server": "redis-server"}, settings.allow_apt)
    binary = shutil.which("redis-server")
    if binary is None:
        raise DevstackError("redis-server is not installed (apt-get install redis-server)")
    port = int(previous.get("port") or settings.redis_port)
    if port_is_open(port):
        port = free_port()
        print(f"  redis: port {settings.redis_port} is taken; using free port {port}")
    data_dir = settings.state_dir / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = settings.logs_dir / "redis.log"
    cmd = [
        binary,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(data_dir),
        "--appendonly", "yes",
        "--save", "",
        "--maxmemory-policy", "noeviction",
        "--daemonize", "no",
    ]  # fmt: skip
    pid = spawn(cmd, log_file, cwd=data_dir)
    url = managed_url(port)

    wait_for_start(pid, lambda: answers(url), settings.startup_timeout, "Redis", log_file)
    print(f"  redis: started (pid {pid}) at {url}, logs in {log_file}")
    return {"mode": "managed", "pid": pid, "port": port, "url": url, "log": str(log_file), "data_dir": str(data_dir)}


def down(previous: dict[str, Any]) -> None:
    if previous.get("mode") != "managed":
        print("  redis: external server, left running" if previous else "  redis: not running")
        return
    if terminate(previous.get("pid")):
        print(f"  redis: stopped (pid {previous.get('pid')})")
    else:
        print("  redis: not running")


def purge(previous: dict[str, Any]) -> None:
    if previous.get("mode") == "managed" and previous.get("data_dir"):
        shutil.rmtree(Path(previous["data_dir"]), ignore_errors=True)
