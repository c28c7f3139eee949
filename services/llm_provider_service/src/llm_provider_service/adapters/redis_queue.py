"""The durable comparison queue in Redis: atomic claims with a lease, priority then age.

Every state change is one Lua script, so a claim can never hand an item to two workers
(PITFALLS: a non-atomic claim) and several LPS processes can share the queue. Keys, under a
configurable prefix:

- ``i:<request_id>``: the item hash (data, state, lane, score, lease token, attempts);
- ``r:<lane>``: ready items of one lane (same provider, model, settings and context), scored by
  ``(9 - priority) * 1e13 + enqueued_ms`` so a lower score means higher priority, then older; the
  member is ``<15-digit sequence>:<request_id>``, so items enqueued in the same millisecond (a
  whole wave) keep their submission order;
- ``lanes``: lane -> its settings, so workers can see which lanes exist without claiming;
- ``leases``: claimed items by lease deadline; a deadline that passes puts the item back
  (a crashed worker loses nothing);
- ``delayed``: items waiting for a retry, by the time they are due;
- ``expiry``: items nobody holds (ready or waiting for a retry), by expiry time; a held item
  leaves it (its holder checks the TTL) and returns to it if it is handed back;
- ``age``: every item by enqueue time;
- ``count``: the number of items held, for the capacity check;
- ``t:<key>``: texts and contexts by content key, stored once per wave.

A request that names its batch (``ComparisonBatchRequest.batch_id``) is recorded with it, so the
batch's deletion can erase it (``erase_batch``):

- ``b:<batch>:r``: the batch's request ids; ``b:<batch>:t``: the content keys of its essay texts;
- ``tb:<key>``: the batches whose essays include that text. Texts are content-addressed, so two
  batches can share one; it is deleted when the last batch that references it is erased (or when
  it expires). Contexts (the assignment's instructions) are not essays and are not erased;
- ``x:<batch>``: the tombstone of an erased batch, kept as long as a comparison can live: a late
  submission of that batch stores nothing, and an answer that arrives afterwards is dropped.

None of these bookkeeping keys holds text: only content keys, request ids and batch ids.

The scripts name keys they build from the prefix, so they assume one Redis server (not a
cluster), which is how the platform runs Redis.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from llm_provider_service.domain.work import CallSettings, ClaimedComparison, QueuedComparison

PRIORITY_SCALE = 10**13  # ms: over 300 years of enqueue times fit below one priority step
MAX_PRIORITY = 9
TEXT_CACHE_SIZE = 4096  # texts (and contexts) held in process memory
# The cache is emptied at least this often, so a text erased by another process (a deleted batch)
# leaves this one's memory within minutes as well.
TEXT_CACHE_MAX_AGE_S = 300.0

_PUT_TEXTS = """
local p, batch, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
if batch ~= '' and redis.call('EXISTS', p .. 'x:' .. batch) == 1 then return 0 end
for i = 4, #ARGV, 3 do
  local key = ARGV[i]
  redis.call('SET', p .. 't:' .. key, ARGV[i + 1], 'EX', ttl)
  if batch ~= '' and ARGV[i + 2] == '1' then
    redis.call('SADD', p .. 'tb:' .. key, batch)
    redis.call('EXPIRE', p .. 'tb:' .. key, ttl)
    redis.call('SADD', p .. 'b:' .. batch .. ':t', key)
  end
