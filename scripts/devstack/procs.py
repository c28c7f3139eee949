"""Process and port helpers shared by the dev stack's components."""

from __future__ import annotations

import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


class DevstackError(RuntimeError):
    """A component cannot start; the message says why and what to do."""


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port(low: int = 20000, high: int = 32000) -> int:
    """A port nothing listens on, chosen below Linux's ephemeral range (32768+).

    A port the OS hands out for ``bind(0)`` comes from the ephemeral range, where any outgoing
    connection may take it as its source port before our server binds it.
    """
    for _ in range(200):
        port = random.randint(low, high)  # noqa: S311 - not security-relevant
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        if not port_is_open(port):
            return port
    raise DevstackError(f"no free port between {low} and {high}")


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def wait_until(check: Callable[[], bool], timeout: float, what: str, log_hint: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    hint = f"; see {log_hint}" if log_hint else ""
    raise DevstackError(f"{what} did not become ready within {timeout:.0f}s{hint}")


def wait_for_start(pid: int, answers: Callable[[], bool], timeout: float, what: str, log_file: Path) -> None:
    """Wait until the process ``pid`` answers; fail at once, not at the timeout, if it exits first."""

    def ready() -> bool:
        if not pid_alive(pid):
            raise DevstackError(f"{what} exited during start-up; see {log_file}")
        return answers()

    wait_until(ready, timeout, what, log_file)


def terminate(pid: int | None, timeout: float = 20.0) -> bool:
    """SIGTERM the process group, then SIGKILL it if it does not exit. True if something was stopped."""
    if pid is None or not pid_alive(pid):
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return True
            time.sleep(0.2)
    return not pid_alive(pid)


def spawn(cmd: Sequence[str], log_file: Path, cwd: Path, env: dict[str, str] | None = None) -> int:
    """Start a long-running process in its own session, output appended to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
    return proc.pid


def is_root() -> bool:
    return os.geteuid() == 0


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def ensure_packages(
    binaries: dict[str, str], allow_apt: bool, find: Callable[[str], str | None] = shutil.which
) -> None:
    """Install the Debian package of each missing binary (``{binary: package}``) with apt-get."""
    missing = {pkg for binary, pkg in binaries.items() if find(binary) is None}
    if not missing:
        return
    packages = " ".join(sorted(missing))
    if not allow_apt:
        raise DevstackError(f"missing {packages}; install it or set HULEEDU_DEVSTACK_ALLOW_APT=1")
    if shutil.which("apt-get") is None:
        raise DevstackError(f"missing {packages} and apt-get is unavailable; install it with your package manager")
    prefix: list[str] = []
    if not is_root():
        if shutil.which("sudo") is None:
            raise DevstackError(f"missing {packages}; apt-get needs root and sudo is unavailable")
        prefix = ["sudo", "-n"]
    print(f"  installing {packages} with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *sorted(missing)],
    ):
        result = subprocess.run(prefix + cmd, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise DevstackError(f"`{' '.join(cmd)}` failed: {' | '.join(tail)}")
    still = [b for b in binaries if find(b) is None]
    if still:
        raise DevstackError(f"apt-get installed {packages} but {', '.join(still)} is still not found")
