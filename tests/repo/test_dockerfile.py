"""The Dockerfile cannot be built here (no Docker engine); its PDM install step is checked instead."""

import re
import shlex
import subprocess

from scripts.devstack.settings import REPO_ROOT

PDM = REPO_ROOT / ".tools" / "pdm" / "bin" / "pdm"


def test_pdm_install_step_is_accepted_by_the_pinned_pdm():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    match = re.search(r"^RUN /opt/pdm/bin/pdm (sync .*)$", dockerfile, re.M)
    assert match is not None, "the Dockerfile installs the workspace with `pdm sync`"
    pinned = re.search(r'"pdm==([\d.]+)"', dockerfile)
    assert pinned is not None
    assert f"PDM_VERSION={pinned.group(1)}" in (REPO_ROOT / "dev").read_text(), "Dockerfile and ./dev pin one PDM"
    assert PDM.exists(), "run the suite through ./dev, which installs the pinned PDM into .tools/"
    args = [str(PDM), *shlex.split(match.group(1)), "--dry-run"]
    result = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "cj-engine" in result.stdout