end
if batch ~= '' then redis.call('EXPIRE', p .. 'b:' .. batch .. ':t', ttl) end
return 1
"""

_SUBMIT = """
local p, capacity, batch, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
if batch ~= '' and redis.call('EXISTS', p .. 'x:' .. batch) == 1 then return {-2, {}} end
local n = (#ARGV - 4) / 8
local existing = {}
local new = 0
for i = 0, n - 1 do
  local rid = ARGV[5 + i * 8]
  local st = redis.call('HMGET', p .. 'i:' .. rid, 'state', 'queue_id')
  if st[1] then existing[rid] = st else new = new + 1 end
end
local count = tonumber(redis.call('GET', p .. 'count') or '0')
if count + new > capacity then return {-1, {}} end
local out = {}
for i = 0, n - 1 do
  local b = 5 + i * 8
  local rid = ARGV[b]
  local st = existing[rid]
  if st then
    table.insert(out, rid); table.insert(out, st[1]); table.insert(out, st[2])
  else
    local lane = ARGV[b + 1]
    local member = string.format('%015d', redis.call('INCR', p .. 'seq')) .. ':' .. rid
    redis.call('HSET', p .. 'i:' .. rid, 'data', ARGV[b + 6], 'state', 'queued', 'lane', lane, 'member', member,
      'lane_info', ARGV[b + 2], 'score', ARGV[b + 3], 'queue_id', ARGV[b + 7], 'attempts', 0, 'invalid', 0,
      'expires', ARGV[b + 4], 'batch', batch)
    if batch ~= '' then redis.call('SADD', p .. 'b:' .. batch .. ':r', rid) end
    redis.call('HSET', p .. 'lanes', lane, ARGV[b + 2])
    redis.call('ZADD', p .. 'r:' .. lane, ARGV[b + 3], member)
    redis.call('ZADD', p .. 'expiry', ARGV[b + 4], rid)
    redis.call('ZADD', p .. 'age', ARGV[b + 5], rid)
    table.insert(out, rid); table.insert(out, 'queued'); table.insert(out, ARGV[b + 7])
  end
end
redis.call('INCRBY', p .. 'count', new)
if batch ~= '' then redis.call('EXPIRE', p .. 'b:' .. batch .. ':r', ttl) end
return {new, out}
"""

_CLAIM = """
local p, lane, now, lease, n, token = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local popped = redis.call('ZPOPMIN', p .. 'r:' .. lane, n)
local out = {}
for i = 1, #popped, 2 do
  local rid = string.sub(popped[i], 17)
  local key = p .. 'i:' .. rid
  if redis.call('EXISTS', key) == 1 then
    local attempts = redis.call('HINCRBY', key, 'attempts', 1)
    redis.call('HSET', key, 'state', 'processing', 'token', token)
    redis.call('ZADD', p .. 'leases', now + lease, rid)
    -- A held item is not scanned for expiry; its holder checks the TTL itself.
    redis.call('ZREM', p .. 'expiry', rid)
    local v = redis.call('HMGET', key, 'data', 'invalid')
    table.insert(out, v[1]); table.insert(out, attempts); table.insert(out, v[2])
  end
end
return out
"""

_EXTEND = """
local key = ARGV[1] .. 'i:' .. ARGV[2]
if redis.call('HGET', key, 'token') ~= ARGV[3] then return 0 end
redis.call('ZADD', ARGV[1] .. 'leases', 'XX', ARGV[4], ARGV[2])
return 1
"""

_FINISH = """
local p, rid, token = ARGV[1], ARGV[2], ARGV[3]
local key = p .. 'i:' .. rid
local v = redis.call('HMGET', key, 'token', 'batch')
if v[1] ~= token then return 0 end
if v[2] and v[2] ~= '' then redis.call('SREM', p .. 'b:' .. v[2] .. ':r', rid) end
redis.call('DEL', key)
redis.call('ZREM', p .. 'leases', rid)
redis.call('ZREM', p .. 'delayed', rid)
redis.call('ZREM', p .. 'expiry', rid)
redis.call('ZREM', p .. 'age', rid)
redis.call('DECR', p .. 'count')
return 1
"""

_RETRY = """
local p, rid, token = ARGV[1], ARGV[2], ARGV[3]
local key = p .. 'i:' .. rid
if redis.call('HGET', key, 'token') ~= token then return 0 end
redis.call('ZREM', p .. 'leases', rid)
redis.call('ZADD', p .. 'delayed', ARGV[4], rid)
redis.call('ZADD', p .. 'expiry', redis.call('HGET', key, 'expires'), rid)
redis.call('HSET', key, 'state', 'queued', 'token', '', 'last_error', ARGV[6])
redis.call('HINCRBY', key, 'invalid', tonumber(ARGV[5]))
return 1
"""

# Leases that ran out and retries that fell due go back to their lane; items past their expiry
# that no worker holds are claimed (under a lease, so a crash here loses nothing either) and
# returned for their EXPIRED callback; empty lanes are forgotten.
_MAINTAIN = """
local p, now, lease, token, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local function requeue(rid)
  local key = p .. 'i:' .. rid
  local v = redis.call('HMGET', key, 'lane', 'score', 'lane_info', 'member', 'expires')
  if v[1] then
    redis.call('HSET', p .. 'lanes', v[1], v[3])
    redis.call('ZADD', p .. 'r:' .. v[1], v[2], v[4])
    redis.call('ZADD', p .. 'expiry', v[5], rid)
    redis.call('HSET', key, 'state', 'queued', 'token', '')
    return 1
  end
  return 0
end
local reclaimed = 0
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', p .. 'leases', rid)
  reclaimed = reclaimed + requeue(rid)
end
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'delayed', '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', p .. 'delayed', rid)
  requeue(rid)
