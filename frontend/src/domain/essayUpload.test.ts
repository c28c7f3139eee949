import { describe, expect, it, vi } from 'vitest'

import type { UploadProgress } from '@/api/client'
import type { FileOutcome, UploadResult } from '@/api/schemas/wizard'

import {
  MAX_FILES_PER_UPLOAD,
  mergeUploadResults,
  rejectionsByReason,
  uploadInChunks,
  type EssayUploadProgress,
  type SendEssayChunk,
} from './essayUpload'

const BATCH = '11111111-1111-4111-8111-111111111111'

function files(count: number, size = 10): File[] {
  return Array.from({ length: count }, (_, i) => new File(['x'.repeat(size)], `essay-${i + 1}.txt`))
}

function outcome(filename: string, change: Partial<FileOutcome> = {}): FileOutcome {
  return { filename, outcome: 'accepted', essay_id: null, word_count: 1, author_hint: null, reason: null, ...change }
}

/** The server's answer: every file accepted, except names ending in 3.txt (rejected) and 4.txt (duplicate). */
function answer(chunk: File[]): UploadResult {
  const outcomes = chunk.map((file) => {
    if (file.name.endsWith('3.txt')) return outcome(file.name, { outcome: 'rejected', word_count: null, reason: 'empty' })
    if (file.name.endsWith('4.txt')) return outcome(file.name, { outcome: 'duplicate', reason: 'same text' })
    return outcome(file.name)
  })
  return {
    batch_id: BATCH,
    accepted: outcomes.filter((item) => item.outcome === 'accepted').length,
    rejected: outcomes.filter((item) => item.outcome === 'rejected').length,
    duplicates: outcomes.filter((item) => item.outcome === 'duplicate').length,
    files: outcomes,
  }
}

/** A server that answers every request at once, recording what each carried. */
function recordingServer(fail?: (request: number) => unknown) {
  const requests: string[][] = []
  const send: SendEssayChunk = async (chunk, options) => {
    requests.push(chunk.map((file) => file.name))
    const failure = fail?.(requests.length)
    if (failure) throw failure
    options.onProgress?.({ loaded: 100, total: 100 })
    return answer(chunk)
  }
  return { requests, send }
}

function abortError(): DOMException {
  return new DOMException('The upload was aborted.', 'AbortError')
}

