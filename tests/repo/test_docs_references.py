"""References in the README and docs/ hold: named tests exist, links resolve inside the repository."""

import re
from pathlib import Path

from scripts.devstack.settings import REPO_ROOT

# A markdown link's target: [text](target) or [text](target "title").
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
# A relative path that climbs out of its folder, in a link or in plain or code text: ../shared/...
_PARENT_PATH = re.compile(r"(?<![\w.])\.\./[\w./-]*")


def _documents() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def _is_external(target: str) -> bool:
    return bool(re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith("#")


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


def outside_references(doc: Path, text: str) -> list[str]:
    """Links and ``../`` paths in ``text`` (the contents of ``doc``) that lead out of the repository.

    A ``../`` path that names nothing counts too: from ``docs/``, ``../shared/...`` stays inside
    the checkout on paper but meant the folder beside it.
    """
    root = REPO_ROOT.resolve()
    found = []
    for target in [*_LINK.findall(text), *_PARENT_PATH.findall(text)]:
        if target.lower().startswith("file:"):
            found.append(target)
            continue
        path = target.split("#", 1)[0]
        if _is_external(target) or not path:
            continue
        resolved = (doc.parent / path).resolve()
        if path.startswith("/") or not resolved.is_relative_to(root) or not resolved.exists():
            found.append(target)
    return found


def test_docs_point_at_nothing_outside_the_repository():
    """A clone has only the repository: no link or path may lead out of it (e.g. ``../shared/...``)."""
    outside = [
        f"{doc.relative_to(REPO_ROOT)}: {target}"
        for doc in _documents()
        for target in outside_references(doc, doc.read_text())
    ]
    assert outside == []


def test_relative_links_in_docs_resolve():
    broken = []
    for doc in _documents():
        for target in _LINK.findall(doc.read_text()):
            path = target.split("#", 1)[0]
            if _is_external(target) or not path:
                continue
            if not (doc.parent / path).exists():
                broken.append(f"{doc.relative_to(REPO_ROOT)}: {target}")
    assert broken == []