end
local expired = {}
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'expiry', '-inf', now, 'LIMIT', 0, limit)) do
  local key = p .. 'i:' .. rid
  local v = redis.call('HMGET', key, 'state', 'lane', 'data', 'attempts', 'member')
  if not v[1] then
    redis.call('ZREM', p .. 'expiry', rid)
  elseif v[1] == 'queued' then
    redis.call('ZREM', p .. 'r:' .. v[2], v[5])
    redis.call('ZREM', p .. 'delayed', rid)
    redis.call('ZREM', p .. 'expiry', rid)
    redis.call('HSET', key, 'state', 'processing', 'token', token)
    redis.call('ZADD', p .. 'leases', now + lease, rid)
    table.insert(expired, v[3]); table.insert(expired, v[4])
  else
    redis.call('ZREM', p .. 'expiry', rid)
  end
end
for _, lane in ipairs(redis.call('HKEYS', p .. 'lanes')) do
  if redis.call('ZCARD', p .. 'r:' .. lane) == 0 then redis.call('HDEL', p .. 'lanes', lane) end
end
return {reclaimed, expired}
"""


# Erase one batch: remember it (the tombstone; not when ARGV[3] is 0), drop its items nobody holds
# (ready or waiting for a retry), and delete the texts no other batch references. An item a worker
# holds stays: its holder finishes it and its answer is dropped. A text's other references whose batch is gone (expired)
# no longer count. Returns {items dropped, items held, [deleted content keys]}.
_ERASE = """
local p, batch, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
if ttl > 0 then redis.call('SET', p .. 'x:' .. batch, '1', 'EX', ttl) end
local dropped, held = 0, 0
local requests = p .. 'b:' .. batch .. ':r'
for _, rid in ipairs(redis.call('SMEMBERS', requests)) do
  local key = p .. 'i:' .. rid
  local v = redis.call('HMGET', key, 'state', 'lane', 'member', 'batch')
  if v[1] == 'queued' and v[4] == batch then
    redis.call('ZREM', p .. 'r:' .. v[2], v[3])
    redis.call('ZREM', p .. 'delayed', rid)
    redis.call('ZREM', p .. 'expiry', rid)
    redis.call('ZREM', p .. 'age', rid)
    redis.call('DEL', key)
    redis.call('DECR', p .. 'count')
    dropped = dropped + 1
  elseif v[1] then
    held = held + 1
  end
end
redis.call('DEL', requests)
local deleted = {}
local texts = p .. 'b:' .. batch .. ':t'
for _, key in ipairs(redis.call('SMEMBERS', texts)) do
  local refs = p .. 'tb:' .. key
  redis.call('SREM', refs, batch)
  for _, other in ipairs(redis.call('SMEMBERS', refs)) do
    if redis.call('EXISTS', p .. 'b:' .. other .. ':t') == 0 then redis.call('SREM', refs, other) end
  end
  if redis.call('SCARD', refs) == 0 then
    if redis.call('DEL', p .. 't:' .. key) == 1 then table.insert(deleted, key) end
    redis.call('DEL', refs)
  end
end
redis.call('DEL', texts)
return {dropped, held, deleted}
"""


class QueueFullError(Exception):
    """The queue cannot hold the submitted comparisons; nothing of them was accepted."""


class BatchErasedError(Exception):
    """The batch was erased (deleted by its owner): nothing of it is stored any more."""


@dataclass(frozen=True)
class QueueErasure:
    """What erasing one batch removed from the queue; ``held`` items were in a worker's hands."""

    comparisons: int
    held: int
    texts: int


@dataclass(frozen=True)
class SubmitOutcome:
    request_id: str
    state: str
    queue_id: str


