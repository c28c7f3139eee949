/** The teacher's calls: sign-in and profile at the gateway, one view per screen at the BFF. */
import type { ApiClient } from './client'
import { saveBlob, filenameFromDisposition } from './download'
import { BatchResultsView, TeacherDashboard, UserProfile } from './schemas'

export const BFF = '/bff/v1/teacher'

/** The batch's downloads: the gradebook as CSV or XLSX, and the agreement report of teacher moderation as CSV. */
export type ExportFormat = 'csv' | 'xlsx' | 'agreement'

const EXPORT_FILES: Record<ExportFormat, { path: string; extension: string }> = {
  csv: { path: 'export.csv', extension: 'csv' },
  xlsx: { path: 'export.xlsx', extension: 'xlsx' },
  agreement: { path: 'export-agreement.csv', extension: 'csv' },
}

export class TeacherApi {
  constructor(readonly client: ApiClient) {}

  me(signal?: AbortSignal): Promise<UserProfile> {
    return this.client.get('/v1/me', UserProfile, signal)
  }

  dashboard(signal?: AbortSignal): Promise<TeacherDashboard> {
    return this.client.get(`${BFF}/dashboard`, TeacherDashboard, signal)
  }

  batch(batchId: string, signal?: AbortSignal): Promise<BatchResultsView> {
    return this.client.get(`${BFF}/batches/${encodeURIComponent(batchId)}`, BatchResultsView, signal)
  }

  /** The batch's live-progress stream (text/event-stream), resumed after `lastEventId` when given. */
  batchEvents(batchId: string, lastEventId: string | null, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'text/event-stream' }
    if (lastEventId) headers['Last-Event-ID'] = lastEventId
    const path = `${BFF}/batches/${encodeURIComponent(batchId)}/events`
    return this.client.authorizedFetch(path, { headers, signal, cache: 'no-store' })
  }

  /** Downloads one of the batch's files and saves it under the name the BFF gives it. */
  async exportBatch(batchId: string, format: ExportFormat, fallbackName: string): Promise<void> {
    const file = EXPORT_FILES[format]
    const response = await this.client.authorizedFetch(
      `${BFF}/batches/${encodeURIComponent(batchId)}/${file.path}`,
      { headers: { Accept: '*/*' } },
    )
    const blob = await response.blob()
    saveBlob(blob, filenameFromDisposition(response.headers.get('Content-Disposition'), `${fallbackName}.${file.extension}`))
  }
}
