"""Every alert links a runbook that exists, and every runbook is reachable (issue 19)."""

from __future__ import annotations

import re

import yaml

from scripts.devstack.settings import REPO_ROOT
from scripts.observability import render

RUNBOOKS = REPO_ROOT / "docs" / "runbooks"
INDEX = RUNBOOKS / "README.md"


def _alert_rules() -> list[dict]:
    rules = []
    for path in sorted(render.RULES_DIR.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            rules += [rule for rule in group["rules"] if "alert" in rule]
    return rules


def test_every_alert_says_what_is_wrong_and_links_an_existing_runbook():
    rules = _alert_rules()
    assert rules
    for rule in rules:
        annotations = rule.get("annotations", {})
        assert annotations.get("summary"), rule["alert"]
        assert annotations.get("description"), rule["alert"]
        url = annotations.get("runbook_url", "")
        assert url.startswith("docs/runbooks/"), f"{rule['alert']}: {url!r}"
        assert url.endswith(".md"), f"{rule['alert']}: {url!r}"
        assert (REPO_ROOT / url).is_file(), f"{rule['alert']} links {url}, which does not exist"


def test_every_runbook_is_linked_by_a_rule_or_the_index():
    linked = {rule["annotations"]["runbook_url"].removeprefix("docs/runbooks/") for rule in _alert_rules()}
    indexed = set(re.findall(r"\]\(([^)#]+\.md)\)", INDEX.read_text(encoding="utf-8")))
    for runbook in RUNBOOKS.glob("*.md"):
        if runbook == INDEX:
            continue
        assert runbook.name in linked | indexed, (
            f"docs/runbooks/{runbook.name} is linked by no rule and not in README.md"
        )


def test_every_link_in_the_runbooks_resolves():
    for runbook in RUNBOOKS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+)\)", runbook.read_text(encoding="utf-8")):
            assert (runbook.parent / target).exists(), f"{runbook.name} links {target}, which does not exist"


def test_each_alert_runbook_says_what_it_means_how_to_confirm_and_how_to_fix():
    for rule in _alert_rules():
        text = (REPO_ROOT / rule["annotations"]["runbook_url"]).read_text(encoding="utf-8")
        for heading in ("## What it means", "## Confirm", "## Fix"):
            assert heading in text, f"{rule['annotations']['runbook_url']} lacks {heading!r}"
