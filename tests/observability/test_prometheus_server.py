"""The pieces of ``obs-up`` that need no running stack: command line, config, summaries (issue 19).

The live run (``pdm run obs-up`` against a running dev stack) is an operator step: it needs the
stack's ports, which a unit test must not touch.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.devstack.settings import DevstackSettings
from scripts.observability import prometheus_server, render


@pytest.fixture
def settings(tmp_path: Path) -> DevstackSettings:
    return dataclasses.replace(DevstackSettings.from_env(), state_dir=tmp_path, cost_budget_usd_per_hour=7.5)


def test_command_line_listens_on_loopback_and_keeps_data_in_the_state_folder(tmp_path: Path):
    cmd = prometheus_server.command("/usr/bin/prometheus", tmp_path / "p.yml", tmp_path / "data", 9191)
    assert cmd[0] == "/usr/bin/prometheus"
    assert f"--config.file={tmp_path / 'p.yml'}" in cmd
    assert f"--storage.tsdb.path={tmp_path / 'data'}" in cmd
    assert "--web.listen-address=127.0.0.1:9191" in cmd
    assert "--web.enable-lifecycle" in cmd


def test_runtime_config_is_the_devstack_config_with_absolute_rules_and_this_budget(settings: DevstackSettings):
    path = prometheus_server.write_runtime_files(settings)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    checked_in = yaml.safe_load(render.DEVSTACK_CONFIG.read_text(encoding="utf-8"))
    assert config["scrape_configs"] == checked_in["scrape_configs"]
    budget = settings.state_dir / "prometheus" / "budget.yml"
    assert config["rule_files"] == [str(render.RULES_DIR / "*.yml"), str(budget)]
    (group,) = yaml.safe_load(budget.read_text(encoding="utf-8"))["groups"]
    assert group["rules"][0]["expr"] == "vector(7.5)"


UP_TARGET: dict[str, Any] = {
    "labels": {"service": "content_service", "instance": "127.0.0.1:8002"},
    "scrapeUrl": "http://127.0.0.1:8002/metrics",
    "health": "up",
    "lastError": "",
}
TARGETS_ANSWER: dict[str, Any] = {
    "status": "success",
    "data": {
        "activeTargets": [
            UP_TARGET,
            {
                "labels": {"service": "api_gateway_service", "instance": "127.0.0.1:8000"},
                "scrapeUrl": "http://127.0.0.1:8000/metrics",
                "health": "down",
                "lastError": 'Get "http://127.0.0.1:8000/metrics": connection refused',
            },
        ],
        "droppedTargets": [],
    },
}


def test_targets_summary_lists_each_target_with_its_health_and_error():
    lines, all_up = prometheus_server.targets_summary(TARGETS_ANSWER)
    assert not all_up
    assert len(lines) == 2
    assert lines[0].split()[:2] == ["api_gateway_service", "down"]
    assert "connection refused" in lines[0]
    assert lines[1].split() == ["content_service", "up", "http://127.0.0.1:8002/metrics"]


def test_targets_summary_is_all_up_only_with_targets_that_are_all_up():
    up_only = {"data": {"activeTargets": [UP_TARGET]}}
    assert prometheus_server.targets_summary(up_only)[1] is True
    assert prometheus_server.targets_summary({"data": {"activeTargets": []}})[1] is False


def test_scraped_once_waits_for_unknown_targets():
    unknown = {"data": {"activeTargets": [{"health": "unknown"}, {"health": "up"}]}}
    assert not prometheus_server.scraped_once(unknown)
    assert prometheus_server.scraped_once(TARGETS_ANSWER)


def test_rules_summary_counts_groups_and_alerting_rules():
    answer = {
        "data": {
            "groups": [
                {"name": "a", "rules": [{"type": "alerting"}, {"type": "alerting"}]},
                {"name": "budget", "rules": [{"type": "recording"}]},
            ]
        }
    }
    assert prometheus_server.rules_summary(answer) == (2, 2)


def test_status_row_is_optional_until_obs_up_ran():
    assert prometheus_server.status_row({})[3] is None
    # A recorded Prometheus whose process is gone is down (pid 0 is never alive).
    row = prometheus_server.status_row({"pid": 0, "port": 1, "url": "http://127.0.0.1:1"})
    assert row[3] is False
