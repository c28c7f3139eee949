"""What the tests against the running dev stack share: its environment, a fresh teacher, an extra
service process beside the stack's own, and a sign-in that waits out the gateway's limit.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from huleedu_service_libs.envfile import load_env_file
from huleedu_service_libs.testing.local_server import free_port
from scripts.devstack import service_procs
from scripts.devstack.procs import spawn, terminate, wait_until
from scripts.devstack.settings import REPO_ROOT, DevstackSettings


def stack_env() -> dict[str, str]:
    """The environment the dev stack gives its services (connections, explicit dev mode)."""
    env_file = DevstackSettings.from_env().env_file
    return service_procs.service_env(load_env_file(env_file) if env_file.exists() else {})


def create_teacher(name: str, password: str) -> str:
    """A new teacher account in the stack's CMS, made with its ``create-teacher`` command; its e-mail."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:12]}@example.org"
    result = subprocess.run(
        [sys.executable, "-m", "class_management_service", "create-teacher", "--email", email, "--name", name],
        input=password + "\n",
        cwd=REPO_ROOT,
        env=stack_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"create-teacher failed:\n{result.stdout}\n{result.stderr}"
    return email


@contextmanager
def extra_service(service: str, settings: dict[str, str], log_file: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``python -m <service> serve`` on a free port with the stack's environment plus ``settings``.

    Yields its base URL and the environment it runs with; stopped when the block ends.
    """
    port = free_port()
    env = stack_env() | settings | {f"{service.upper()}_HTTP_PORT": str(port)}
    pid = spawn([sys.executable, "-m", service, "serve"], log_file, cwd=REPO_ROOT, env=env)
    try:
        wait_until(lambda: service_procs.healthy(port), 60.0, f"the extra {service}", log_file)
        yield f"http://127.0.0.1:{port}", env
    finally:
        terminate(pid)


def log_in(client: httpx.Client, email: str, password: str, patience_s: float = 90.0) -> dict[str, Any]:
    """The tokens of ``email``, signing in at the gateway ``client`` points at.

    The gateway allows 10 sign-ins a minute per address and the suite signs many teachers in: a 429
    is waited out (its Retry-After) rather than failing a test that is not about the limit.
    """
    deadline = time.monotonic() + patience_s
    reply = client.post("/v1/auth/login", json={"email": email, "password": password})
    while reply.status_code == httpx.codes.TOO_MANY_REQUESTS and time.monotonic() < deadline:
        time.sleep(float(reply.headers.get("retry-after", "1")))
        reply = client.post("/v1/auth/login", json={"email": email, "password": password})
    assert reply.status_code == httpx.codes.OK, reply.text
    tokens: dict[str, Any] = reply.json()
    return tokens
