"""One example per HTTP model, ``<Model>.json``, shipped with the contracts.

The contract tests check each against its model's schema, the robustness suite sends them as
sample bodies, and the gateway shows them in its OpenAPI document, so every example a client
reads has been validated.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any


def example_names() -> list[str]:
    """The model names that have an example."""
    return sorted(
        entry.name.removesuffix(".json") for entry in files(__name__).iterdir() if entry.name.endswith(".json")
    )


def example_of(model_name: str) -> Any:
    """The example of the model named ``model_name``; ``FileNotFoundError`` if it has none."""
    return json.loads(files(__name__).joinpath(f"{model_name}.json").read_text(encoding="utf-8"))
