"""The GitHub workflows never run on this machine, so actionlint checks them in the test command.

actionlint is built from the Go module proxy into ``.tools/go/bin`` on first use (about 20 s) and
reused after; a machine without Go fails here with the reason rather than skipping the check.
"""

import os
import shutil
import subprocess

import pytest

from scripts.devstack.settings import REPO_ROOT

pytestmark = pytest.mark.quality

ACTIONLINT = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
GOBIN = REPO_ROOT / ".tools" / "go" / "bin"
WORKFLOWS = REPO_ROOT / ".github" / "workflows"


def _actionlint() -> str:
    binary = GOBIN / "actionlint"
    if not binary.exists():
        go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else None)
        assert go, "Go is needed to build actionlint (https://go.dev/dl/), which checks .github/workflows"
        built = subprocess.run(
            [go, "install", ACTIONLINT],
            env={**os.environ, "GOBIN": str(GOBIN)},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert built.returncode == 0, f"go install {ACTIONLINT} failed:\n{built.stderr}"
    return str(binary)


def test_every_workflow_passes_actionlint() -> None:
    workflows = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(workflows) >= 2, workflows  # ci.yml and eng5-heavy.yml at least
    result = subprocess.run([_actionlint(), *workflows], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
