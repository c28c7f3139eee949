"""Request input is read through the shared, hardened helpers only.

``huleedu_service_libs.http.quart_support.json_body`` refuses bodies that are not UTF-8, nested
too deeply or carry NUL, and ``request_input.query_int`` bounds integers. A route that reads
``request.get_json()`` or ``int(request.args[...])`` itself would bring back the 500s the
robustness suite (tests/integration/robustness) was written against, and its body model would be
invisible to that suite.
"""

import re

import pytest

from scripts.devstack.settings import REPO_ROOT

SOURCES = sorted((REPO_ROOT / "services").glob("*/src/**/*.py"))
OWN_PARSING = {
    "request.get_json / request.json": re.compile(r"\brequest\.(get_json\(|json\b)"),
    "int(...) of a query parameter": re.compile(r"\bint\(\s*request\.args"),
}


@pytest.mark.parametrize("name", sorted(OWN_PARSING))
def test_no_service_parses_request_input_itself(name: str):
    pattern = OWN_PARSING[name]
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in SOURCES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert SOURCES
    assert offenders == [], f"use json_body / query_int from huleedu_service_libs instead: {offenders}"
