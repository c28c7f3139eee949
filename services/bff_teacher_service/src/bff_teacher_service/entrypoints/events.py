"""Live progress of one batch as Server-Sent Events: ``GET /bff/v1/teacher/batches/{batch_id}/events``.

Same guard and identity as the views. Everything that can refuse the stream (too many open, not
the teacher's batch, the result aggregator down) is decided before the first byte, so a refusal
is an ordinary status with the error body rather than a broken stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from bff_teacher_service.entrypoints.guard import GATEWAY
from bff_teacher_service.entrypoints.views import VIEW_PREFIX
from bff_teacher_service.service_layer.live_progress import Frame, ProgressStream, ProgressStreams
from huleedu_service_libs.http.fastapi_support import Identity, internal_caller

EVENT_STREAM = "text/event-stream"
HEARTBEAT = b": heartbeat\n\n"


def _streams(request: Request) -> ProgressStreams:
    streams: ProgressStreams = request.app.state.progress_streams
    return streams


Streams = Annotated[ProgressStreams, Depends(_streams)]

router = APIRouter(prefix=VIEW_PREFIX, tags=["live progress"], dependencies=[Depends(internal_caller(GATEWAY))])


def encode(frame: Frame | None) -> bytes:
    if frame is None:
        return HEARTBEAT
    # The data is one line of JSON, so one data field carries it.
    return f"id: {frame.id}\nevent: {frame.name}\ndata: {frame.data}\n\n".encode()


class EventStreamResponse(StreamingResponse):
    """Releases the stream's place however the response ends: finished, the client gone, or cancelled
    before the first frame (when the body's own ``finally`` would never run)."""

    def __init__(self, stream: ProgressStream) -> None:
        self._stream = stream
        # no-cache: a proxy must pass each event on, not keep the stream; X-Accel-Buffering: nginx likewise.
        headers = {"cache-control": "no-cache", "x-accel-buffering": "no"}
        super().__init__(self._body(), media_type=EVENT_STREAM, headers=headers)

    async def _body(self) -> AsyncIterator[bytes]:
        async for frame in self._stream.frames():
            yield encode(frame)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._stream.close()


@router.get(
    "/batches/{batch_id}/events",
    response_class=EventStreamResponse,
    responses={200: {"content": {EVENT_STREAM: {}}}},
)
async def batch_events(
    batch_id: UUID,
    identity: Identity,
    streams: Streams,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventStreamResponse:
    """``state`` first (or, with a known ``Last-Event-ID``, the events missed), then ``progress``,
    ``completed`` or ``failed`` as they happen, a heartbeat comment when quiet; closes once the batch
    has finished."""
    return EventStreamResponse(await streams.open(identity.user_id, batch_id, last_event_id))
