"""In-memory fan-out of live events to the open streams of one BFF instance.

Each batch has a channel: its subscribers (one bounded queue per open stream) and a ring of its
most recent events, numbered by one sequence per hub. An event id is ``<epoch>-<sequence>``, the
epoch being random per hub, so an id from another instance (or from before a restart) is never
mistaken for one of ours. The ring lets a reconnecting stream replay what it missed.

Publishing never waits: a stream whose queue is full (a client that stopped reading) is dropped
rather than slowing the feed down for everyone; its client reconnects with ``Last-Event-ID`` and
gets the missed events from the ring. Beyond ``max_channels`` batches, the least recently active
ones that nobody watches are forgotten, so the hub's memory is bounded however many batches run.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

import structlog

from bff_teacher_service.domain.live_progress import LiveEvent
from bff_teacher_service.metrics import SSE_STREAMS_OPEN
from huleedu_service_libs.errors import RateLimitedError
from huleedu_service_libs.metrics import RATE_LIMIT_HITS

_log = structlog.stdlib.get_logger(__name__)

RING_SIZE = 100
QUEUE_SIZE = 100
MAX_CHANNELS = 500
# The limit's name in huleedu_rate_limit_hits_total.
STREAMS_LIMIT = "streams_per_user"
# An id longer than this is not one of ours; checked before parsing, since the header is the client's.
MAX_EVENT_ID_CHARS = 64

Waited = Literal["heartbeat", "dropped"]


@dataclass(frozen=True)
class Sequenced:
    seq: int
    event: LiveEvent


@dataclass(eq=False)
class _Channel:
    # Events with a sequence above ``floor`` are all in ``recent``: older ones were never seen or fell out.
    floor: int
    recent: deque[Sequenced]
    subscribers: set[Subscription] = field(default_factory=set)


class Subscription:
    """One open stream's place in the hub; :meth:`close` releases it (more than once is harmless)."""

    def __init__(
        self, hub: ProgressHub, user_id: str, batch_id: UUID, since: int, floor: int, recent: list[Sequenced]
    ) -> None:
        self.user_id = user_id
        self.batch_id = batch_id
        # The hub's sequence when the stream subscribed: later events come through the queue.
        self.since = since
        self._hub = hub
        self._floor = floor
        self._recent = recent
        self._queue: asyncio.Queue[Sequenced | None] = asyncio.Queue(hub.queue_size)
        self._closed = False

    def replay_after(self, seq: int) -> list[Sequenced] | None:
        """The batch's events after ``seq`` up to :attr:`since`; None when the ring cannot tell them all."""
        if not self._floor <= seq <= self.since:
            return None
        return [item for item in self._recent if item.seq > seq]

    def latest_buffered(self) -> Sequenced | None:
        """The batch's last event before the subscription, if the ring holds one."""
        return self._recent[-1] if self._recent else None

    async def next(self, timeout_s: float) -> Sequenced | Waited:
        """The next event, ``"heartbeat"`` after ``timeout_s`` of silence, ``"dropped"`` if the hub let go."""
        try:
            async with asyncio.timeout(timeout_s):
                item = await self._queue.get()
        except TimeoutError:
            return "heartbeat"
        return "dropped" if item is None else item

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._hub._release(self)

    def _offer(self, item: Sequenced) -> bool:
        """Queue ``item`` without waiting; False (and the stream told to end) when the queue is full."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(None)
            return False
        return True


class ProgressHub:
    def __init__(
        self,
        max_streams_per_user: int,
        *,
        ring_size: int = RING_SIZE,
        queue_size: int = QUEUE_SIZE,
        max_channels: int = MAX_CHANNELS,
        service_name: str = "bff_teacher_service",
    ) -> None:
        self.service_name = service_name
        self.epoch = secrets.token_hex(6)
        self.max_streams_per_user = max_streams_per_user
        self.ring_size = ring_size
        self.queue_size = queue_size
        self.max_channels = max_channels
        self._seq = 0
        self._channels: OrderedDict[UUID, _Channel] = OrderedDict()
        self._open_streams: dict[str, int] = {}

    def event_id(self, seq: int) -> str:
        return f"{self.epoch}-{seq}"

    def sequence_of(self, event_id: str | None) -> int | None:
        """The sequence of an id this hub gave out; None for anything else (another instance, garbage)."""
        if not event_id or len(event_id) > MAX_EVENT_ID_CHARS:
            return None
        epoch, _, seq = event_id.strip().rpartition("-")
        if epoch != self.epoch or not (seq.isascii() and seq.isdigit()):
            return None
        return int(seq)

    def open_streams(self, user_id: str) -> int:
        return self._open_streams.get(user_id, 0)

    def subscribe(self, user_id: str, batch_id: UUID) -> Subscription:
        """A place for one stream of ``batch_id``; 429 when the teacher has too many open already."""
        if self.open_streams(user_id) >= self.max_streams_per_user:
            RATE_LIMIT_HITS.labels(self.service_name, STREAMS_LIMIT).inc()
            raise RateLimitedError(
                f"You have {self.max_streams_per_user} live progress streams open already; close one and try again"
            )
        channel = self._channel(batch_id)
        subscription = Subscription(self, user_id, batch_id, self._seq, channel.floor, list(channel.recent))
        channel.subscribers.add(subscription)
        self._open_streams[user_id] = self.open_streams(user_id) + 1
        SSE_STREAMS_OPEN.inc()
        return subscription

    def publish(self, event: LiveEvent) -> None:
        """Number ``event``, keep it in its batch's ring and hand it to every stream of the batch."""
        self._seq += 1
        item = Sequenced(self._seq, event)
        channel = self._channel(event.batch_id)
        if len(channel.recent) == self.ring_size:
            channel.floor = channel.recent[0].seq
        channel.recent.append(item)
        for subscription in list(channel.subscribers):
            if not subscription._offer(item):
                channel.subscribers.discard(subscription)
                _log.warning("live_stream_dropped", batch_id=str(event.batch_id), reason="client not reading")
        self._forget_unwatched_channels()

    def _channel(self, batch_id: UUID) -> _Channel:
        channel = self._channels.get(batch_id)
        if channel is None:
            channel = _Channel(floor=self._seq, recent=deque(maxlen=self.ring_size))
            self._channels[batch_id] = channel
        self._channels.move_to_end(batch_id)
        return channel

    def _release(self, subscription: Subscription) -> None:
        # Called once per subscription (Subscription.close guards it), so the gauge never goes below the truth.
        SSE_STREAMS_OPEN.dec()
        channel = self._channels.get(subscription.batch_id)
        if channel is not None:
            channel.subscribers.discard(subscription)
        left = self.open_streams(subscription.user_id) - 1
        if left > 0:
            self._open_streams[subscription.user_id] = left
        else:
            self._open_streams.pop(subscription.user_id, None)
        self._forget_unwatched_channels()

    def _forget_unwatched_channels(self) -> None:
        excess = len(self._channels) - self.max_channels
        if excess <= 0:
            return
        idle = [batch_id for batch_id, channel in self._channels.items() if not channel.subscribers][:excess]
        for batch_id in idle:
            del self._channels[batch_id]
