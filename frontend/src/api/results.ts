/**
 * The essay page's view (BFF) and the batch page's calls to the gateway: the model catalogue,
 * cancelling an assessment and deleting the batch; estimating and starting one are the wizard's
 * calls (wizard.ts), which the batch page's "assess again" shares. Commands go to the gateway's
 * public API, views come from the BFF (docs/decisions/0005-dashboard-reads-bff-writes-gateway.md).
 */
import type { ApiClient } from './client'
import { ModelCatalogue } from './schemas/catalogue'
import { CancelJobResponse, EssayDetailView } from './schemas/results'
import { BFF } from './teacher'

const batchPath = (batchId: string) => `/v1/batches/${encodeURIComponent(batchId)}`

export function essayDetail(client: ApiClient, batchId: string, essayId: string, signal?: AbortSignal) {
  const path = `${BFF}/batches/${encodeURIComponent(batchId)}/essays/${encodeURIComponent(essayId)}`
  return client.get(path, EssayDetailView, signal)
}

/** Cancels the batch's running assessment; 409 (with the reason) when there is none to cancel. */
export function cancelAssessment(client: ApiClient, batchId: string): Promise<CancelJobResponse> {
  return client.request(`${batchPath(batchId)}/cancel`, CancelJobResponse, { method: 'POST' })
}

/**
 * Deletes the batch in any state (204): content deletes it and tells every service to erase its
 * essays, texts, grades and justifications; CJ stops a running assessment when it hears of it.
 */
export function deleteBatch(client: ApiClient, batchId: string): Promise<void> {
  return client.requestNoContent(batchPath(batchId), { method: 'DELETE' })
}

/**
 * The LLM provider's catalogue, straight from its owner: the gateway's `/v1/models` needs no
 * composing, so the BFF's new-batch options (classes and assignments too) would only add calls.
 */
export function modelCatalogue(client: ApiClient, signal?: AbortSignal): Promise<ModelCatalogue> {
  return client.get('/v1/models', ModelCatalogue, signal)
}
