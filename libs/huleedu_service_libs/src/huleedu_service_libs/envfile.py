"""Read ``KEY=VALUE`` env files such as the one ``pdm run dev-up`` writes to ``.devstack/env``."""

from __future__ import annotations

from pathlib import Path


def parse_env_text(text: str) -> dict[str, str]:
    """Parse env-file text: ``KEY=VALUE`` lines; blank lines and ``#`` comments are ignored.

    Values may be wrapped in single or double quotes; nothing is interpolated, so a value
    is exactly what was written (secrets with ``$`` in them stay intact).
    """
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            raise ValueError(f"line {number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_env_file(path: Path) -> dict[str, str]:
    """The settings in ``path``, or an empty dict if the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return parse_env_text(text)
