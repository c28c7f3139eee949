/**
 * A fake XMLHttpRequest for the upload tests. Each request is recorded and answered either by the
 * test (`respond`, `progress`, `fail`) or, with `answer`, by a fetch-style handler: the same route
 * table as `fakeFetch`, so a component test can serve its uploads and its other calls alike.
 */
import { vi } from 'vitest'

import type { RecordedCall } from './http'

export interface FakeXhrCall extends RecordedCall {
  xhr: FakeXhr
}

export interface FakeXhrOptions {
  /** Answers each request: first reports the body as sent in two steps, then the handler's response. */
  answer?: (call: RecordedCall) => Response | Promise<Response>
}

type Listener = ((event: ProgressEvent) => void) | null

export class FakeXhr {
  method = ''
  url = ''
  readonly headers = new Headers()
  body: unknown = null
  status = 0
  statusText = ''
  responseText = ''
  responseType = ''
  aborted = false
  readonly upload: { onprogress: Listener } = { onprogress: null }
  onload: Listener = null
  onerror: Listener = null
  ontimeout: Listener = null
  onabort: Listener = null
  private responseHeaders = ''
  private done = false

  constructor(private readonly onSend: (xhr: FakeXhr) => void) {}

  open(method: string, url: string): void {
    this.method = method
    this.url = url
  }

  setRequestHeader(name: string, value: string): void {
    this.headers.set(name, value)
  }

  getAllResponseHeaders(): string {
    return this.responseHeaders
  }

  send(body: unknown): void {
    this.body = body
    this.onSend(this)
  }

  abort(): void {
    if (this.done) return
    this.done = true
    this.aborted = true
    this.onabort?.(new ProgressEvent('abort'))
  }

  /** The body's size as the browser would count it: the files' bytes (close enough for a progress test). */
  get bodySize(): number {
    if (!(this.body instanceof FormData)) return 0
    let size = 0
    for (const value of this.body.values()) size += typeof value === 'string' ? value.length : value.size
    return size
  }

  progress(loaded: number, total: number | null): void {
    const event = new ProgressEvent('progress', { loaded, total: total ?? 0, lengthComputable: total !== null })
    this.upload.onprogress?.(event)
  }

  respond(status: number, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): void {
    if (this.done) return
    this.done = true
    this.status = status
    this.responseText = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
    this.responseHeaders = Object.entries(headers)
      .map(([name, value]) => `${name.toLowerCase()}: ${value}\r\n`)
      .join('')
    this.onload?.(new ProgressEvent('load'))
  }

  fail(): void {
    if (this.done) return
    this.done = true
    this.onerror?.(new ProgressEvent('error'))
  }
}

export function fakeXhr(options: FakeXhrOptions = {}) {
  const calls: FakeXhrCall[] = []
  const onSend = (xhr: FakeXhr) => {
    const call: FakeXhrCall = { path: xhr.url, method: xhr.method, headers: xhr.headers, body: xhr.body, xhr }
    calls.push(call)
    if (options.answer) void answerWith(xhr, options.answer(call))
  }
  class RecordingXhr extends FakeXhr {
    constructor() {
      super(onSend)
    }
  }
  return {
    calls,
    /** For `new ApiClient({ xhr })`. */
    create: (() => new RecordingXhr()) as unknown as () => XMLHttpRequest,
    /** Makes `new XMLHttpRequest()` in the app build one of these (undone by vitest's unstubGlobals). */
    install(): void {
      vi.stubGlobal('XMLHttpRequest', RecordingXhr)
    },
  }
}

async function answerWith(xhr: FakeXhr, answer: Response | Promise<Response>): Promise<void> {
  const total = xhr.bodySize
  xhr.progress(Math.floor(total / 2), total)
  xhr.progress(total, total)
  const response = await answer
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => (headers[name] = value))
  xhr.respond(response.status, await response.text(), headers)
}
