"""Fixtures for the tests that drive the running dev stack through its public API (integration, e2e)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scripts.demo import run_demo
from scripts.devstack import service_procs
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import REPO_ROOT


@pytest.fixture(scope="module")
def gateway() -> run_demo.Gateway:
    """A teacher signed in at the gateway of the running stack (started here if it is not up)."""
    urls = [run_demo.service_url(svc.name) for svc in SERVICES if service_procs.is_built(svc)]
    ports = [int(url.rsplit(":", 1)[1]) for url in urls]
    if not all(service_procs.healthy(port) for port in ports):
        result = subprocess.run(
            [sys.executable, "-m", "scripts.devstack", "up"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"dev-up failed:\n{result.stdout}\n{result.stderr}"
    gw = run_demo.Gateway(run_demo.gateway_url(), timeout_s=120.0)
    run_demo.sign_in(gw)
    return gw
