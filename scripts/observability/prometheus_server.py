"""A local Prometheus (Debian's ``prometheus`` package) scraping the dev stack: ``obs-up``/``obs-down``.

It is supervised like the dev stack's Redis: a process in its own session, its pid and port in
``<state dir>/state.json`` under ``prometheus``, data under ``<state dir>/prometheus``, its log in
``<state dir>/logs/prometheus.log``. Its config is the checked-in dev-stack scrape config with the
rule files made absolute and the cost budget rendered from the current setting.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from scripts.devstack.procs import (
    DevstackError,
    ensure_packages,
    free_port,
    pid_alive,
    port_is_open,
    spawn,
    terminate,
    wait_for_start,
    wait_until,
)
from scripts.devstack.settings import DevstackSettings
from scripts.observability.render import DEVSTACK_CONFIG, RULES_DIR, budget_rules, dump

STATE_KEY = "prometheus"


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def runtime_config(settings: DevstackSettings) -> dict[str, Any]:
    """The checked-in dev-stack config, its rule files pointing at the repo and this budget."""
    config: dict[str, Any] = yaml.safe_load(DEVSTACK_CONFIG.read_text(encoding="utf-8"))
    config["rule_files"] = [str(RULES_DIR / "*.yml"), str(budget_path(settings))]
    return config


def budget_path(settings: DevstackSettings) -> Path:
    return settings.state_dir / "prometheus" / "budget.yml"


def write_runtime_files(settings: DevstackSettings) -> Path:
    folder = settings.state_dir / "prometheus"
    folder.mkdir(parents=True, exist_ok=True)
    budget_path(settings).write_text(dump(budget_rules(settings.cost_budget_usd_per_hour)), encoding="utf-8")
    config_path = folder / "prometheus.yml"
    config_path.write_text(dump(runtime_config(settings)), encoding="utf-8")
    return config_path


def command(binary: str, config: Path, data_dir: Path, port: int) -> list[str]:
    return [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={data_dir}",
        f"--web.listen-address=127.0.0.1:{port}",
        # Local development data: a day is plenty and keeps .devstack small.
        "--storage.tsdb.retention.time=1d",
        # Lets a second obs-up reload the re-rendered config and rules in place.
        "--web.enable-lifecycle",
    ]


def get_json(url: str, timeout: float = 3.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a loopback http URL we built
        data: dict[str, Any] = json.loads(response.read())
    return data


def is_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(base_url(port) + "/-/ready", timeout=2.0) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def targets_summary(answer: dict[str, Any]) -> tuple[list[str], bool]:
    """One line per active target of a ``/api/v1/targets`` answer, and whether all are up."""
    lines = []
    all_up = True
    targets = sorted(
        answer.get("data", {}).get("activeTargets", []),
        key=lambda t: (t.get("labels", {}).get("service", ""), t.get("scrapeUrl", "")),
    )
    for target in targets:
        health = target.get("health", "unknown")
        all_up = all_up and health == "up"
        name = target.get("labels", {}).get("service") or target.get("labels", {}).get("instance", "?")
        error = target.get("lastError") or ""
        line = f"  {name:<26} {health:<7} {target.get('scrapeUrl', '')}"
        lines.append(line + (f"  ({error})" if error else ""))
    return lines, all_up and bool(targets)


def rules_summary(answer: dict[str, Any]) -> tuple[int, int]:
    """Rule groups and alerting rules loaded, from a ``/api/v1/rules`` answer."""
    groups = answer.get("data", {}).get("groups", [])
    alerts = sum(1 for group in groups for rule in group.get("rules", []) if rule.get("type") == "alerting")
    return len(groups), alerts


def scraped_once(answer: dict[str, Any]) -> bool:
    """Every target has been scraped at least once (a fresh Prometheus reports "unknown" first)."""
    targets = answer.get("data", {}).get("activeTargets", [])
    return bool(targets) and all(t.get("health") in {"up", "down"} for t in targets)


def print_summary(port: int, timeout: float) -> bool:
    """Print the targets page and the loaded rules; True if every target is up."""
    targets_url = base_url(port) + "/api/v1/targets"
    try:
        wait_until(lambda: scraped_once(get_json(targets_url)), timeout, "the first scrape of every target")
    except DevstackError as exc:
        print(f"  prometheus: {exc}; showing the targets as they are")
    lines, all_up = targets_summary(get_json(targets_url))
    groups, alerts = rules_summary(get_json(base_url(port) + "/api/v1/rules"))
    print(f"  prometheus targets ({'all up' if all_up else 'NOT all up'}):")
    for line in lines:
        print(line)
    print(f"  prometheus rules: {groups} groups loaded, {alerts} alerting rules")
    return all_up


def up(settings: DevstackSettings, previous: dict[str, Any]) -> dict[str, Any]:
    config_path = write_runtime_files(settings)
    if pid_alive(previous.get("pid")) and is_ready(int(previous["port"])):
        # Reload picks up the freshly rendered config and rules without losing data.
        _post(base_url(int(previous["port"])) + "/-/reload")
        print(f"  prometheus: already running (pid {previous['pid']}) at {base_url(int(previous['port']))}")
        return previous
    ensure_packages({"prometheus": "prometheus"}, settings.allow_apt)
    binary = shutil.which("prometheus")
    if binary is None:
        raise DevstackError("prometheus is not installed (apt-get install prometheus)")
    port = settings.prometheus_port
    if port_is_open(port):
        port = free_port()
        print(f"  prometheus: port {settings.prometheus_port} is taken; using free port {port}")
    data_dir = settings.state_dir / "prometheus" / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = settings.logs_dir / "prometheus.log"
    cmd = command(binary, config_path, data_dir, port)
    pid = spawn(cmd, log_file, cwd=data_dir)

    wait_for_start(pid, lambda: is_ready(port), settings.startup_timeout, "Prometheus", log_file)
    print(f"  prometheus: started (pid {pid}) at {base_url(port)}, logs in {log_file}")
    return {"pid": pid, "port": port, "url": base_url(port), "log": str(log_file), "data_dir": str(data_dir)}


def _post(url: str) -> None:
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=5.0):  # noqa: S310
        pass


def down(previous: dict[str, Any]) -> None:
    if terminate(previous.get("pid")):
        print(f"  prometheus: stopped (pid {previous.get('pid')})")
    else:
        print("  prometheus: not running")


def status_row(previous: dict[str, Any]) -> tuple[str, str, str, bool | None]:
    """``dev-status``'s row: ``None`` when obs-up was never run (optional, so not a failure)."""
    if not previous:
        return ("prometheus", "-", "not started (pdm run obs-up)", None)
    ok = pid_alive(previous.get("pid")) and is_ready(int(previous["port"]))
    return ("prometheus", "managed", previous.get("url", "-"), ok)
