"""A stand-in for an internal service, served over real HTTP: it records every request it gets and
answers what the test told it to, so the gateway's proxy is tested through sockets and headers."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from quart import Quart, Response, request
from werkzeug.datastructures import Headers


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Headers
    body: bytes
    complete: bool


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class StandIn:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.answers: dict[tuple[str, str], Answer] = {}
        self.app = Quart("stand_in")
        self.app.add_url_rule("/<path:path>", "any", self._answer, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])

    def answer(self, method: str, path: str, answer: Answer) -> None:
        self.answers[(method, path)] = answer

    def last(self) -> Seen:
        assert self.seen, "the stand-in got no request"
        return self.seen[-1]

    async def _answer(self, path: str) -> Response:
        chunks: list[bytes] = []
        complete = True
        try:
            async for chunk in request.body:
                chunks.append(chunk)
        except Exception:  # the gateway broke the upload off: record that, answer nothing useful
            complete = False
        self.seen.append(
            Seen(
                method=request.method,
                path=request.path,
                query=list(request.args.items(multi=True)),
                headers=Headers(request.headers),
                body=b"".join(chunks),
                complete=complete,
            )
        )
        answer = self.answers.get((request.method, request.path), Answer())
        if answer.delay_s:
            await asyncio.sleep(answer.delay_s)
        if answer.status == 204:
            return Response(status=204)
        return Response(
            json.dumps(answer.body), status=answer.status, headers=answer.headers, content_type="application/json"
        )
