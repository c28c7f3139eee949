"""The monorepo layout of ARCHITECTURE §7: every package is a real, installed workspace member."""

import importlib
import re
import tomllib

import pytest

from scripts.devstack.services import SERVICES
from scripts.devstack.settings import REPO_ROOT

LIBS = ["common_core", "huleedu_service_libs", "cj_engine"]
PACKAGES = [("libs", name) for name in LIBS] + [("services", svc.name) for svc in SERVICES]


def _root() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


@pytest.mark.parametrize(("area", "name"), PACKAGES)
def test_package_shape(area: str, name: str):
    folder = REPO_ROOT / area / name
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    assert project["name"] == name.replace("_", "-")
    assert project["requires-python"] == ">=3.11,<3.12"
    assert (folder / "src" / name / "__init__.py").is_file()
    assert (folder / "src" / name / "py.typed").is_file()
    assert (folder / "tests").is_dir()
    if area == "services":
        assert {"common-core", "huleedu-service-libs"} <= set(project["dependencies"])
        assert (folder / "README.md").is_file()


@pytest.mark.parametrize(("area", "name"), PACKAGES)
def test_package_is_an_editable_workspace_member(area: str, name: str):
    workspace = _root()["tool"]["pdm"]["dev-dependencies"]["workspace"]
    assert f"-e {name.replace('_', '-')} @ file:///${{PROJECT_ROOT}}/{area}/{name}" in workspace
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert str(REPO_ROOT / area / name / "src") in module.__file__


def test_pdm_scripts_cover_the_everyday_jobs():
    scripts = _root()["tool"]["pdm"]["scripts"]
    expected = {"lint", "format", "typecheck", "test", "test-unit", "test-integration"}
    expected |= {"dev-up", "dev-down", "dev-status", "dev-logs", "kafka-topics"}
    assert expected <= set(scripts)


def test_readme_opens_with_the_two_commands():
    readme = (REPO_ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["./dev up", "./dev test"]


def test_ci_runs_the_readme_test_command():
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    assert re.search(r"^\./dev test$", ci, re.M)
