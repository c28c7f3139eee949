/**
 * Essay uploads larger than one request may carry: the files go in consecutive requests of at most
 * `MAX_FILES_PER_UPLOAD`, one after the other, with one progress across them all; the answers are
 * merged, in order, into one `UploadResult`. A cancel or a failure stops the upload there: the
 * outcomes of the requests already answered are kept, and the files not sent are named so that the
 * teacher can send just those again.
 */
import type { UploadProgress } from '@/api/client'
import type { FileOutcome, UploadResult } from '@/api/schemas/wizard'

import { inChunks } from './wizard'

/**
 * Files one essay upload request may carry: the content service's setting `max_files_per_upload`
 * (`CONTENT_SERVICE_MAX_FILES_PER_UPLOAD`, default `MAX_FILES_PER_UPLOAD = 50` in
 * libs/common_core/src/common_core/http/content.py; the gateway's `essay_upload_max_files` mirrors
 * it). The server rejects every file past this many in one request ("too many files in one upload").
 */
export const MAX_FILES_PER_UPLOAD = 50

/** The progress of a whole upload: bytes of the files sent across every request, and files answered. */
export interface EssayUploadProgress extends UploadProgress {
  /** The bytes of every file in the upload (never null). */
  total: number
  /** Files whose request has been answered. */
  sentFiles: number
  /** Files in the whole upload. */
  files: number
}

/** How an upload in consecutive requests ended. */
export interface EssayUpload {
  /** The answers of every request answered, merged in order; null when none was. */
  result: UploadResult | null
  /** The files whose request was answered: their outcomes are in `result`. */
  sent: File[]
  /** The files not sent (the request that failed or was cancelled, and every later one): nothing of them is in `result`. */
  unsent: File[]
  /** What stopped the upload early: an `AbortError` DOMException for a cancel, else the request's error; null when every request was answered. */
  error: unknown
}

export interface EssayUploadOptions {
  signal?: AbortSignal
  onProgress?: (progress: EssayUploadProgress) => void
  /** Files per request (default `MAX_FILES_PER_UPLOAD`). */
  chunkSize?: number
}

/** Sends one request with the given files and answers its outcomes. */
export type SendEssayChunk = (
  files: File[],
  options: { signal?: AbortSignal; onProgress?: (progress: UploadProgress) => void },
) => Promise<UploadResult>

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError'
}

function bytesOf(files: readonly File[]): number {
  return files.reduce((sum, file) => sum + file.size, 0)
}

/**
 * Sends `files` in consecutive requests of at most `chunkSize`, never two at once. The signal goes to
 * the request under way (a cancel ends it, as it ends a single upload) and no later request starts.
 * Never rejects: a failure or a cancel is the answer's `error`, beside the outcomes already answered.
 */
export async function uploadInChunks(
  files: readonly File[],
  send: SendEssayChunk,
  options: EssayUploadOptions = {},
): Promise<EssayUpload> {
  const { signal, onProgress } = options
  const chunks = inChunks(files, Math.max(1, options.chunkSize ?? MAX_FILES_PER_UPLOAD))
  const total = bytesOf(files)
  const results: UploadResult[] = []
  const sent: File[] = []
  let sentBytes = 0
  const report = (loaded: number) => onProgress?.({ loaded, total, sentFiles: sent.length, files: files.length })

  for (const [index, chunk] of chunks.entries()) {
    const unsent = chunks.slice(index).flat()
    if (signal?.aborted) {
      return { result: mergeUploadResults(results), sent, unsent, error: new DOMException('The upload was aborted.', 'AbortError') }
    }
    const chunkBytes = bytesOf(chunk)
    try {
      const result = await send(chunk, {
        signal,
        // The browser counts the request's body (files and multipart framing): scaled to the files' bytes.
        onProgress: ({ loaded, total: body }) =>
          report(sentBytes + (body ? Math.min(1, loaded / body) * chunkBytes : Math.min(loaded, chunkBytes))),
      })
      results.push(result)
    } catch (error) {
      return { result: mergeUploadResults(results), sent, unsent, error }
    }
    sent.push(...chunk)
    sentBytes += chunkBytes
    report(sentBytes)
  }
  return { result: mergeUploadResults(results), sent, unsent: [], error: null }
}

/** One result for several answers of the same batch: counts summed, files in the order sent; null for none. */
export function mergeUploadResults(results: readonly UploadResult[]): UploadResult | null {
  const [first] = results
  if (!first) return null
  return {
    batch_id: first.batch_id,
    accepted: results.reduce((sum, result) => sum + result.accepted, 0),
    rejected: results.reduce((sum, result) => sum + result.rejected, 0),
    duplicates: results.reduce((sum, result) => sum + result.duplicates, 0),
    files: results.flatMap((result) => result.files),
  }
}

/** Rejected files counted by the server's reason ('' when it gave none), in the order each reason first appears. */
export interface RejectionGroup {
  reason: string
  count: number
}

export function rejectionsByReason(files: readonly FileOutcome[]): RejectionGroup[] {
  const counts = new Map<string, number>()
  for (const file of files) {
    if (file.outcome !== 'rejected') continue
    const reason = file.reason ?? ''
    counts.set(reason, (counts.get(reason) ?? 0) + 1)
  }
  return [...counts].map(([reason, count]) => ({ reason, count }))
}
