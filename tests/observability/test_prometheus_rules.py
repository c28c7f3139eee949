"""``promtool check`` and ``promtool test rules`` over the alert rules (issue 19).

promtool comes from Debian's ``prometheus`` package, installed with apt when missing (as the dev
stack installs PostgreSQL); without it this test fails rather than skipping.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from scripts.devstack.procs import ensure_packages
from scripts.devstack.settings import REPO_ROOT, DevstackSettings
from scripts.observability import render

pytestmark = pytest.mark.timeout(600)  # a first run may apt-get install the package


@pytest.fixture(scope="module")
def promtool() -> str:
    ensure_packages({"promtool": "prometheus"}, DevstackSettings.from_env().allow_apt)
    found = shutil.which("promtool")
    assert found is not None
    return found


def _run(promtool: str, *args: str) -> None:
    result = subprocess.run([promtool, *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, f"promtool {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def test_rule_files_are_valid(promtool: str):
    rule_files = [*sorted(str(p) for p in render.RULES_DIR.glob("*.yml")), str(render.BUDGET_RULES)]
    _run(promtool, "check", "rules", *rule_files)


def test_both_scrape_configs_are_valid_with_their_rules(promtool: str):
    _run(promtool, "check", "config", str(render.COMPOSE_CONFIG), str(render.DEVSTACK_CONFIG))


def test_every_alert_fires_and_stays_quiet_as_its_unit_tests_say(promtool: str):
    tests = sorted(str(p) for p in (render.PROMETHEUS_DIR / "tests").glob("*.yml"))
    assert tests
    _run(promtool, "test", "rules", *tests)


def _alert_names() -> set[str]:
    names = set()
    for path in render.RULES_DIR.glob("*.yml"):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            names |= {rule["alert"] for rule in group["rules"] if "alert" in rule}
    return names


def test_every_alert_has_a_case_that_fires_and_one_that_does_not():
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in (render.PROMETHEUS_DIR / "tests").glob("*.yml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    alerts = _alert_names()
    assert alerts
    assert alerts - firing == set(), "alerts without a firing case"
    assert alerts - quiet == set(), "alerts without a case where they stay quiet"
