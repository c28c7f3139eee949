"""The dev stack's service supervision: which services it starts, with what environment, and status."""

import http.server
import threading
from collections.abc import Iterator

import pytest

from scripts.devstack import service_procs
from scripts.devstack.procs import free_port
from scripts.devstack.services import SERVICES, ServiceSpec


def test_services_run_in_explicit_dev_mode_unless_a_key_is_configured(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HULEEDU_INTERNAL_API_KEY", raising=False)
    monkeypatch.delenv("HULEEDU_DEV_MODE", raising=False)
    env = service_procs.service_env({"HULEEDU_REDIS_URL": "redis://h:1/0"})
    assert env["HULEEDU_DEV_MODE"] == "1"
    assert env["HULEEDU_REDIS_URL"] == "redis://h:1/0"

    monkeypatch.setenv("HULEEDU_INTERNAL_API_KEY", "configured")
    assert "HULEEDU_DEV_MODE" not in service_procs.service_env({})


def test_port_comes_from_the_service_setting_or_the_registry():
    svc = ServiceSpec("content_service", 8002)
    assert service_procs.http_port(svc, {}) == 8002
    assert service_procs.http_port(svc, {"CONTENT_SERVICE_HTTP_PORT": "28002"}) == 28002


@pytest.fixture
def healthz_server() -> Iterator[int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield port
    server.shutdown()
    server.server_close()


def test_healthy_reads_healthz(healthz_server: int):
    assert service_procs.healthy(healthz_server)
    assert not service_procs.healthy(free_port(), timeout=0.5)


def test_status_marks_unbuilt_services_and_dead_processes(monkeypatch: pytest.MonkeyPatch):
    built = {SERVICES[0].name}
    monkeypatch.setattr(service_procs, "is_built", lambda svc: svc.name in built)
    rows = {name: (state, ok) for name, state, _, ok in service_procs.status_rows({SERVICES[0].name: {"pid": None}})}
    assert rows[SERVICES[0].name] == ("DOWN", False)
    assert all(rows[svc.name] == ("not built", None) for svc in SERVICES[1:])
    built.add(SERVICES[1].name)
    rows = {name: (state, ok) for name, state, _, ok in service_procs.status_rows({})}
    assert rows[SERVICES[1].name] == ("not started", None)  # dev-up --infra-only: not a failure
