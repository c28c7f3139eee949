/** A scriptable fake of fetch() for the API tests: answers by handler, records every call. */
import { vi } from 'vitest'

export interface RecordedCall {
  path: string
  method: string
  headers: Headers
  body: unknown
}

export type Handler = (call: RecordedCall) => Response | Promise<Response>

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

export function errorBody(code: string, message: string, service = 'api_gateway_service') {
  return { error: { code, message, correlation_id: 'corr-1', service, details: {} } }
}

export function tokens(n: number, expiresIn = 900) {
  return { access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: 'bearer', expires_in: expiresIn }
}

export function fakeFetch(handler: Handler) {
  const calls: RecordedCall[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname : input.url
    let body: unknown = init.body
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body)
      } catch {
        // keep the raw string
      }
    }
    const call = { path, method: init.method ?? 'GET', headers: new Headers(init.headers), body }
    calls.push(call)
    return handler(call)
  })
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls }
}

/** Lets pending promise callbacks run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/** A text/event-stream answer whose chunks are sent as given; `fail` breaks the stream after them. */
export function eventStream(chunks: string[], options: { fail?: boolean; hold?: boolean } = {}): Response {
  const encoder = new TextEncoder()
  const queue = [...chunks]
  // One chunk per read, so that a failure comes after the chunks (an error discards what is queued).
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = queue.shift()
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk))
      else if (options.fail) controller.error(new TypeError('network error'))
      else if (!options.hold) controller.close()
      else return new Promise<void>(() => undefined)
    },
  })
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream; charset=utf-8' } })
}

/** A manual clock and timer queue for the token renewal and reconnection tests. */
export function manualTimers(start = 1_000_000) {
  let now = start
  const pending: { id: number; at: number; callback: () => void }[] = []
  let nextId = 1
  return {
    now: () => now,
    setTimeout: (callback: () => void, ms: number) => {
      const id = nextId++
      pending.push({ id, at: now + ms, callback })
      return id as unknown as ReturnType<typeof setTimeout>
    },
    clearTimeout: (timer: ReturnType<typeof setTimeout>) => {
      const index = pending.findIndex((item) => item.id === (timer as unknown as number))
      if (index !== -1) pending.splice(index, 1)
    },
    pending,
    /** Moves the clock forward, running every timer that falls due, in order. */
    advance(ms: number) {
      now += ms
      for (;;) {
        pending.sort((a, b) => a.at - b.at)
        const due = pending[0]
        if (due === undefined || due.at > now) break
        pending.shift()
        due.callback()
      }
    },
  }
}
