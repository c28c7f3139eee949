"""A teacher's live-progress stream of one batch: a snapshot from the result aggregator, then the feed.

Opening costs one call to the result aggregator, which is also the ownership check (its 404 for
an unknown or another teacher's batch is the stream's 404, before anything is streamed). After
that the stream only listens to the hub: no polling. It subscribes before asking for the snapshot,
so an event that arrives meanwhile is queued rather than lost (sent twice at worst, which a
progress display absorbs).

With a ``Last-Event-ID`` this instance gave out and its ring still covers, the stream replays the
missed events instead of a ``state``; otherwise it starts with a fresh ``state``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

from bff_teacher_service.domain.live_progress import ahead_of, is_final, snapshot
from bff_teacher_service.service_layer.parts import fetch
from bff_teacher_service.service_layer.ports import RESULT_AGGREGATOR, Owners
from bff_teacher_service.service_layer.progress_hub import ProgressHub, Sequenced, Subscription

BATCH_NOT_FOUND = "Batch not found"


@dataclass(frozen=True)
class Frame:
    """One Server-Sent Event: its name, its id (for ``Last-Event-ID``) and its JSON data."""

    name: str
    id: str
    data: str


@dataclass(frozen=True)
class Opening:
    frames: list[Frame]
    finished: bool


class ProgressStream:
    """The frames of one open stream; ``None`` is a heartbeat. :meth:`close` must run however it ends."""

    def __init__(self, hub: ProgressHub, subscription: Subscription, opening: Opening, heartbeat_s: float) -> None:
        self._hub = hub
        self._subscription = subscription
        self._opening = opening
        self._heartbeat_s = heartbeat_s

    async def frames(self) -> AsyncIterator[Frame | None]:
        for frame in self._opening.frames:
            yield frame
        if self._opening.finished:
            return
        while True:
            item = await self._subscription.next(self._heartbeat_s)
            if item == "heartbeat":
                yield None
            elif item == "dropped":
                return  # the client fell behind: it reconnects with Last-Event-ID and replays from the ring
            else:
                yield _frame(self._hub, item)
                if item.event.terminal:
                    return

    def close(self) -> None:
        self._subscription.close()


@dataclass(frozen=True)
class ProgressStreams:
    hub: ProgressHub
    owners: Owners
    timeout_s: float
    heartbeat_s: float

    async def open(self, user_id: str, batch_id: UUID, last_event_id: str | None) -> ProgressStream:
        """The teacher's stream of ``batch_id``; 429 over the per-user limit, 404 when not theirs."""
        subscription = self.hub.subscribe(user_id, batch_id)
        try:
            found = await fetch(self.owners.batch_detail(user_id, batch_id), RESULT_AGGREGATOR, self.timeout_s)
            detail = found.required(BATCH_NOT_FOUND)
        except BaseException:
            subscription.close()
            raise
        state = snapshot(detail)
        state_frame = Frame("state", self.hub.event_id(subscription.since), state.model_dump_json())
        last_seq = self.hub.sequence_of(last_event_id)
        missed = subscription.replay_after(last_seq) if last_seq is not None else None
        if missed is not None:
            opening = self._resumed(missed, state_frame, is_final(state))
        else:
            opening = Opening([state_frame], is_final(state))
            latest = subscription.latest_buffered()
            if latest is not None and ahead_of(state, latest.event):
                opening = Opening([state_frame, _frame(self.hub, latest)], latest.event.terminal)
        return ProgressStream(self.hub, subscription, opening, self.heartbeat_s)

    def _resumed(self, missed: list[Sequenced], state_frame: Frame, final: bool) -> Opening:
        frames = [_frame(self.hub, item) for item in missed]
        if any(item.event.terminal for item in missed):
            return Opening(frames, finished=True)
        if final:
            # It ended before this instance saw it: the snapshot is the last word.
            return Opening([*frames, state_frame], finished=True)
        return Opening(frames, finished=False)


def _frame(hub: ProgressHub, item: Sequenced) -> Frame:
    return Frame(item.event.name, hub.event_id(item.seq), item.event.payload.model_dump_json())
