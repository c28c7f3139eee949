"""``python -m scripts.devstack {up,down,status,restart,logs,topics}``: the pdm dev-* scripts call this."""

from __future__ import annotations

import argparse
import fcntl
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from huleedu_service_libs.envfile import parse_env_text
from scripts.devstack import kafka_broker, postgres_server, redis_server, replicas, service_procs
from scripts.devstack.procs import DevstackError, pid_alive
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import DevstackSettings
from scripts.devstack.state import load_state, render_env_file, save_state, write_env_file
from scripts.devstack.topics import bootstrap_topics
from scripts.observability import prometheus_server


@contextmanager
def exclusive(settings: DevstackSettings) -> Iterator[None]:
    """One dev-up/dev-down at a time (a test run may start the stack while you do)."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.state_dir / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def cmd_up(settings: DevstackSettings, *, infra_only: bool = False, wanted: dict[str, int] | None = None) -> int:
    print(f"dev stack: bringing up (state in {settings.state_dir})")
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    with exclusive(settings):
        state = load_state(settings)
        # Save after each component, so a later failure still lets dev-down stop what did start.
        state["postgres"] = postgres_server.up(settings, state.get("postgres", {}))
        save_state(settings, state)
        state["redis"] = redis_server.up(settings, state.get("redis", {}))
        save_state(settings, state)
        state["kafka"] = kafka_broker.up(settings, state.get("kafka", {}))
        save_state(settings, state)
        bootstrap_topics(settings, state["kafka"]["bootstrap"])
        env = render_env_file(state["kafka"]["bootstrap"], state["postgres"]["dsn"], state["redis"]["url"])
        path = write_env_file(settings, env)
        if not infra_only:
            services_env = service_procs.service_env(parse_env_text(env))
            state["services"] = service_procs.up_all(settings, state.get("services", {}), services_env)
            save_state(settings, state)
            state["replicas"] = replicas.reconcile(settings, wanted, state.get("replicas", {}), services_env)
            save_state(settings, state)
    print(f"dev stack: up. Connection settings are in {path}")
    return 0


def cmd_restart(settings: DevstackSettings, name: str) -> int:
    """Restart one service (after a code change) without touching the infrastructure."""
    svc = next((s for s in SERVICES if s.name == name), None)
    if svc is None or not service_procs.is_built(svc):
        built = [s.name for s in SERVICES if service_procs.is_built(s)]
        print(f"no built service {name!r}; built services: {', '.join(built)}", file=sys.stderr)
        return 1
    if not settings.env_file.exists():
        print("the dev stack is not up: run pdm run dev-up", file=sys.stderr)
        return 1
    with exclusive(settings):
        state = load_state(settings)
        services = state.setdefault("services", {})
        service_procs.down_all({name: services.pop(name, {})})
        env = service_procs.service_env(parse_env_text(settings.env_file.read_text()))
        services[name] = service_procs.up_one(settings, svc, {}, env)
        save_state(settings, state)
    return 0


def cmd_down(settings: DevstackSettings, purge: bool) -> int:
    print("dev stack: stopping")
    with exclusive(settings):
        state = load_state(settings)
        settings.env_file.unlink(missing_ok=True)
        # Prometheus (obs-up) only watches the stack; it goes with it.
        prometheus_server.down(state.pop(prometheus_server.STATE_KEY, {}))
        replicas.down(state.pop("replicas", {}))
        service_procs.down_all(state.pop("services", {}))
        save_state(settings, state)
        kafka_broker.down(state.get("kafka", {}))
        redis_server.down(state.get("redis", {}))
        postgres_server.down(state.get("postgres", {}))
        if purge:
            postgres_server.purge(state.get("postgres", {}))
            redis_server.purge(state.get("redis", {}))
            shutil.rmtree(settings.state_dir / "kafka", ignore_errors=True)
            shutil.rmtree(settings.state_dir / "prometheus", ignore_errors=True)
            shutil.rmtree(settings.logs_dir, ignore_errors=True)
            (settings.state_dir / "state.json").unlink(missing_ok=True)
            print(f"dev stack: data purged (the jar cache in {settings.cache_dir} is kept)")
    print("dev stack: down")
    return 0


def cmd_status(settings: DevstackSettings) -> int:
    state = load_state(settings)
    kafka = state.get("kafka", {})
    pg = state.get("postgres", {})
    rd = state.get("redis", {})
    rows = [
        (
            "kafka",
            kafka.get("mode", "-"),
            kafka.get("bootstrap", "-"),
            bool(kafka) and pid_alive(kafka.get("pid")) and kafka_broker.kafka_answers_metadata(kafka["bootstrap"]),
        ),
        (
            "postgres",
            pg.get("mode", "-"),
            postgres_server.redact(pg.get("dsn", "-")),
            bool(pg) and postgres_server.answers(pg["dsn"]),
        ),
        ("redis", rd.get("mode", "-"), rd.get("url", "-"), bool(rd) and redis_server.answers(rd["url"])),
    ]
    print(f"dev stack in {settings.state_dir}")
    for name, mode, address, ok in rows:
        print(f"  {name:<9} {'up' if ok else 'DOWN':<5} {mode:<9} {address}")
    service_rows = service_procs.status_rows(state.get("services", {}))
    service_rows += replicas.status_rows(state.get("replicas", {}))
    for name, service_state, address, _ in service_rows:
        print(f"  {name:<26} {service_state:<9} {address}")
    prom_name, prom_mode, prom_address, prom_ok = prometheus_server.status_row(
        state.get(prometheus_server.STATE_KEY, {})
    )
    prom_state = "-" if prom_ok is None else "up" if prom_ok else "DOWN"
    print(f"  {prom_name:<9} {prom_state:<5} {prom_mode:<9} {prom_address}")
    all_up = all(ok for *_, ok in rows) and all(ok is not False for *_, ok in service_rows) and prom_ok is not False
    print(f"  env file: {settings.env_file if settings.env_file.exists() else 'missing (run pdm run dev-up)'}")
    return 0 if all_up else 1


def log_path(settings: DevstackSettings, name: str) -> Path:
    state = load_state(settings)
    recorded = state.get(name, {}).get("log")
    return Path(recorded) if recorded else settings.logs_dir / f"{name}.log"


def cmd_logs(settings: DevstackSettings, name: str, lines: int, follow: bool) -> int:
    path = log_path(settings, name)
    if not path.exists():
        known = sorted(p.stem for p in settings.logs_dir.glob("*.log")) if settings.logs_dir.exists() else []
        print(
            f"no log for {name!r} at {path}; known logs: {', '.join(known) or 'none (is the stack up?)'}",
            file=sys.stderr,
        )
        return 1
    args = ["tail", "-n", str(lines)] + (["-F"] if follow else []) + [str(path)]
    try:
        return subprocess.run(args, check=False).returncode
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start Kafka, PostgreSQL, Redis and every built service (idempotent)")
    up.add_argument("--infra-only", action="store_true", help="only Kafka, PostgreSQL and Redis (the test fixtures)")
    up.add_argument(
        "--replicas",
        metavar="NAME=N[,NAME=N...]",
        help="run N processes of a service on their own ports, sharing its consumer groups (docs/scale-out.md)",
    )
    down = sub.add_parser("down", help="stop what dev-up started")
    down.add_argument("--purge", action="store_true", help="also delete data and logs (keeps the jar cache)")
    sub.add_parser("status", help="show each component; exit 1 if any is down")
    restart = sub.add_parser("restart", help="restart one service, e.g. after a code change")
    restart.add_argument("name", help="the service's package name, e.g. content_service")
    logs = sub.add_parser("logs", help="show a component's log (kafka, postgres, redis, or a service)")
    logs.add_argument("name")
    logs.add_argument("-n", "--lines", type=int, default=100)
    logs.add_argument("-f", "--follow", action="store_true")
    sub.add_parser("topics", help="create every registry topic and its .dlq twin (idempotent)")
    args = parser.parse_args(argv)
    settings = DevstackSettings.from_env()
    try:
        if args.command == "up":
            wanted = replicas.parse(args.replicas) if args.replicas else None
            return cmd_up(settings, infra_only=args.infra_only, wanted=wanted)
        if args.command == "down":
            return cmd_down(settings, args.purge)
        if args.command == "status":
            return cmd_status(settings)
        if args.command == "restart":
            return cmd_restart(settings, args.name)
        if args.command == "logs":
            return cmd_logs(settings, args.name, args.lines, args.follow)
        bootstrap_topics(settings)
        return 0
    except DevstackError as exc:
        print(f"dev stack: ERROR: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
