"""The provisioned Grafana dashboards: rendered from scripts/grafana_dashboards.py, on the declared
datasource, every panel explained, every runbook they name present."""

import json
import re

import yaml

from scripts import grafana_dashboards as dashboards
from scripts.devstack.settings import REPO_ROOT

PROVISIONED_DATASOURCES = REPO_ROOT / "observability" / "grafana" / "provisioning" / "datasources" / "prometheus.yml"


def test_the_checked_in_dashboards_are_the_rendered_ones():
    files = dashboards.rendered()
    on_disk = set(dashboards.DASHBOARDS_DIR.glob("*.json"))
    assert on_disk == set(files), "a dashboard file is missing or not rendered: run pdm run obs-dashboards"
    stale = [path.name for path, text in files.items() if path.read_text() != text]
    assert stale == [], f"stale dashboards (run pdm run obs-dashboards): {stale}"


def test_every_panel_queries_the_provisioned_datasource():
    declared = yaml.safe_load(PROVISIONED_DATASOURCES.read_text())["datasources"]
    uids = {source["uid"] for source in declared}
    assert uids == {dashboards.DATASOURCE["uid"]}
    for path in dashboards.DASHBOARDS_DIR.glob("*.json"):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] in uids, (path.name, panel["title"])
            assert panel["targets"], (path.name, panel["title"])
            assert all(target["datasource"]["uid"] in uids for target in panel["targets"])


def test_every_panel_says_what_a_bad_value_means_and_its_runbooks_exist():
    for board in dashboards.DASHBOARDS:
        for panel in board.panels:
            assert len(panel.bad) > 20, (board.uid, panel.title)
            for runbook in re.findall(r"docs/runbooks/([\w-]+)\.md", panel.description()):
                assert (REPO_ROOT / "docs" / "runbooks" / f"{runbook}.md").is_file(), (board.uid, panel.title, runbook)


def test_the_dashboards_cover_the_issue_areas():
    titles = {board.uid for board in dashboards.DASHBOARDS}
    assert titles == {
        "huleedu-overview",
        "huleedu-cj",
        "huleedu-llm-provider",
        "huleedu-kafka-outbox",
        "huleedu-gateway",
        "huleedu-data-protection",  # issue 23: erasure, retention, outbox pruning
    }
