"""Export the JSON schema of every event and HTTP model, so a contract change is a visible diff.

``pdm run export-schemas`` writes ``libs/common_core/schemas/``; a test fails when the
checked-in files differ from what the models produce now.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

import common_core.http
from common_core.envelope import EventEnvelope
from common_core.events.catalog import EVENTS


def http_models() -> tuple[type[BaseModel], ...]:
    """Every HTTP model a module of ``common_core.http`` lists in its ``SCHEMA_MODELS``.

    Each service's HTTP contract module declares its own list, so adding a contract never
    means editing a shared registry here.
    """
    found: list[type[BaseModel]] = []
    for info in sorted(pkgutil.iter_modules(common_core.http.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"common_core.http.{info.name}")
        found.extend(getattr(module, "SCHEMA_MODELS", ()))
    names = [m.__name__ for m in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RuntimeError(f"two HTTP schema models share a name: {', '.join(duplicates)}")
    return tuple(found)


DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"


def render_schemas() -> dict[str, dict[str, Any]]:
    """Relative file path -> JSON schema, for every event (as its full envelope) and HTTP model."""
    schemas: dict[str, dict[str, Any]] = {}
    for topic, model in EVENTS:
        envelope: type[BaseModel] = EventEnvelope[model]  # type: ignore[valid-type]
        schemas[f"events/{topic}.json"] = envelope.model_json_schema(mode="serialization")
    for http_model in http_models():
        schemas[f"http/{http_model.__name__}.json"] = http_model.model_json_schema(mode="validation")
    return schemas


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def diff_against(folder: Path) -> list[str]:
    """Files that are missing, different, or no longer produced."""
    expected = render_schemas()
    problems = []
    for name, schema in expected.items():
        path = folder / name
        if not path.exists():
            problems.append(f"missing: {name}")
        elif path.read_text(encoding="utf-8") != dump(schema):
            problems.append(f"changed: {name}")
    present = {str(p.relative_to(folder)) for p in folder.rglob("*.json")} if folder.exists() else set()
    problems += [f"stale: {name}" for name in sorted(present - set(expected))]
    return problems


def export(folder: Path) -> int:
    schemas = render_schemas()
    for stale in folder.rglob("*.json") if folder.exists() else []:
        if str(stale.relative_to(folder)) not in schemas:
            stale.unlink()
    for name, schema in schemas.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(schema), encoding="utf-8")
    return len(schemas)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="exit 1 if the snapshots differ; write nothing")
    args = parser.parse_args(argv)
    if args.check:
        problems = diff_against(args.dir)
        for line in problems:
            print(line)
        return 1 if problems else 0
    print(f"wrote {export(args.dir)} schemas to {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
