"""Tests named in docs/ exist, so the PITFALLS coverage table cannot point at nothing."""

import re

from scripts.devstack.settings import REPO_ROOT


def test_every_test_named_in_docs_exists():
    named = {
        name for doc in (REPO_ROOT / "docs").rglob("*.md") for name in re.findall(r"::(test_\w+)", doc.read_text())
    }
    assert named, "docs name no tests"
    sources = "".join(
        path.read_text() for area in ("libs", "services", "tests") for path in (REPO_ROOT / area).rglob("test_*.py")
    )
    missing = sorted(name for name in named if f"def {name}(" not in sources)
    assert missing == []
