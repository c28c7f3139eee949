import { describe, expect, it, vi } from 'vitest'

import { EventStreamParser, readEventStream, type ServerSentEvent } from './sse'

function parse(chunks: (string | Uint8Array)[]) {
  const events: ServerSentEvent[] = []
  const comments: string[] = []
  const parser = new EventStreamParser(
    (event) => events.push(event),
    (comment) => comments.push(comment),
  )
  for (const chunk of chunks) parser.push(chunk)
  return { events, comments, parser }
}

const STREAM =
  'id: e1-1\nevent: state\ndata: {"progress_percentage": 40}\n\n' +
  ': heartbeat\n\n' +
  'id: e1-2\nevent: progress\ndata: {"progress_percentage": 60}\n\n'

describe('EventStreamParser', () => {
  it('reads events with their type, data and id, and comments apart', () => {
    const { events, comments, parser } = parse([STREAM])

    expect(events).toEqual([
      { type: 'state', data: '{"progress_percentage": 40}', lastEventId: 'e1-1' },
      { type: 'progress', data: '{"progress_percentage": 60}', lastEventId: 'e1-2' },
    ])
    expect(comments).toEqual(['heartbeat'])
    expect(parser.lastEventId).toBe('e1-2')
  })

  it('gives the same events however the stream is cut into chunks', () => {
    const whole = parse([STREAM]).events
    expect(parse([...STREAM]).events).toEqual(whole)
    for (let cut = 1; cut < STREAM.length; cut += 7) {
      expect(parse([STREAM.slice(0, cut), STREAM.slice(cut)]).events).toEqual(whole)
    }
  })

  it('accepts CRLF and CR line ends, also a CRLF split between chunks', () => {
    const crlf = STREAM.replaceAll('\n', '\r\n')
    const cr = STREAM.replaceAll('\n', '\r')
    const whole = parse([STREAM]).events

    expect(parse([crlf]).events).toEqual(whole)
    expect(parse([cr]).events).toEqual(whole)
    const split = crlf.indexOf('\r\n') + 1
    expect(parse([crlf.slice(0, split), crlf.slice(split)]).events).toEqual(whole)
  })

  it('joins data lines with newlines and defaults the type to message', () => {
    const { events } = parse(['data: one\ndata:two\ndata\n\n'])

    expect(events).toEqual([{ type: 'message', data: 'one\ntwo\n', lastEventId: '' }])
  })

  it('keeps the last id for later events and dispatches nothing without data', () => {
    const { events } = parse(['id: 7\nevent: state\n\n', 'event: progress\ndata: x\n\n'])

    expect(events).toEqual([{ type: 'progress', data: 'x', lastEventId: '7' }])
  })

  it('decodes UTF-8 split inside a character and drops a leading byte-order mark', () => {
    const bytes = new TextEncoder().encode('\uFEFFdata: Öberg\n\n')
    const cut = 9 // inside the two bytes of Ö
    const { events } = parse([bytes.slice(0, cut), bytes.slice(cut)])

    expect(events).toEqual([{ type: 'message', data: 'Öberg', lastEventId: '' }])
  })

  it('reads retry and ignores unknown fields', () => {
    const { events, parser } = parse(['retry: 3000\nfoo: bar\ndata: x\n\n'])

    expect(parser.retryMs).toBe(3000)
    expect(events).toHaveLength(1)
  })

  it('discards an event the stream ended in the middle of', async () => {
    const onEvent = vi.fn()
    const parser = new EventStreamParser(onEvent)
    const body = new Response('data: complete\n\ndata: cut off').body
    await readEventStream(body!, parser)

    expect(onEvent).toHaveBeenCalledTimes(1)
    expect(onEvent.mock.calls[0]?.[0]).toMatchObject({ data: 'complete' })
  })
})
