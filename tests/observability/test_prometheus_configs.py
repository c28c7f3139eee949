"""The checked-in Prometheus configs are exactly what the service table renders (issue 19)."""

from __future__ import annotations

from pathlib import Path

import yaml

from scripts.devstack.services import SERVICES
from scripts.devstack.settings import REPO_ROOT
from scripts.observability import render


def _targets(config: dict) -> dict[str, str]:
    """``{service label: address}`` of the one huleedu job."""
    (job,) = config["scrape_configs"]
    return {sc["labels"]["service"]: target for sc in job["static_configs"] for target in sc["targets"]}


def test_checked_in_files_match_the_rendering_so_they_cannot_drift():
    for path, text in render.checked_in_files().items():
        assert path.exists(), f"{path.relative_to(REPO_ROOT)} is missing: run pdm run obs-render"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(REPO_ROOT)} differs from the service table: run pdm run obs-render"
        )


def test_compose_config_scrapes_every_service_by_its_compose_host_name():
    config = yaml.safe_load(render.COMPOSE_CONFIG.read_text(encoding="utf-8"))
    assert _targets(config) == {svc.name: f"{svc.name}:{svc.http_port}" for svc in SERVICES}


def test_devstack_config_scrapes_every_service_on_loopback():
    config = yaml.safe_load(render.DEVSTACK_CONFIG.read_text(encoding="utf-8"))
    assert _targets(config) == {svc.name: f"127.0.0.1:{svc.http_port}" for svc in SERVICES}


def test_a_new_service_in_the_table_changes_both_renderings(monkeypatch):
    extra = render.ServiceSpec("new_service", 8099)
    monkeypatch.setattr(render, "SERVICES", (*SERVICES, extra))
    assert _targets(render.compose_config())["new_service"] == "new_service:8099"
    assert _targets(render.devstack_config())["new_service"] == "127.0.0.1:8099"


def test_budget_rule_carries_the_setting():
    (group,) = render.budget_rules(12.5)["groups"]
    assert group["rules"] == [{"record": render.BUDGET_SERIES, "expr": "vector(12.5)"}]


def test_docker_compose_mounts_the_folder_holding_the_compose_config_and_its_rules():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    volumes = compose["services"]["prometheus"]["volumes"]
    mounted = {Path(v.split(":")[0]).resolve(): v.split(":")[1] for v in volumes}
    # The image reads /etc/prometheus/prometheus.yml, which must be the compose rendering.
    assert mounted.get(render.PROMETHEUS_DIR.resolve()) == "/etc/prometheus"
    assert render.COMPOSE_CONFIG.name == "prometheus.yml"
