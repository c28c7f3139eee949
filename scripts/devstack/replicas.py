"""Extra replicas of a service in the dev stack: ``dev-up --replicas cj_assessment_service=2,...``.

Replica k of a service (k = 2, 3, ...) is the same ``python -m <service> serve`` with the same
environment, so it joins the same consumer groups, relays from the same outbox table and shares
the same Redis queue; it listens on the service's port + 100 * (k - 1) and logs to
``<service>#<k>.log``. The first replica is the service as the stack always runs it. The state file
keeps the count, so a later ``dev-up`` without ``--replicas`` restarts a dead replica and keeps the
rest; ``--replicas NAME=1`` stops a service's extra replicas. docs/scale-out.md says what makes
several replicas safe.
"""

from __future__ import annotations

from typing import Any

from scripts.devstack import service_procs
from scripts.devstack.procs import DevstackError, pid_alive, port_is_open, terminate
from scripts.devstack.services import SERVICES, ServiceSpec
from scripts.devstack.settings import DevstackSettings

MAX_REPLICAS = 8
PORT_STEP = 100


def parse(text: str) -> dict[str, int]:
    """``name=count,...`` into {name: count}; a clear error for an unknown service or a bad count."""
    built = {svc.name for svc in SERVICES if service_procs.is_built(svc)}
    wanted: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, count = item.partition("=")
        if not sep or not count.strip().isdigit():
            raise DevstackError(f"--replicas takes NAME=COUNT[,NAME=COUNT...], not {item!r}")
        if name.strip() not in built:
            raise DevstackError(f"--replicas: no service {name.strip()!r}; services: {', '.join(sorted(built))}")
        replicas = int(count)
        if not 1 <= replicas <= MAX_REPLICAS:
            raise DevstackError(f"--replicas: {name.strip()} takes 1 to {MAX_REPLICAS} replicas, not {replicas}")
        wanted[name.strip()] = replicas
    return wanted


def port(svc: ServiceSpec, env: dict[str, str], index: int) -> int:
    return service_procs.http_port(svc, env) + PORT_STEP * (index - 1)


def label(name: str, index: int) -> str:
    return f"{name}#{index}"


def reconcile(
    settings: DevstackSettings,
    wanted: dict[str, int] | None,
    previous: dict[str, list[dict[str, Any]]],
    env: dict[str, str],
) -> dict[str, list[dict[str, Any]]]:
    """The extra replicas running after this call: ``wanted`` counts (None: the counts ``previous``
    had), starting what is missing or dead and stopping what is beyond the count."""
    counts = {name: len(extra) + 1 for name, extra in previous.items()}
    counts.update(wanted or {})
    running: dict[str, list[dict[str, Any]]] = {}
    for svc in SERVICES:
        extra = previous.get(svc.name, [])
        want = counts.get(svc.name, 1)
        for index, entry in enumerate(extra, start=2):
            if index > want and terminate(entry.get("pid")):
                print(f"  {label(svc.name, index)}: stopped (replicas now {want})")
        kept: list[dict[str, Any]] = []
        for index in range(2, want + 1):
            entry = extra[index - 2] if index - 2 < len(extra) else {}
            kept.append(_up(settings, svc, index, entry, env))
        if kept:
            running[svc.name] = kept
    return running


def _up(
    settings: DevstackSettings, svc: ServiceSpec, index: int, previous: dict[str, Any], env: dict[str, str]
) -> dict[str, Any]:
    name, listen = label(svc.name, index), port(svc, env, index)
    if pid_alive(previous.get("pid")) and previous.get("port") == listen and service_procs.healthy(listen):
        print(f"  {name}: already running (pid {previous['pid']}) on http://127.0.0.1:{listen}")
        return previous
    terminate(previous.get("pid"))
    if port_is_open(listen):
        raise DevstackError(f"{name}: port {listen} is taken by another process; stop it first")
    return service_procs.start(settings, name, listen, settings.logs_dir / f"{name}.log", env)


def down(previous: dict[str, list[dict[str, Any]]]) -> None:
    for name, extra in previous.items():
        for index, entry in enumerate(extra, start=2):
            if terminate(entry.get("pid")):
                print(f"  {label(name, index)}: stopped")


def status_rows(previous: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str, bool]]:
    rows = []
    for name, extra in previous.items():
        for index, entry in enumerate(extra, start=2):
            ok = pid_alive(entry.get("pid")) and service_procs.healthy(int(entry["port"]))
            rows.append((label(name, index), "up" if ok else "DOWN", f"http://127.0.0.1:{entry['port']}", ok))
    return rows