describe('uploading essays in requests of at most MAX_FILES_PER_UPLOAD', () => {
  it('is the server’s 50', () => {
    expect(MAX_FILES_PER_UPLOAD).toBe(50)
  })

  it('sends 120 files as 50, 50 and 20, in order, and merges the answers into one result', async () => {
    const chosen = files(120)
    const { requests, send } = recordingServer()

    const upload = await uploadInChunks(chosen, send)

    expect(requests.map((names) => names.length)).toEqual([50, 50, 20])
    expect(requests.flat()).toEqual(chosen.map((file) => file.name))
    expect(upload.error).toBeNull()
    expect(upload.sent).toEqual(chosen)
    expect(upload.unsent).toEqual([])
    const result = upload.result!
    expect(result.batch_id).toBe(BATCH)
    // essay-3, -13, …, -113: 12 rejected; essay-4, -14, …, -114: 12 duplicates.
    expect([result.accepted, result.rejected, result.duplicates]).toEqual([96, 12, 12])
    expect(result.files.map((file) => file.filename)).toEqual(chosen.map((file) => file.name))
  })

  it('sends 50 files or fewer in one request', async () => {
    const { requests, send } = recordingServer()
    await uploadInChunks(files(50), send)
    expect(requests.map((names) => names.length)).toEqual([50])
  })

  it('sends nothing for no files', async () => {
    const { requests, send } = recordingServer()
    const upload = await uploadInChunks([], send)
    expect(requests).toEqual([])
    expect(upload).toEqual({ result: null, sent: [], unsent: [], error: null })
  })

  it('stops at a failed request: the earlier answers are kept, that request’s files and the later ones are not sent', async () => {
    const chosen = files(120)
    const refused = new Error('503')
    const { requests, send } = recordingServer((request) => (request === 2 ? refused : undefined))

    const upload = await uploadInChunks(chosen, send)

    expect(requests.map((names) => names.length)).toEqual([50, 50])
    expect(upload.error).toBe(refused)
    expect(upload.sent).toEqual(chosen.slice(0, 50))
    expect(upload.unsent).toEqual(chosen.slice(50))
    expect(upload.result!.files.map((file) => file.filename)).toEqual(chosen.slice(0, 50).map((file) => file.name))
    expect([upload.result!.accepted, upload.result!.rejected, upload.result!.duplicates]).toEqual([40, 5, 5])
  })

  it('has no result when the first request fails', async () => {
    const chosen = files(60)
    const { send } = recordingServer(() => new Error('offline'))
    const upload = await uploadInChunks(chosen, send)
    expect(upload.result).toBeNull()
    expect(upload.sent).toEqual([])
    expect(upload.unsent).toEqual(chosen)
  })

  it('gives the signal to the request under way; a cancel there keeps the answered requests and starts no other', async () => {
    const chosen = files(120)
    const controller = new AbortController()
    const requests: number[] = []
    const send: SendEssayChunk = (chunk, options) => {
      requests.push(chunk.length)
      if (requests.length === 1) return Promise.resolve(answer(chunk))
      // The second request is cancelled while it is on its way.
      return new Promise<UploadResult>((_, reject) => {
        options.signal!.addEventListener('abort', () => reject(abortError()))
        controller.abort()
      })
    }

    const upload = await uploadInChunks(chosen, send, { signal: controller.signal })

    expect(requests).toEqual([50, 50])
    expect((upload.error as DOMException).name).toBe('AbortError')
    expect(upload.sent).toEqual(chosen.slice(0, 50))
    expect(upload.unsent).toEqual(chosen.slice(50))
    expect(upload.result!.files).toHaveLength(50)
  })

  it('starts no further request once cancelled between two', async () => {
    const chosen = files(120)
    const controller = new AbortController()
    const send = vi.fn<SendEssayChunk>(async (chunk) => {
      controller.abort()
      return answer(chunk)
    })

    const upload = await uploadInChunks(chosen, send, { signal: controller.signal })

    expect(send).toHaveBeenCalledTimes(1)
    expect((upload.error as DOMException).name).toBe('AbortError')
    expect(upload.sent).toHaveLength(50)
    expect(upload.unsent).toEqual(chosen.slice(50))
    expect(upload.result!.files).toHaveLength(50)
  })

  it('sends nothing when cancelled before the start', async () => {
    const controller = new AbortController()
    controller.abort()
    const { requests, send } = recordingServer()
    const upload = await uploadInChunks(files(3), send, { signal: controller.signal })
    expect(requests).toEqual([])
    expect(upload.result).toBeNull()
    expect(upload.unsent).toHaveLength(3)
  })

  it('reports one progress over every request: the files’ bytes sent, and the files answered', async () => {
    const chosen = [...files(50, 10), ...files(10, 50)] // 500 bytes, then 500 bytes
    const seen: EssayUploadProgress[] = []
    const send: SendEssayChunk = async (chunk, options) => {
      const report = options.onProgress!
      // The browser counts the whole body (multipart framing too): 1000 bytes for these files.
      const steps: UploadProgress[] = [
        { loaded: 500, total: 1000 },
        { loaded: 1000, total: 1000 },
      ]
      for (const step of steps) report(step)
      return answer(chunk)
    }

    await uploadInChunks(chosen, send, { onProgress: (progress) => seen.push(progress) })

    expect(seen.map((progress) => [progress.loaded, progress.total, progress.sentFiles, progress.files])).toEqual([
      [250, 1000, 0, 60],
      [500, 1000, 0, 60],
      [500, 1000, 50, 60],
      [750, 1000, 50, 60],
      [1000, 1000, 50, 60],
      [1000, 1000, 60, 60],
    ])
  })

  it('counts a request of unknown size by its bytes, at most its files’ bytes', async () => {
    const seen: number[] = []
    const send: SendEssayChunk = async (chunk, options) => {
      options.onProgress!({ loaded: 5, total: null })
      options.onProgress!({ loaded: 5000, total: null })
      return answer(chunk)
    }
    await uploadInChunks(files(2, 10), send, { onProgress: (progress) => seen.push(progress.loaded) })
    expect(seen).toEqual([5, 20, 20])
  })

  it('takes another request size', async () => {
    const { requests, send } = recordingServer()
    await uploadInChunks(files(7), send, { chunkSize: 3 })
    expect(requests.map((names) => names.length)).toEqual([3, 3, 1])
  })
})

describe('merging and summarising outcomes', () => {
  it('sums the counts and joins the files in order; nothing for no answers', () => {
    const merged = mergeUploadResults([answer(files(4)), answer(files(2))])
    expect(merged).toMatchObject({ batch_id: BATCH, accepted: 4, rejected: 1, duplicates: 1 })
    expect(merged!.files.map((file) => file.filename)).toEqual([
      'essay-1.txt',
      'essay-2.txt',
      'essay-3.txt',
      'essay-4.txt',
      'essay-1.txt',
      'essay-2.txt',
    ])
    expect(mergeUploadResults([])).toBeNull()
  })

  it('counts the rejected files by reason, in the order the reasons first appear', () => {
    const groups = rejectionsByReason([
      outcome('a.jpg', { outcome: 'rejected', reason: 'not a supported type' }),
      outcome('b.txt'),
      outcome('c.txt', { outcome: 'rejected', reason: 'too short' }),
      outcome('d.png', { outcome: 'rejected', reason: 'not a supported type' }),
      outcome('e.txt', { outcome: 'duplicate', reason: 'same text as b.txt' }),
      outcome('f.txt', { outcome: 'rejected', reason: null }),
    ])
    expect(groups).toEqual([
      { reason: 'not a supported type', count: 2 },
      { reason: 'too short', count: 1 },
      { reason: '', count: 1 },
    ])
  })
})
