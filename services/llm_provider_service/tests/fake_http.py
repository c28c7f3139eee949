"""A tiny scripted HTTP/1.1 server on a free local port, speaking whatever wire format a test scripts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # a dict/list is sent as JSON, a str or bytes as is
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Seen], Reply]


class FakeServer:
    """``handler`` answers each request; a list of replies is served in order (the last repeats)."""

    def __init__(self, handler: Handler | list[Reply]) -> None:
        if isinstance(handler, list):
            replies = handler

            def scripted(_: Seen) -> Reply:
                return replies.pop(0) if len(replies) > 1 else replies[0]

            handler = scripted
        self._handler = handler
        self.requests: list[Seen] = []
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> FakeServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if line)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                seen = Seen(method, path, headers, body)
                self.requests.append(seen)
                reply = self._handler(seen)
                if reply.delay_s:
                    await asyncio.sleep(reply.delay_s)
                payload = reply.body
                if isinstance(payload, dict | list):
                    raw = json.dumps(payload).encode()
                    content_type = "application/json"
                else:
                    raw = payload.encode() if isinstance(payload, str) else (payload or b"")
                    content_type = reply.headers.get("content-type", "application/json")
                out = [f"HTTP/1.1 {reply.status} X", f"content-length: {len(raw)}", f"content-type: {content_type}"]
                out += [f"{k}: {v}" for k, v in reply.headers.items() if k.lower() != "content-type"]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + raw)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
