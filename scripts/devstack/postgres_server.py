"""PostgreSQL: the configured server if it answers, otherwise a cluster of our own.

The managed cluster lives under the state folder, listens on 127.0.0.1 only, trusts local
connections (it is a developer's throwaway cluster; there is no password to leak) and is
tuned for speed over durability (fsync off). As root, the server runs as the ``postgres``
system user because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from scripts.devstack.procs import DevstackError, ensure_packages, free_port, is_root, port_is_open, user_exists
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import DevstackSettings

SERVER_OPTIONS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "300",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "128MB",
}


def find_bin(name: str) -> str | None:
    """A PostgreSQL server binary: Debian keeps them in /usr/lib/postgresql/<version>/bin."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return candidates[-1]
    return shutil.which(name)


def require_bin(name: str) -> str:
    path = find_bin(name)
    if path is None:
        raise DevstackError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return path


async def _probe(dsn: str) -> bool:
    """True if ``dsn`` answers and its role may create databases."""
    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except Exception:  # refused, auth failure, unknown host: not usable
        return False
    try:
        row = await conn.fetchrow("SELECT rolsuper OR rolcreatedb AS ok FROM pg_roles WHERE rolname = current_user")
        return bool(row and row["ok"])
    finally:
        await conn.close()


def answers(dsn: str) -> bool:
    return asyncio.run(_probe(dsn))


async def _ensure_databases(dsn: str, names: list[str]) -> list[str]:
    conn = await asyncpg.connect(dsn, timeout=5)
    created = []
    try:
        for name in names:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{name}"')
                created.append(name)
    finally:
        await conn.close()
    return created


def ensure_databases(dsn: str) -> None:
    names = [svc.database for svc in SERVICES]
    created = asyncio.run(_ensure_databases(dsn, names))
    print(f"  postgres: {len(names)} service databases ready" + (f" (created {', '.join(created)})" if created else ""))


def managed_dsn(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def redact(dsn: str) -> str:
    parts = urlsplit(dsn)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return dsn


def _as_server_user(cmd: list[str]) -> list[str]:
    if not is_root():
        return cmd
    if not user_exists("postgres"):
        raise DevstackError("running as root needs the `postgres` system user (apt-get install postgresql creates it)")
    return ["runuser", "-u", "postgres", "--", *cmd]


def _reachable_by_server_user(path: Path) -> bool:
    if not is_root():
        return True
    result = subprocess.run(_as_server_user(["test", "-w", str(path)]), check=False)
    return result.returncode == 0


def _cluster_dir(settings: DevstackSettings) -> Path:
    """Where the cluster lives: under the state folder, unless the postgres user cannot reach it."""
    preferred = settings.state_dir / "postgres"
    preferred.mkdir(parents=True, exist_ok=True)
    if is_root():
        shutil.chown(preferred, "postgres", "postgres")
    if _reachable_by_server_user(preferred):
        return preferred
    # e.g. a clone under /root (mode 700): the postgres user cannot traverse into it.
    digest = hashlib.sha256(str(settings.state_dir).encode()).hexdigest()[:10]
    fallback = Path(tempfile.gettempdir()) / f"huleedu-devstack-{digest}" / "postgres"
    fallback.mkdir(parents=True, exist_ok=True)
    os.chmod(fallback.parent, 0o755)  # noqa: S103 - the postgres user must traverse it; the data dir stays 0700
    shutil.chown(fallback, "postgres", "postgres")
    print(f"  postgres: {preferred} is not reachable by the postgres user; using {fallback}")
    return fallback


def _pg_ctl(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _as_server_user([require_bin("pg_ctl"), "-D", str(data_dir), *args]),
        capture_output=True,
        text=True,
        check=False,
    )


def up(settings: DevstackSettings, previous: dict[str, Any]) -> dict[str, Any]:
    if previous.get("mode") != "managed" and answers(settings.postgres_dsn):
        print(f"  postgres: using the server at {redact(settings.postgres_dsn)}")
        ensure_databases(settings.postgres_dsn)
        return {"mode": "external", "dsn": settings.postgres_dsn}
    ensure_packages({"initdb": "postgresql", "pg_ctl": "postgresql"}, settings.allow_apt, find=find_bin)
    cluster = Path(previous["cluster_dir"]) if previous.get("cluster_dir") else _cluster_dir(settings)
    data_dir = cluster / "data"
    log_file = cluster / "postgres.log"
    port = int(previous.get("port") or settings.postgres_port)
    dsn = managed_dsn(port)
    if (data_dir / "postmaster.pid").exists() and answers(dsn):
        print(f"  postgres: already running on 127.0.0.1:{port} (data in {data_dir})")
        ensure_databases(dsn)
        return previous
    if not (data_dir / "PG_VERSION").exists():
        cmd = [
            require_bin("initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
        ]
        result = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DevstackError(f"initdb failed: {(result.stderr or result.stdout).strip()[-400:]}")
        print(f"  postgres: initialised a cluster in {data_dir}")
    if port_is_open(port):
        port = free_port()
        print(f"  postgres: port {settings.postgres_port} is taken; using free port {port}")
        dsn = managed_dsn(port)
    options = " ".join(f"-c {key}={value}" for key, value in SERVER_OPTIONS.items())
    options += f" -p {port} -k {cluster}"
    timeout = str(int(settings.startup_timeout))
    result = _pg_ctl(["-l", str(log_file), "-w", "-t", timeout, "-o", options, "start"], data_dir)
    if result.returncode != 0 or not answers(dsn):
        raise DevstackError(
            f"PostgreSQL did not start: {(result.stderr or result.stdout).strip()[-300:]}; see {log_file}"
        )
    print(f"  postgres: started on 127.0.0.1:{port}, data in {data_dir}, logs in {log_file}")
    ensure_databases(dsn)
    return {"mode": "managed", "dsn": dsn, "port": port, "cluster_dir": str(cluster), "log": str(log_file)}


def down(previous: dict[str, Any]) -> None:
    if previous.get("mode") != "managed":
        print("  postgres: external server, left running" if previous else "  postgres: not running")
        return
    data_dir = Path(previous["cluster_dir"]) / "data"
    if not (data_dir / "postmaster.pid").exists():
        print("  postgres: not running")
        return
    result = _pg_ctl(["-m", "fast", "-w", "stop"], data_dir)
    if result.returncode != 0:
        raise DevstackError(f"pg_ctl stop failed: {(result.stderr or result.stdout).strip()[-300:]}")
    print("  postgres: stopped")


def purge(previous: dict[str, Any]) -> None:
    if previous.get("mode") == "managed" and previous.get("cluster_dir"):
        shutil.rmtree(previous["cluster_dir"], ignore_errors=True)
