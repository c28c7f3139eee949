"""The README's test command also gates the teacher dashboard (``frontend/``): its lint, type check,
unit tests and production build, each run with npm as a developer would, each failing with the
tool's own output. ``npm ci`` runs first when ``node_modules`` is missing or older than the lock file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.frontend import FRONTEND, needs_install

pytestmark = [pytest.mark.quality, pytest.mark.frontend]

# Plain output in a failure message: no colours, no progress spinners.
_ENV = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0", "CI": os.environ.get("CI", "true")}


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["npm", *args], cwd=FRONTEND, env=_ENV, capture_output=True, text=True, check=False, timeout=280
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {result.returncode}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def frontend() -> Path:
    """``frontend/`` with its dependencies installed from the lock file."""
    if shutil.which("npm") is None:
        pytest.fail("npm is not installed: the dashboard's checks need Node 20.19+ with npm")
    if needs_install(FRONTEND):
        result = _npm("ci", "--no-audit", "--no-fund")
        assert result.returncode == 0, "npm ci failed\n" + _output(result)
    return FRONTEND


def test_frontend_lint_is_clean(frontend: Path):
    result = _npm("run", "lint")
    assert result.returncode == 0, _output(result)


def test_frontend_unit_tests_pass(frontend: Path):
    # Vitest exits non-zero when it finds no test file, so an emptied suite fails here too.
    result = _npm("test")
    assert result.returncode == 0, _output(result)
    assert " passed" in result.stdout, _output(result)


def test_frontend_type_checks_and_builds_within_its_budget_report(frontend: Path):
    # `npm run build` is `vue-tsc --build --force && vite build`: the whole type check (`npm run typecheck`
    # runs the same command) and the production build, in one run.
    result = _npm("run", "build")
    assert result.returncode == 0, _output(result)
    assert (frontend / "dist" / "index.html").is_file()
    # The build prints the initial JS's gzipped size (a figure to read, not a timing to assert).
    assert "initial JS:" in result.stdout, _output(result)
