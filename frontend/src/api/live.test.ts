import { describe, expect, it, vi } from 'vitest'

import { contractExample } from '@/testing/contract'
import { eventStream, flush, manualTimers } from '@/testing/http'

import { ApiError } from './errors'
import { LiveProgress, type LiveMode, type LiveUpdate } from './live'
import type { BatchStatus } from './schemas'

const state = contractExample<Record<string, unknown>>('LiveBatchState')
const progress = contractExample('LiveBatchProgress')
const completed = contractExample('LiveBatchCompleted')

function frame(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

function setup(open: (lastEventId: string | null) => Promise<Response>, poll: () => Promise<BatchStatus | null> = async () => 'assessing') {
  const timers = manualTimers()
  const updates: LiveUpdate[] = []
  const modes: LiveMode[] = []
  const fatal = vi.fn()
  const opened: (string | null)[] = []
  const polls = vi.fn(poll)
  const live = new LiveProgress({
    open: (lastEventId) => {
      opened.push(lastEventId)
      return open(lastEventId)
    },
    poll: polls,
    onUpdate: (update) => updates.push(update),
    onMode: (mode) => modes.push(mode),
    onFatal: fatal,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
  })
  return { live, timers, updates, modes, fatal, opened, polls }
}

describe('LiveProgress', () => {
  it('delivers state, progress and completion in order, then closes without reconnecting', async () => {
    const { live, updates, modes, opened, timers } = setup(async () =>
      eventStream([frame('a-1', 'state', state), ': heartbeat\n\n', frame('a-2', 'progress', progress), frame('a-3', 'completed', completed)]),
    )
    live.start()
    await flush()

    expect(updates.map((update) => update.kind)).toEqual(['state', 'progress', 'completed'])
    expect(updates[1]).toMatchObject({ kind: 'progress', data: { progress_percentage: 60, wave: 3 } })
    expect(modes).toEqual(['connecting', 'live', 'closed'])
    expect(opened).toEqual([null])
    expect(timers.pending).toHaveLength(0)
  })

  it('reconnects with Last-Event-ID when the stream breaks', async () => {
    const answers = [
      () => eventStream([frame('a-1', 'state', state), frame('a-2', 'progress', progress)], { fail: true }),
      () => eventStream([frame('a-3', 'completed', completed)]),
    ]
    const { live, updates, opened, timers } = setup(async () => answers.shift()!())
    live.start()
    await flush()

    expect(opened).toEqual([null])
    timers.advance(1000)
    await flush()

    expect(opened).toEqual([null, 'a-2'])
    expect(updates.map((update) => update.kind)).toEqual(['state', 'progress', 'completed'])
  })

  it('falls back to polling every 5 s once reconnecting keeps failing, and stops when the batch is done', async () => {
    const statuses: BatchStatus[] = ['assessing', 'completed']
    const { live, timers, modes, polls, opened } = setup(
      async () => {
        throw new ApiError({ status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Down.' })
      },
      async () => statuses.shift() ?? 'completed',
    )
    live.start()
    await flush()
    for (const delay of [1000, 2000, 4000]) {
      timers.advance(delay)
      await flush()
    }

    expect(opened).toHaveLength(4)
    expect(modes.at(-1)).toBe('polling')
    expect(polls).not.toHaveBeenCalled()

    timers.advance(5000)
    await flush()
    expect(polls).toHaveBeenCalledTimes(1)
    timers.advance(5000)
    await flush()
    expect(polls).toHaveBeenCalledTimes(2)
    expect(modes.at(-1)).toBe('closed')
    timers.advance(60_000)
    await flush()
    expect(polls).toHaveBeenCalledTimes(2)
  })

  it('polls at once when too many streams are open (429)', async () => {
    const { live, timers, modes, polls } = setup(async () => {
      throw new ApiError({ status: 429, code: 'TOO_MANY_STREAMS', message: 'Too many.' })
    })
    live.start()
    await flush()

    expect(modes.at(-1)).toBe('polling')
    timers.advance(5000)
    await flush()
    expect(polls).toHaveBeenCalledTimes(1)
  })

  it('gives up on a batch that is not there (404)', async () => {
    const notFound = new ApiError({ status: 404, code: 'NOT_FOUND', message: 'No such batch.' })
    const { live, fatal, modes, timers } = setup(async () => {
      throw notFound
    })
    live.start()
    await flush()

    expect(fatal).toHaveBeenCalledWith(notFound)
    expect(modes.at(-1)).toBe('closed')
    expect(timers.pending).toHaveLength(0)
  })

  it('treats a finished batch\'s single state as the end', async () => {
    const { live, updates, timers, modes } = setup(async () =>
      eventStream([frame('a-1', 'state', { ...state, status: 'completed', progress_percentage: 100 })]),
    )
    live.start()
    await flush()

    expect(updates).toHaveLength(1)
    expect(modes.at(-1)).toBe('closed')
    expect(timers.pending).toHaveLength(0)
  })

  it('skips events outside the contract and unknown event types', async () => {
    const { live, updates } = setup(async () =>
      eventStream([
        frame('a-1', 'progress', { progress_percentage: 'lots' }),
        'event: progress\ndata: {not json\n\n',
        frame('a-2', 'something_new', { x: 1 }),
        frame('a-3', 'completed', completed),
      ]),
    )
    live.start()
    await flush()

    expect(updates.map((update) => update.kind)).toEqual(['completed'])
  })

  it('stops reading and plans nothing more once stopped', async () => {
    let signal: AbortSignal | null = null
    const timers = manualTimers()
    const live = new LiveProgress({
      open: async (_id, abortSignal) => {
        signal = abortSignal
        return eventStream([frame('a-1', 'state', state)], { hold: true })
      },
      poll: async () => 'assessing',
      onUpdate: () => undefined,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    })
    live.start()
    await flush()
    live.stop()
    await flush()

    expect(signal!.aborted).toBe(true)
    expect(timers.pending).toHaveLength(0)
  })
})
