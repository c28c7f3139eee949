"""The relay's wake-up line: a dedicated asyncpg connection that LISTENs on the outbox channel.

``add_to_outbox`` notifies the channel inside the writer's transaction, so PostgreSQL delivers
the notification exactly when the row becomes visible. If the connection cannot be had, the
relay still polls; this class only makes it faster.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import structlog


def describe(exc: BaseException) -> str:
    """An error for logs and ``last_error``: type and message, bounded in length."""
    return f"{type(exc).__name__}: {exc}"[:2000]


class OutboxListener:
    def __init__(self, dsn: str, channel: str, wake: asyncio.Event, *, timeout_s: float, log: Any) -> None:
        self._dsn = dsn
        self._channel = channel
        self._wake = wake
        self._timeout_s = timeout_s
        self._log: structlog.typing.FilteringBoundLogger = log
        self._conn: Any = None

    async def ensure(self) -> None:
        """Connect and LISTEN unless already listening; a failure is logged and retried next time."""
        if self._conn is not None and not self._conn.is_closed():
            return
        await self.close()
        try:
            conn = await asyncpg.connect(self._dsn, timeout=self._timeout_s)
        except Exception as exc:  # polling still works; the next cycle tries again
            self._log.warning("outbox_listener_unavailable", error=describe(exc))
            return
        try:
            async with asyncio.timeout(self._timeout_s):
                await conn.add_listener(self._channel, self._on_notify)
        except Exception as exc:
            conn.terminate()
            self._log.warning("outbox_listener_unavailable", error=describe(exc))
            return
        conn.add_termination_listener(self._on_lost)
        self._conn = conn
        self._log.info("outbox_listener_connected", channel=self._channel)

    async def alive(self) -> bool:
        """Probe the connection: a half-open TCP connection never reports its loss by itself."""
        if self._conn is None:
            return False
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._conn.execute("SELECT 1")
        except Exception as exc:
            self._log.warning("outbox_listener_lost", error=describe(exc))
            await self.close()
            return False
        return True

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            async with asyncio.timeout(self._timeout_s):
                await conn.close()
        except Exception:  # a dead socket cannot close politely; drop it
            conn.terminate()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, _payload: str) -> None:
        self._wake.set()

    def _on_lost(self, _conn: object) -> None:
        # Wake the loop so it reconnects and runs a cycle for anything committed meanwhile.
        self._wake.set()
