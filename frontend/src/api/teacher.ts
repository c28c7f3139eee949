/** The teacher's calls: sign-in and profile at the gateway, one view per screen at the BFF. */
import type { ApiClient } from './client'
import { saveBlob, filenameFromDisposition } from './download'
import { BatchResultsView, TeacherDashboard, UserProfile } from './schemas'

export const BFF = '/bff/v1/teacher'

export type ExportFormat = 'csv' | 'xlsx'

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

  /** Downloads the gradebook and saves it under the name the BFF gives it. */
  async exportBatch(batchId: string, format: ExportFormat, fallbackName: string): Promise<void> {
    const response = await this.client.authorizedFetch(
      `${BFF}/batches/${encodeURIComponent(batchId)}/export.${format}`,
      { headers: { Accept: '*/*' } },
    )
    const blob = await response.blob()
    saveBlob(blob, filenameFromDisposition(response.headers.get('Content-Disposition'), `${fallbackName}.${format}`))
  }
}
