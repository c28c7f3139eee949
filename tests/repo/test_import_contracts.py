"""The import boundaries of ARCHITECTURE §7, as import-linter contracts in pyproject.toml (issue 21).

common_core imports no machinery; the libraries import no service; no service imports another; in
each service the domain is pure, the use cases know ports rather than the database or Kafka's runner,
and the entrypoints reach adapters only through the composition root. The tools in ``scripts/`` (the
benches, the ENG5 runner) use a service only through its ``public.py``, ``app`` and ``config``.
"""

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from scripts.devstack.services import SERVICES
from scripts.devstack.settings import REPO_ROOT

pytestmark = pytest.mark.quality

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--no-cache"] + (["--config", str(config)] if config else [])
    return subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, check=False)


def test_every_import_contract_is_kept():
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


def test_every_service_has_its_three_layer_contracts():
    contracts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    sources = {source for contract in contracts for source in contract.get("source_modules", [])}
    for service in SERVICES:
        assert {f"{service.name}.domain", f"{service.name}.service_layer", f"{service.name}.entrypoints"} <= sources


def test_the_tools_are_kept_to_each_services_public_modules():
    contracts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    tools = [c for c in contracts if c.get("source_modules") == ["scripts"]]
    assert len(tools) == 1
    forbidden = set(tools[0]["forbidden_modules"])
    for service in SERVICES:
        internals = {
            f"{service.name}.{layer}" for layer in ("domain", "service_layer", "adapters", "entrypoints", "di")
        }
        assert internals <= forbidden


def test_a_broken_boundary_fails_the_check(tmp_path: Path):
    """The check can fail: content service's composition root does import its adapters."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_packages = ["content_service"]

            [[tool.importlinter.contracts]]
            name = "a contract the code breaks"
            type = "forbidden"
            source_modules = ["content_service.di"]
            forbidden_modules = ["content_service.adapters"]
            """
        )
    )
    result = _lint(config)
    assert result.returncode != 0
    assert "content_service.di -> content_service.adapters" in result.stdout.replace("\n", " ")
