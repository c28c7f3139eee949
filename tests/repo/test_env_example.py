"""env.example lists every setting the code reads, and nothing else (PITFALLS: docs that drift)."""

import importlib
import re

from pydantic import AliasChoices

from huleedu_service_libs.envfile import load_env_file, parse_env_text
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import DEVSTACK_SETTINGS, REPO_ROOT
from scripts.devstack.state import render_env_file

_PREFIXES = "|".join(svc.env_prefix for svc in SERVICES)
SETTING = re.compile(rf"\b(HULEEDU_[A-Z0-9_]+|(?:{_PREFIXES})[A-Z0-9_]+)\b")
SOURCE_GLOBS = ["libs/*/src/**/*.py", "services/*/src/**/*.py", "scripts/**/*.py", "dev", ".ci/run"]


def _names_in_code() -> set[str]:
    names: set[str] = set()
    for pattern in SOURCE_GLOBS:
        for path in REPO_ROOT.glob(pattern):
            if "tests" in path.parts or not path.is_file():
                continue
            names |= set(SETTING.findall(path.read_text(encoding="utf-8")))
    return names


def _settings_fields() -> set[str]:
    """Env names of every field of every service's ``Settings`` (``<PREFIX><FIELD>``).

    Fields read through pydantic-settings never appear as literal names in the code, so the
    scan above cannot see them; the settings classes themselves are the list.
    """
    from huleedu_service_libs.settings import ServiceSettings

    names: set[str] = set()
    for svc in SERVICES:
        if not (REPO_ROOT / "services" / svc.name / "src" / svc.name / "config.py").exists():
            continue
        module = importlib.import_module(f"{svc.name}.config")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings
        ]
        for cls in classes:
            prefix = str(cls.model_config.get("env_prefix", ""))
            for field_name, field in cls.model_fields.items():
                if field_name == "service_name":
                    continue  # fixed per service, not a setting
                alias = field.validation_alias
                if isinstance(alias, AliasChoices):
                    names |= {str(choice) for choice in alias.choices}
                elif isinstance(alias, str):
                    names.add(alias)
                else:
                    names.add((prefix + field_name).upper())
    return names


def _documented() -> dict[str, str]:
    return load_env_file(REPO_ROOT / "env.example")


def _written_by_dev_up() -> set[str]:
    return set(parse_env_text(render_env_file("h:1", "postgresql://u@h:1/postgres", "redis://h:1/0")))


def test_every_setting_in_the_code_is_documented():
    missing = (_names_in_code() | _settings_fields() | set(DEVSTACK_SETTINGS) | _written_by_dev_up()) - set(
        _documented()
    )
    assert missing == set(), f"add these to env.example: {sorted(missing)}"


def test_every_documented_setting_is_read_somewhere():
    unused = set(_documented()) - _names_in_code() - _settings_fields() - _written_by_dev_up()
    assert unused == set(), f"env.example lists settings nothing reads: {sorted(unused)}"


def test_no_secret_has_a_real_looking_default():
    for name, value in _documented().items():
        if any(word in name for word in ("KEY", "SECRET", "PASSWORD", "TOKEN")):
            assert value == "", f"{name} must not ship a default value"
