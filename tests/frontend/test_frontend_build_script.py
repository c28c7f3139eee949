"""``scripts/frontend.py`` decides when ``pdm run up`` rebuilds the dashboard and when npm ci runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scripts import frontend as fe


def _touch(path: Path, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    os.utime(path, (mtime, mtime))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _touch(tmp_path / "package-lock.json", 1_000)
    _touch(tmp_path / "package.json", 1_000)
    _touch(tmp_path / "src" / "main.ts", 1_000)
    _touch(tmp_path / "src" / "views" / "BatchView.vue", 1_000)
    return tmp_path


def test_install_is_needed_without_node_modules_or_when_the_lock_is_newer(project: Path):
    assert fe.needs_install(project)
    _touch(project / fe.INSTALL_MARKER, 2_000)
    assert not fe.needs_install(project)
    _touch(project / "package-lock.json", 3_000)
    assert fe.needs_install(project)


def test_build_is_stale_without_dist_or_when_a_source_is_newer(project: Path):
    assert fe.build_is_stale(project)
    _touch(project / fe.BUILD_MARKER, 2_000)
    assert not fe.build_is_stale(project)
    _touch(project / "src" / "views" / "BatchView.vue", 3_000)
    assert fe.build_is_stale(project)


def test_files_outside_the_sources_do_not_make_the_build_stale(project: Path):
    _touch(project / fe.BUILD_MARKER, 2_000)
    _touch(project / "node_modules" / "vue" / "index.js", 5_000)
    _touch(project / "README.md", 5_000)
    assert not fe.build_is_stale(project)


def test_ensure_skips_without_npm_but_build_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr(fe.shutil, "which", lambda _name: None)
    assert fe.main(["ensure"]) == 0
    assert "skipping the dashboard build" in capsys.readouterr().err
    assert fe.main(["build"]) == 1


def test_ensure_builds_only_when_stale(monkeypatch: pytest.MonkeyPatch, project: Path):
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(fe, "FRONTEND", project)
    monkeypatch.setattr(fe.shutil, "which", lambda _name: "/usr/bin/npm")

    def fake_npm(*args: str, frontend: Path = project) -> int:
        calls.append(args)
        return 0

    monkeypatch.setattr(fe, "npm", fake_npm)
    assert fe.main(["ensure"]) == 0
    assert calls == [("ci",), ("run", "build")]

    calls.clear()
    _touch(project / fe.INSTALL_MARKER, 2_000)
    _touch(project / fe.BUILD_MARKER, 2_000)
    assert fe.main(["ensure"]) == 0
    assert calls == []

    _touch(project / "src" / "main.ts", 3_000)
    assert fe.main(["ensure"]) == 0
    assert calls == [("run", "build")]

    calls.clear()
    assert fe.main(["build"]) == 0
    assert calls == [("ci",), ("run", "build")]
