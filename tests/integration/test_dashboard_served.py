"""The teacher dashboard at the one public origin, against the running dev stack.

The stack's own gateway answers ``/`` with HTML from the stack's BFF: the built app when
``frontend/dist`` holds a build, otherwise the page that says how to make one. So that the built
case is tested whichever it is, a second BFF serves a build made here in a temporary folder, behind
a second gateway pointed at it; the dev stack's own services are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bff_teacher_service.config import REPO_ROOT, Settings
from bff_teacher_service.entrypoints.dashboard_files import BUILD_COMMAND
from scripts.demo import run_demo
from tests.integration.stack import extra_service, stack_env

pytestmark = pytest.mark.integration

INDEX_HTML = b'<!doctype html><div id="app"></div><script type="module" src="/assets/index-Dx9_kQ2a.js"></script>'
SCRIPT = b"document.getElementById('app').textContent = 'HuleEdu'"
IMMUTABLE = "public, max-age=31536000, immutable"


def stack_dashboard_dir() -> Path:
    """The build folder the dev stack's BFF serves: its setting (relative to the repository), else the default."""
    configured = stack_env().get("BFF_TEACHER_SERVICE_DASHBOARD_DIST_DIR")
    return REPO_ROOT / configured if configured else Settings.model_fields["dashboard_dist_dir"].default


def test_the_stacks_gateway_answers_the_dashboard_or_how_to_build_it(gateway: run_demo.Gateway):
    # `gateway` (tests/integration/conftest.py) makes sure the dev stack is up.
    response = httpx.get(run_demo.gateway_url() + "/", timeout=30.0)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    index = stack_dashboard_dir() / "index.html"
    if index.is_file():
        assert response.content == index.read_bytes()
        assert response.headers["cache-control"] == "no-cache"
    else:
        assert BUILD_COMMAND.replace("&", "&amp;") in response.text
        assert response.headers["cache-control"] == "no-store"


@pytest.fixture(scope="module")
def built_dashboard(gateway: run_demo.Gateway, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A client of a gateway whose BFF serves a build made here."""
    del gateway  # only makes sure the dev stack is up
    work = tmp_path_factory.mktemp("dashboard")
    dist = work / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX_HTML)
    (dist / "assets" / "index-Dx9_kQ2a.js").write_bytes(SCRIPT)
    bff_settings = {"BFF_TEACHER_SERVICE_DASHBOARD_DIST_DIR": str(dist)}
    with (
        extra_service("bff_teacher_service", bff_settings, work / "bff.log") as (bff_url, _),
        extra_service(
            "api_gateway_service", {"API_GATEWAY_SERVICE_BFF_TEACHER_SERVICE_URL": bff_url}, work / "gateway.log"
        ) as (gateway_url, _),
        httpx.Client(base_url=gateway_url, timeout=30.0) as client,
    ):
        yield client


def test_the_built_app_and_its_assets_come_through_the_gateway(built_dashboard: httpx.Client):
    page = built_dashboard.get("/")
    script = built_dashboard.get("/assets/index-Dx9_kQ2a.js")
    deep_link = built_dashboard.get("/batches/123")
    head = built_dashboard.head("/assets/index-Dx9_kQ2a.js")

    assert (page.status_code, page.content, page.headers["cache-control"]) == (200, INDEX_HTML, "no-cache")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert (script.status_code, script.content, script.headers["cache-control"]) == (200, SCRIPT, IMMUTABLE)
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["etag"]
    assert script.headers["last-modified"]
    assert (deep_link.status_code, deep_link.content) == (200, INDEX_HTML)
    assert (head.status_code, head.content, head.headers["cache-control"]) == (200, b"", IMMUTABLE)


def test_the_apis_paths_are_never_the_app(built_dashboard: httpx.Client):
    for path in ("/v1/no-such-route", "/bff/v1/teacher/no-such-view", "/healthz/no-such-check"):
        response = built_dashboard.get(path)
        assert response.status_code in (401, 404), (path, response.status_code)
        assert response.headers["content-type"] == "application/json", path
        assert set(response.json()["error"]) == {"code", "message", "correlation_id", "service", "details"}
    missing = built_dashboard.get("/assets/index-00000000.js")
    assert (missing.status_code, missing.json()["error"]["service"]) == (404, "bff_teacher_service")
