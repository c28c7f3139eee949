/**
 * Live progress of one batch: the BFF's event stream read over fetch(), reconnected with
 * `Last-Event-ID` when it breaks, and replaced by polling the batch view every 5 s when it keeps
 * failing (or is refused with 429: too many streams open).
 *
 * Framework-free so that it can be tested with a fake `open`, `poll` and timers.
 */
import type { z } from 'zod'

import { ApiError } from './errors'
import {
  LiveBatchCompleted,
  LiveBatchFailed,
  LiveBatchProgress,
  LiveBatchState,
  type BatchStatus,
} from './schemas'
import { EventStreamParser, readEventStream, type ServerSentEvent } from './sse'

export type LiveUpdate =
  | { kind: 'state'; data: LiveBatchState }
  | { kind: 'progress'; data: LiveBatchProgress }
  | { kind: 'completed'; data: LiveBatchCompleted }
  | { kind: 'failed'; data: LiveBatchFailed }

/** How the page is kept up to date right now. */
export type LiveMode = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'closed'

type Timer = ReturnType<typeof setTimeout>

export interface LiveProgressOptions {
  /** Opens the stream: a 2xx Response with a body, or throws an ApiError (the refusal's body). */
  open: (lastEventId: string | null, signal: AbortSignal) => Promise<Response>
  /** Reloads the batch view; answers its status (null when the reload failed). */
  poll: () => Promise<BatchStatus | null>
  onUpdate: (update: LiveUpdate) => void
  onMode?: (mode: LiveMode) => void
  /** A refusal that no retry can mend (404: no such batch); the stream is closed. */
  onFatal?: (error: ApiError) => void
  pollIntervalMs?: number
  /** Waits before each reconnection in a row; once they are used up, polling takes over. */
  reconnectDelaysMs?: number[]
  setTimeout?: (callback: () => void, ms: number) => Timer
  clearTimeout?: (timer: Timer) => void
}

const TERMINAL: readonly BatchStatus[] = ['completed', 'failed', 'draft']

const SCHEMAS: Record<LiveUpdate['kind'], z.ZodType> = {
  state: LiveBatchState,
  progress: LiveBatchProgress,
  completed: LiveBatchCompleted,
  failed: LiveBatchFailed,
}

/** The typed update an event stands for; null for an unknown event or data outside the contract. */
export function decodeLiveEvent(event: ServerSentEvent): LiveUpdate | null {
  const kind = event.type as LiveUpdate['kind']
  const schema = Object.hasOwn(SCHEMAS, kind) ? SCHEMAS[kind] : undefined
  if (schema === undefined) return null
  let json: unknown
  try {
    json = JSON.parse(event.data)
  } catch {
    return null
  }
  const parsed = schema.safeParse(json)
  return parsed.success ? ({ kind, data: parsed.data } as LiveUpdate) : null
}

function isFinal(update: LiveUpdate): boolean {
  if (update.kind === 'completed' || update.kind === 'failed') return true
  // A stream opened on a batch that is not running sends `state` and closes.
  return update.kind === 'state' && update.data.status !== 'assessing' && update.data.status !== 'assessment_requested'
}

export class LiveProgress {
  private lastEventId: string | null = null
  private failures = 0
  private finished = false
  private stopped = false
  private abort: AbortController | null = null
  private timer: Timer | null = null
  private readonly pollIntervalMs: number
  private readonly reconnectDelaysMs: number[]
  private readonly setTimer: (callback: () => void, ms: number) => Timer
  private readonly clearTimer: (timer: Timer) => void

  constructor(private readonly options: LiveProgressOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 5000
    this.reconnectDelaysMs = options.reconnectDelaysMs ?? [1000, 2000, 4000]
    this.setTimer = options.setTimeout ?? ((callback, ms) => setTimeout(callback, ms))
    this.clearTimer = options.clearTimeout ?? ((timer) => clearTimeout(timer))
  }

  start(): void {
    this.stopped = false
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    this.abort?.abort()
    this.abort = null
    if (this.timer !== null) this.clearTimer(this.timer)
    this.timer = null
    this.mode('closed')
  }

  private mode(mode: LiveMode): void {
    this.options.onMode?.(mode)
  }

  private async connect(): Promise<void> {
    if (this.stopped) return
    this.mode(this.failures === 0 && this.lastEventId === null ? 'connecting' : 'reconnecting')
    const abort = new AbortController()
    this.abort = abort
    let delivered = false
    try {
      const response = await this.options.open(this.lastEventId, abort.signal)
      const type = response.headers.get('Content-Type') ?? ''
      if (!type.startsWith('text/event-stream') || response.body === null) throw new Error(`not an event stream: ${type}`)
      this.mode('live')
      const parser = new EventStreamParser(
        (event) => {
          delivered = true
          if (event.lastEventId) this.lastEventId = event.lastEventId
          this.deliver(event)
        },
        () => {
          delivered = true
        },
      )
      await readEventStream(response.body, parser)
    } catch (error) {
      if (this.stopped) return
      if (error instanceof ApiError) {
        if (error.status === 404 || error.code === 'SESSION_ENDED') {
          this.finished = true
          this.stop()
          this.options.onFatal?.(error)
          return
        }
        if (error.status === 429) {
          this.startPolling()
          return
        }
      }
    } finally {
      if (this.abort === abort) this.abort = null
    }
    if (this.stopped) return
    if (this.finished) {
      this.stop()
      return
    }
    // The stream broke or was cut. One that delivered something is worth reconnecting to at once.
    this.failures = delivered ? 1 : this.failures + 1
    const delay = this.reconnectDelaysMs[this.failures - 1]
    if (delay === undefined) {
      this.startPolling()
      return
    }
    this.mode('reconnecting')
    this.timer = this.setTimer(() => {
      this.timer = null
      void this.connect()
    }, delay)
  }

  private deliver(event: ServerSentEvent): void {
    const update = decodeLiveEvent(event)
    if (update === null) return
    if (isFinal(update)) this.finished = true
    this.options.onUpdate(update)
  }

  private startPolling(): void {
    if (this.stopped) return
    this.mode('polling')
    const tick = async (): Promise<void> => {
      this.timer = null
      if (this.stopped) return
      const status = await this.options.poll().catch(() => null)
      if (this.stopped) return
      if (status !== null && TERMINAL.includes(status)) {
        this.stop()
        return
      }
      this.timer = this.setTimer(() => void tick(), this.pollIntervalMs)
    }
    this.timer = this.setTimer(() => void tick(), this.pollIntervalMs)
  }
}
