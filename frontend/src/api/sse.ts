/**
 * A reader of `text/event-stream` over `fetch()`: EventSource cannot send an Authorization header,
 * so the app reads the live-progress stream as a ReadableStream and parses it here, following the
 * HTML standard's event-stream interpretation (fields `event`, `data`, `id`, `retry`; comments;
 * lines ended by CRLF, LF or CR, also when a chunk ends between CR and LF).
 */

export interface ServerSentEvent {
  /** `event:` field, `message` when absent. */
  type: string
  /** `data:` lines joined with newlines. */
  data: string
  /** The last event id seen so far on this stream (sent back as `Last-Event-ID` on reconnect). */
  lastEventId: string
}

export class EventStreamParser {
  lastEventId = ''
  /** The server's `retry:` in ms, when it sent one. */
  retryMs: number | null = null

  private buffer = ''
  private sawCarriageReturn = false
  private type = ''
  private data: string[] = []
  private readonly decoder = new TextDecoder('utf-8')
  private started = false

  constructor(
    private readonly onEvent: (event: ServerSentEvent) => void,
    private readonly onComment: (comment: string) => void = () => undefined,
  ) {}

  /** Feeds raw bytes (or already decoded text, in tests). */
  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true })
    if (!this.started && text.length > 0) {
      this.started = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    for (const char of text) {
      if (this.sawCarriageReturn) {
        this.sawCarriageReturn = false
        if (char === '\n') continue // the LF of a CRLF split across chunks, or not: one line break
      }
      if (char === '\r') {
        this.sawCarriageReturn = true
        this.line()
      } else if (char === '\n') {
        this.line()
      } else {
        this.buffer += char
      }
    }
  }

  /** The stream ended: an event not closed by a blank line is discarded, as the standard says. */
  end(): void {
    this.decoder.decode()
    this.buffer = ''
    this.type = ''
    this.data = []
  }

  private line(): void {
    const line = this.buffer
    this.buffer = ''
    if (line === '') {
      this.dispatch()
      return
    }
    if (line.startsWith(':')) {
      this.onComment(line.slice(1).trimStart())
      return
    }
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'event':
        this.type = value
        break
      case 'data':
        this.data.push(value)
        break
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value)
        break
      default:
      // Unknown fields are ignored.
    }
  }

  private dispatch(): void {
    const type = this.type || 'message'
    const data = this.data
    this.type = ''
    this.data = []
    if (data.length === 0) return
    this.onEvent({ type, data: data.join('\n'), lastEventId: this.lastEventId })
  }
}

/** Reads a response body to its end, feeding the parser; resolves when the server closes the stream. */
export async function readEventStream(body: ReadableStream<Uint8Array>, parser: EventStreamParser): Promise<void> {
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (value) parser.push(value)
    }
  } finally {
    parser.end()
    reader.releaseLock()
  }
}
