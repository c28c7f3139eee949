"""The code examples in the library READMEs compile and import only names that exist."""

import ast
import importlib
import re

import pytest

from scripts.devstack.settings import REPO_ROOT

READMES = sorted((REPO_ROOT / "libs").glob("*/README.md"))


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.parent.name)
def test_examples_compile_and_their_imports_resolve(readme):
    blocks = _python_blocks(readme.read_text())
    assert blocks, f"{readme} has no example"
    for block in blocks:
        tree = ast.parse(block)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{node.module} has no {alias.name} ({readme.name})"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    importlib.import_module(alias.name)
