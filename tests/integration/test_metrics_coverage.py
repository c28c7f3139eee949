"""Dashboards, alert rules and the services' /metrics agree (issue 19).

After a mock assessment through the gateway, every service's ``/metrics`` is scraped:
- every metric a Grafana panel or a Prometheus rule queries is exported by some service, and where
  it has samples they carry the labels the query groups or filters by;
- every exported platform metric (``huleedu_*`` and the services' own prefixes) is shown on at
  least one panel or used by one rule, so no metric is collected for nobody.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from scripts import grafana_dashboards
from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

PLATFORM_PREFIXES = ("huleedu_", "cj_", "llm_provider_", "cms_", "content_", "result_aggregator_")
RULES = sorted((REPO_ROOT / "observability" / "prometheus").glob("**/rules/*.yml"))
# Suffixes Prometheus adds to a histogram's or a counter's samples; the family is the name without.
_SAMPLE_SUFFIXES = ("_bucket", "_count", "_sum", "_created", "_total")
_NAME = re.compile(r"\b(?:" + "|".join(PLATFORM_PREFIXES) + r")[a-z0-9_]+")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
_MATCHER = re.compile(r"([a-z_]+)\s*[=!]~?\s*\"")


def _queries() -> list[str]:
    exprs = [expr for board in grafana_dashboards.DASHBOARDS for panel in board.panels for expr, _ in panel.queries]
    for path in RULES:
        for group in yaml.safe_load(Path(path).read_text())["groups"]:
            exprs.extend(str(rule["expr"]) for rule in group["rules"])
    return exprs


def _family(sample_name: str, families: set[str]) -> str:
    """The exported family a queried name belongs to (``x_bucket`` of histogram ``x``, ``x_total``...)."""
    if sample_name in families:
        return sample_name
    for suffix in _SAMPLE_SUFFIXES:
        if sample_name.endswith(suffix) and sample_name.removesuffix(suffix) in families:
            return sample_name.removesuffix(suffix)
    return sample_name


def _scrape() -> tuple[set[str], dict[str, set[str]]]:
    """Exported platform families, and the label names each one's samples carry."""
    families: set[str] = set()
    labels: dict[str, set[str]] = {}
    for service in SERVICES:
        text = httpx.get(f"{run_demo.service_url(service.name)}/metrics", timeout=10.0).text
        for family in text_string_to_metric_families(text):
            # prometheus_client reports a counter's family without its _total.
            name = family.name + "_total" if family.type == "counter" else family.name
            # The text format's *_created series parse as families of their own; they are not metrics.
            if not name.startswith(PLATFORM_PREFIXES) or name.endswith("_created"):
                continue
            families.add(name)
            for sample in family.samples:
                labels.setdefault(name, set()).update(sample.labels)
    return families, labels


@pytest.fixture(scope="module")
def scraped(gateway: run_demo.Gateway) -> tuple[set[str], dict[str, set[str]]]:
    essays = student_essays(count=5, seed=19)
    batch_id = run_demo.create_batch(gateway, run_demo.demo_assignment(gateway), essays)
    run_demo.start_assessment(gateway, batch_id, "serial_bundle")
    assert run_demo.follow(gateway, batch_id, timeout_s=300)["batch"]["status"] == "completed"
    # One refused token, so the rejection counter has a sample to check labels on.
    httpx.get(f"{gateway.base_url}/v1/me", headers={"Authorization": "Bearer not-a-token"}, timeout=10.0)
    return _scrape()


def test_every_metric_a_panel_or_rule_queries_is_exported_with_its_labels(scraped):
    families, labels = scraped
    missing, unlabelled = set(), []
    for expr in _queries():
        wanted = {label.strip() for group in _GROUPING.findall(expr) for label in group.split(",") if label.strip()}
        wanted |= set(_MATCHER.findall(expr))
        for name in set(_NAME.findall(expr)):
            family = _family(name, families)
            if family not in families:
                missing.add(name)
                continue
            carried = labels.get(family)
            # A labelled metric nothing has touched yet exports no sample: its labels cannot be checked.
            lacking = wanted - (carried or set()) - {"le", "instance", "job"}
            if carried and lacking:
                unlabelled.append(f"{family} lacks {sorted(lacking)} for: {expr}")
    assert sorted(missing) == [], "queried by a panel or rule but exported by no service"
    assert unlabelled == []


def test_every_exported_platform_metric_is_on_a_panel_or_in_a_rule(scraped):
    families, _ = scraped
    queried = {name for expr in _queries() for name in _NAME.findall(expr)}
    used = {_family(name, families) for name in queried}
    unused = sorted(families - used)
    assert unused == [], (
        "exported but on no dashboard panel and in no rule: add a panel (scripts/grafana_dashboards.py)"
    )
