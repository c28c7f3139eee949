"""Serve an ASGI app (a stand-in for a peer service) over real HTTP on a free local port, or relay a
local port to a real server (a broker that "comes back" at an address the client already tried).

For tests whose code under test talks to another service through its real HTTP client: the
request goes through sockets, timeouts and headers exactly as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart


def free_port() -> int:
    """A port nothing listens on right now (also a reliable "peer is down" address)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def served(app: Quart) -> AsyncIterator[str]:
    """Serve ``app`` on a free local port until the block ends; yields its base URL."""
    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        except OSError:
            await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await task


@contextlib.asynccontextmanager
async def tcp_forwarder(port: int, target: str) -> AsyncIterator[None]:
    """Listen on ``port`` and relay every connection to ``target`` (``host:port``) until the block ends.

    A client pointed at a ``free_port()`` first finds nothing there; opening the forwarder makes the
    server (Kafka, say) "come back" at the same address.
    """
    host, target_port = target.rsplit(":", 1)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def forward(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(host, int(target_port))
        await asyncio.gather(
            pipe(client_reader, server_writer), pipe(server_reader, client_writer), return_exceptions=True
        )

    server = await asyncio.start_server(forward, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
