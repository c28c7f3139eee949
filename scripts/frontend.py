"""The teacher dashboard's build (``frontend/``, a Vue app the BFF serves from ``frontend/dist``).

``pdm run fe-build``   ``npm ci`` then ``npm run build``.
``pdm run fe-ensure``  the same, only when ``frontend/dist`` is missing or older than the sources
                       (``npm ci`` only when ``node_modules`` is missing or older than the lock file);
                       part of ``pdm run up``. Without npm on the machine it says so and does nothing,
                       so the platform still comes up (the BFF then serves a page saying how to build).
``pdm run fe-dev``     Vite's dev server on http://127.0.0.1:5173, proxying ``/v1`` and ``/bff`` to the
                       gateway (``npm ci`` first if needed).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from scripts.devstack.settings import REPO_ROOT

FRONTEND = REPO_ROOT / "frontend"
# What a build is made from: a change to any of these makes frontend/dist stale.
SOURCES = (
    "src",
    "public",
    "index.html",
    "env.d.ts",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
    "tsconfig.app.json",
    "tsconfig.node.json",
)
# npm writes this after every install; its age is the age of node_modules' contents.
INSTALL_MARKER = Path("node_modules") / ".package-lock.json"
BUILD_MARKER = Path("dist") / "index.html"


def newest_mtime(paths: Iterable[Path]) -> float:
    """The latest modification time of the files at or under ``paths`` (0 when there are none)."""
    newest = 0.0
    for path in paths:
        if path.is_dir():
            newest = max([newest, *(child.stat().st_mtime for child in path.rglob("*") if child.is_file())])
        elif path.is_file():
            newest = max(newest, path.stat().st_mtime)
    return newest


def needs_install(frontend: Path = FRONTEND) -> bool:
    """``node_modules`` is missing, or older than ``package-lock.json``."""
    marker = frontend / INSTALL_MARKER
    lock = frontend / "package-lock.json"
    return not marker.is_file() or marker.stat().st_mtime < lock.stat().st_mtime


def build_is_stale(frontend: Path = FRONTEND) -> bool:
    """``dist`` is missing, or older than one of its sources."""
    built = frontend / BUILD_MARKER
    if not built.is_file():
        return True
    return built.stat().st_mtime < newest_mtime(frontend / name for name in SOURCES)


def npm(*args: str, frontend: Path = FRONTEND) -> int:
    print(f"frontend: npm {' '.join(args)}", flush=True)
    return subprocess.run(["npm", *args], cwd=frontend, check=False).returncode


def _install_and_build(frontend: Path, *, always_install: bool) -> int:
    if always_install or needs_install(frontend):
        code = npm("ci", frontend=frontend)
        if code != 0:
            return code
    return npm("run", "build", frontend=frontend)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.frontend", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "ensure", "dev"])
    args = parser.parse_args(argv)

    if shutil.which("npm") is None:
        message = "frontend: npm is not installed (Node 20.19+ with npm is needed to build the dashboard)"
        if args.command == "ensure":
            print(f"{message}; skipping the dashboard build", file=sys.stderr)
            return 0
        print(message, file=sys.stderr)
        return 1

    if args.command == "build":
        return _install_and_build(FRONTEND, always_install=True)
    if args.command == "ensure":
        if not build_is_stale(FRONTEND):
            print("frontend: frontend/dist is up to date", flush=True)
            return 0
        return _install_and_build(FRONTEND, always_install=False)
    if needs_install(FRONTEND) and (code := npm("ci")) != 0:
        return code
    try:
        return npm("run", "dev")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
