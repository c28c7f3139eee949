/**
 * The essay page's view (BFF) and the batch page's commands (gateway): cancel an assessment, and
 * estimate and start another one. Commands go to the gateway's public API, views come from the BFF
 * (docs/decisions/0005-dashboard-reads-bff-writes-gateway.md).
 */
import type { ApiClient } from './client'
import { AssessmentAccepted, AssessmentEstimate, type StartAssessmentRequest } from './schemas/assessments'
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
 * The LLM provider's catalogue, straight from its owner: the gateway's `/v1/models` needs no
 * composing, so the BFF's new-batch options (classes and assignments too) would only add calls.
 */
export function modelCatalogue(client: ApiClient, signal?: AbortSignal): Promise<ModelCatalogue> {
  return client.get('/v1/models', ModelCatalogue, signal)
}

/** What starting the assessment with exactly this body would take. */
export function estimateAssessment(
  client: ApiClient,
  batchId: string,
  body: StartAssessmentRequest,
  signal?: AbortSignal,
): Promise<AssessmentEstimate> {
  return client.request(`${batchPath(batchId)}/estimate`, AssessmentEstimate, { method: 'POST', body, signal })
}

/**
 * Starts an assessment. The same `idempotencyKey` with the same body is answered with the same
 * request (a retry after a lost answer cannot start a second run); a new key starts a new one.
 */
export function startAssessment(
  client: ApiClient,
  batchId: string,
  body: StartAssessmentRequest,
  idempotencyKey: string,
): Promise<AssessmentAccepted> {
  return client.request(`${batchPath(batchId)}/assessments`, AssessmentAccepted, {
    method: 'POST',
    body,
    headers: { 'Idempotency-Key': idempotencyKey },
  })
}
