/**
 * Estimating and starting an assessment (the gateway's `POST /v1/batches/{id}/estimate` and
 * `.../assessments`): the request body both take, the estimate, and the accepted start. Written by
 * hand from the platform's JSON schemas (`libs/common_core/schemas/http/*.json`) like
 * `../schemas.ts`; `../schemas.test.ts` compares the fields with the contract.
 *
 * Objects are not strict: a field the platform adds later is dropped, not an error.
 */
import { z } from 'zod'

import { BatchStatus, LLMProvider } from '../schemas'
import { BatchingMode, type LLMProviderName } from './catalogue'
import { amount, count, id, timestamp } from './fields'

// --- the request ---------------------------------------------------------------------------------

/** The model settings of `StartAssessmentRequest.llm` the app chooses; the rest keep their defaults. */
export interface LLMChoice {
  provider: LLMProviderName
  model: string
  batching_mode: BatchingMode
}

/**
 * The body of `POST /v1/batches/{id}/estimate` and `.../assessments` (StartAssessmentRequest): the
 * same body, so the estimate is of this very start. Without `language` the platform's default holds.
 */
export interface StartAssessmentRequest {
  language?: string
  llm: LLMChoice
}

// --- the answers ---------------------------------------------------------------------------------

export const CountRange = z.object({ minimum: count, typical: count, maximum: count })
export type CountRange = z.infer<typeof CountRange>

export const AmountRange = z.object({ minimum: amount, typical: amount, maximum: amount })
export type AmountRange = z.infer<typeof AmountRange>

export const AssessmentEstimate = z.object({
  batch_id: id.nullable().default(null),
  essay_count: z.number().int().min(2),
  anchor_count: count,
  total_words: count,
  provider: LLMProvider,
  model: z.string(),
  batching_mode: BatchingMode,
  provider_configured: z.boolean(),
  comparisons: CountRange,
  waves: CountRange,
  llm_calls: CountRange,
  input_tokens: CountRange,
  output_tokens: CountRange,
  cost_usd: AmountRange,
  duration_seconds: AmountRange,
  notes: z.array(z.string()).default([]),
})
export type AssessmentEstimate = z.infer<typeof AssessmentEstimate>

export const AssessmentAccepted = z.object({
  batch_id: id,
  request_id: id,
  status: BatchStatus,
  essay_count: z.number().int().min(2),
  replayed: z.boolean(),
  requested_at: timestamp,
})
export type AssessmentAccepted = z.infer<typeof AssessmentAccepted>

/** The contract's models by their JSON schema's title, for the drift test. */
export const ASSESSMENT_MODELS = { AssessmentEstimate, AssessmentAccepted } as const

/** The nested models by their `$defs` name. */
export const ASSESSMENT_DEFINITIONS = { CountRange, AmountRange } as const