@dataclass(frozen=True)
class Maintenance:
    reclaimed: int
    expired: list[ClaimedComparison]


@dataclass(frozen=True)
class LaneDepth:
    lane: str
    settings: CallSettings
    ready: int


@dataclass(frozen=True)
class ItemState:
    state: str
    attempts: int
    queue_id: str
    last_error: str | None


def queue_score(priority: int, enqueued_ms: int) -> int:
    return (MAX_PRIORITY - priority) * PRIORITY_SCALE + enqueued_ms


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class RedisQueue:
    def __init__(self, redis: aioredis.Redis, prefix: str, *, text_ttl_s: float, tombstone_ttl_s: float) -> None:
        self._redis = redis
        self._p = prefix
        self._text_ttl_s = max(1, int(text_ttl_s))
        self._tombstone_ttl_s = max(1, int(tombstone_ttl_s))
        self._texts: dict[str, str] = {}
        self._texts_since = time.monotonic()
        self._submit = redis.register_script(_SUBMIT)
        self._claim = redis.register_script(_CLAIM)
        self._extend = redis.register_script(_EXTEND)
        self._finish = redis.register_script(_FINISH)
        self._retry = redis.register_script(_RETRY)
        self._maintain = redis.register_script(_MAINTAIN)
        self._put_texts = redis.register_script(_PUT_TEXTS)
        self._erase = redis.register_script(_ERASE)

    async def put_texts(
        self, texts: dict[str, str], *, batch_id: str | None = None, shared: frozenset[str] = frozenset()
    ) -> None:
        """Store texts by content key; re-storing one only refreshes its TTL.

        With ``batch_id`` every text but the ``shared`` ones (the context) is recorded as that batch's,
        atomically with the check that the batch was not erased (BatchErasedError: nothing is stored).
        """
        args: list[str | int] = [self._p, batch_id or "", self._text_ttl_s]
        for key, text in texts.items():
            args += [key, text, int(key not in shared)]
        if not int(await self._put_texts(args=args)):
            raise BatchErasedError

    async def erase_batch(self, batch_id: str, *, remember: bool = True) -> QueueErasure:
        """Erase the batch from the queue (idempotent) and, with ``remember``, refuse it from now on; see
        ``_ERASE``. Without, later submissions of the batch are stored as usual (a student was erased)."""
        ttl = self._tombstone_ttl_s if remember else 0
        dropped, held, deleted = await self._erase(args=[self._p, batch_id, ttl])
        for key in deleted:
            self._texts.pop(_text(key), None)  # other processes drop theirs within TEXT_CACHE_MAX_AGE_S
        return QueueErasure(int(dropped), int(held), len(deleted))

    async def erased(self, batch_ids: Sequence[str]) -> set[str]:
        """Which of ``batch_ids`` were erased (their tombstone is still kept)."""
        wanted = sorted(set(batch_ids))
        if not wanted:
            return set()
        found = await self._redis.mget([f"{self._p}x:{b}" for b in wanted])
        return {b for b, v in zip(wanted, found, strict=True) if v is not None}

    async def get_texts(self, keys: Sequence[str]) -> dict[str, str]:
        """Texts by content key. A key names its content, so a text once read is cached (for a while)."""
        if time.monotonic() - self._texts_since > TEXT_CACHE_MAX_AGE_S:
            self._texts.clear()
            self._texts_since = time.monotonic()
        missing = [key for key in keys if key not in self._texts]
        if missing:
            values = await self._redis.mget([f"{self._p}t:{key}" for key in missing])
            if len(self._texts) + len(missing) > TEXT_CACHE_SIZE:
                self._texts.clear()  # crude but bounded; a wave's texts are read again at once
            self._texts.update({k: _text(v) for k, v in zip(missing, values, strict=True) if v is not None})
        return {key: self._texts[key] for key in keys if key in self._texts}

    async def submit(
        self, items: Sequence[QueuedComparison], capacity: int, *, batch_id: str | None = None
    ) -> list[SubmitOutcome]:
        """Enqueue all ``items`` (all of ``batch_id``, if given) or none: QueueFullError, or
        BatchErasedError for an erased batch. A known request_id keeps its current state."""
        args: list[str | int | float] = [self._p, capacity, batch_id or "", self._text_ttl_s]
        for item in items:
            args += [
                item.request_id,
                item.lane,
                json.dumps(item.settings.to_dict()),
                queue_score(item.priority, item.enqueued_ms),
                item.expires_ms,
                item.enqueued_ms,
                item.to_json(),
                item.queue_id,
            ]
        new, raw = await self._submit(args=args)
        if int(new) == -2:
            raise BatchErasedError
        if int(new) < 0:
            raise QueueFullError
        values = [_text(v) for v in raw]
        return [SubmitOutcome(values[i], values[i + 1], values[i + 2]) for i in range(0, len(values), 3)]

    async def claim(self, lane: str, count: int, *, now_ms: int, lease_ms: int) -> list[ClaimedComparison]:
        token = uuid.uuid4().hex
        raw = await self._claim(args=[self._p, lane, now_ms, lease_ms, count, token])
        return [
            ClaimedComparison(QueuedComparison.from_json(raw[i]), token, int(raw[i + 1]), int(raw[i + 2] or 0))
            for i in range(0, len(raw), 3)
        ]

    async def extend(self, claimed: ClaimedComparison, deadline_ms: int) -> bool:
        return bool(await self._extend(args=[self._p, claimed.item.request_id, claimed.token, deadline_ms]))

    async def finish(self, claimed: ClaimedComparison) -> bool:
        """Remove a finished item; False when the lease was lost (another holder will see it is done)."""
        return bool(await self._finish(args=[self._p, claimed.item.request_id, claimed.token]))

    async def retry_later(self, claimed: ClaimedComparison, *, due_ms: int, invalid_response: bool, error: str) -> bool:
        args: list[str | int] = [
            self._p,
            claimed.item.request_id,
            claimed.token,
            due_ms,
            int(invalid_response),
            error[:500],
        ]
        return bool(await self._retry(args=args))

    async def maintain(self, *, now_ms: int, lease_ms: int, limit: int = 500) -> Maintenance:
        token = uuid.uuid4().hex
        reclaimed, raw = await self._maintain(args=[self._p, now_ms, lease_ms, token, limit])
        expired = [
            ClaimedComparison(QueuedComparison.from_json(raw[i]), token, int(raw[i + 1] or 0), 0)
            for i in range(0, len(raw), 2)
        ]
        return Maintenance(int(reclaimed), expired)

    async def lanes(self) -> list[tuple[str, CallSettings]]:
        raw = await self._redis.hgetall(f"{self._p}lanes")
        return [(_text(lane), CallSettings.from_dict(json.loads(info))) for lane, info in raw.items()]

    async def lane_depths(self) -> list[LaneDepth]:
        lanes = await self.lanes()
        async with self._redis.pipeline(transaction=False) as pipe:
            for lane, _ in lanes:
                pipe.zcard(f"{self._p}r:{lane}")
            counts = await pipe.execute()
        return [LaneDepth(lane, s, int(n)) for (lane, s), n in zip(lanes, counts, strict=True)]

    async def totals(self) -> tuple[int, int, int, float | None]:
        """Items held, leased and waiting for a retry, and the enqueue time (ms) of the oldest."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(f"{self._p}count")
            pipe.zcard(f"{self._p}leases")
            pipe.zcard(f"{self._p}delayed")
            pipe.zrange(f"{self._p}age", 0, 0, withscores=True)
            count, leased, delayed, oldest = await pipe.execute()
        return int(count or 0), int(leased), int(delayed), float(oldest[0][1]) if oldest else None

    async def eviction_policy(self) -> str | None:
        """Redis's ``maxmemory-policy``, or None where CONFIG is not allowed (managed Redis)."""
        try:
            answer = await self._redis.config_get("maxmemory-policy")
        except Exception:  # CONFIG is often disabled; the check is advisory
            return None
        value = answer.get("maxmemory-policy") if isinstance(answer, dict) else None
        return _text(value) if value is not None else None

    async def state(self, request_id: str) -> ItemState | None:
        state, attempts, queue_id, error = await self._redis.hmget(
            f"{self._p}i:{request_id}", ["state", "attempts", "queue_id", "last_error"]
        )
        if state is None:
            return None
        return ItemState(_text(state), int(attempts or 0), _text(queue_id), _text(error) if error else None)
