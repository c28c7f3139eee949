"""The dashboard's live progress (Server-Sent Events from the BFF) reaches the client event by event:
the gateway streams the BFF's answer back instead of waiting for it to end."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import httpx
import uvicorn
from fastapi import FastAPI
from quart import Quart, Response

from huleedu_service_libs.testing.local_server import free_port, served
from services.api_gateway_service.tests.integration.proxy.conftest import Gateway, context_of

STEP_S = 5.0


@contextlib.asynccontextmanager
async def over_http(app: FastAPI) -> AsyncIterator[str]:
    """The gateway on a real socket (the in-process transport would buffer the answer); its lifespan
    is the fixture's, so the server runs none."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(250):  # up to 5 s
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_each_event_arrives_before_the_bff_sends_the_next(gateway: Gateway):
    first_seen = asyncio.Event()
    bff = Quart("bff_stand_in")

    @bff.get("/bff/v1/teacher/batches/<batch_id>/progress")
    async def progress(batch_id: str) -> Response:
        async def events() -> AsyncIterator[bytes]:
            yield b"data: wave 1\n\n"
            # The next event waits until the client has the first: a buffering proxy never delivers it.
            await asyncio.wait_for(first_seen.wait(), STEP_S)
            yield b"data: wave 2\n\n"

        return Response(events(), content_type="text/event-stream")

    async with served(bff) as bff_url, over_http(gateway.app) as gateway_url:
        gateway.point_bff_at_the_stand_in(bff_url)
        headers = {"Authorization": gateway.client.headers["Authorization"]}
        async with (
            httpx.AsyncClient(base_url=gateway_url, headers=headers, timeout=2 * STEP_S) as client,
            client.stream("GET", "/bff/v1/teacher/batches/b1/progress") as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            received: list[str] = []
            async for text in response.aiter_text():
                received.append(text)
                if "wave 1" in "".join(received):
                    first_seen.set()
    assert "".join(received) == "data: wave 1\n\ndata: wave 2\n\n"


def quiet_bff(silence_s: float) -> Quart:
    """A BFF whose streams fall silent for ``silence_s`` between their two events."""
    bff = Quart("quiet_bff_stand_in")

    async def quiet(batch_id: str) -> Response:
        async def events() -> AsyncIterator[bytes]:
            yield b"data: one\n\n"
            await asyncio.sleep(silence_s)
            yield b"data: two\n\n"

        return Response(events(), content_type="text/event-stream")

    bff.add_url_rule("/bff/v1/teacher/batches/<batch_id>/events", "events", quiet)
    bff.add_url_rule("/bff/v1/teacher/batches/<batch_id>/other", "other", quiet)
    return bff


async def read_through(gateway: Gateway, gateway_url: str, path: str) -> str:
    headers = {"Authorization": gateway.client.headers["Authorization"]}
    received: list[str] = []
    async with httpx.AsyncClient(base_url=gateway_url, headers=headers, timeout=STEP_S) as client:
        with contextlib.suppress(httpx.HTTPError):  # a stream the gateway cut ends with a broken chunk
            async with client.stream("GET", path) as response:
                async for text in response.aiter_text():
                    received.append(text)
    return "".join(received)


async def test_a_live_progress_stream_may_stay_quiet_longer_than_the_usual_read_timeout(gateway: Gateway):
    silence_s = 2 * gateway.timeout_s
    async with served(quiet_bff(silence_s)) as bff_url, over_http(gateway.app) as gateway_url:
        gateway.point_bff_at_the_stand_in(bff_url)
        context = context_of(gateway.app)
        idle = context.settings.model_copy(update={"event_stream_idle_timeout_s": 2 * silence_s})
        gateway.app.state.gateway = dataclasses.replace(context, settings=idle)
        events = await read_through(gateway, gateway_url, "/bff/v1/teacher/batches/b1/events")
        other = await read_through(gateway, gateway_url, "/bff/v1/teacher/batches/b1/other")
    assert events == "data: one\n\ndata: two\n\n"
    # Any other dashboard path keeps the usual bound: the same silence cuts it after the first event.
    assert other == "data: one\n\n"
