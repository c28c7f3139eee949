/**
 * The models the batch page's actions and the essay page read, written by hand from the platform's
 * JSON schemas (`libs/common_core/schemas/http/*.json`) like `../schemas.ts`; `results.test.ts`
 * compares their fields with the contract so that a change the app misses fails the unit tests.
 *
 * Objects are not strict: a field the platform adds later is dropped, not an error.
 */
import { z } from 'zod'

import { BatchStatus, CJJobState, EssayRow, LLMProvider, ViewGap } from '@/api/schemas'

/** A provider of the model catalogue (`schemas.ts` exports the enumeration only). */
export type ProviderName = z.infer<typeof LLMProvider>

const id = z.guid()
const timestamp = z.iso.datetime({ offset: true })
const count = z.number().int().min(0)

// --- BFF: the essay page ------------------------------------------------------------------------

export const ComparisonOutcome = z.enum(['won', 'lost', 'pending', 'failed'])
export type ComparisonOutcome = z.infer<typeof ComparisonOutcome>

export const EssayComparisonRow = z.object({
  pair_id: id,
  wave: count,
  opponent_essay_id: id,
  opponent_name: z.string(),
  opponent_is_anchor: z.boolean(),
  opponent_known_grade: z.string().nullable(),
  shown_first: z.boolean(),
  outcome: ComparisonOutcome,
  confidence: z.number().int().min(1).max(5).nullable(),
  justification: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  answered_at: timestamp.nullable(),
})
export type EssayComparisonRow = z.infer<typeof EssayComparisonRow>

export const EssayDetailView = z.object({
  batch_id: id,
  batch_title: z.string(),
  essay: EssayRow,
  text: z.string().nullable(),
  comparisons: z.array(EssayComparisonRow),
  gaps: z.array(ViewGap),
})
export type EssayDetailView = z.infer<typeof EssayDetailView>

// --- gateway: cancel -----------------------------------------------------------------------------

export const CancelJobResponse = z.object({
  job_id: id,
  state: CJJobState,
  cancelled_at: timestamp,
})
export type CancelJobResponse = z.infer<typeof CancelJobResponse>

// --- gateway: the model catalogue ----------------------------------------------------------------

export const BatchingMode = z.enum(['per_request', 'serial_bundle', 'provider_batch_api'])
export type BatchingMode = z.infer<typeof BatchingMode>

export const ModelCapabilities = z.object({
  temperature: z.boolean(),
  reasoning_effort: z.boolean(),
  verbosity: z.boolean(),
  prompt_caching: z.boolean(),
  batch_api: z.boolean(),
})

export const ModelPrices = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  cached_input: z.number().min(0),
})

export const ModelLimits = z.object({
  rpm: z.number().int().min(1),
  tpm: z.number().int().min(1),
  max_concurrency: z.number().int().min(1),
})

export const CatalogueModel = z.object({
  model: z.string().min(1),
  default: z.boolean(),
  context_window: z.number().int().min(1),
  capabilities: ModelCapabilities,
  price_per_million_usd: ModelPrices,
  limits: ModelLimits,
  batching_modes: z.array(BatchingMode),
})
export type CatalogueModel = z.infer<typeof CatalogueModel>

export const CatalogueProvider = z.object({
  configured: z.boolean(),
  circuit_breaker: z.enum(['closed', 'half_open', 'open']),
  models: z.array(CatalogueModel),
})
export type CatalogueProvider = z.infer<typeof CatalogueProvider>

export const ModelCatalogue = z.object({
  // Keyed by provider; a provider this app does not know yet is dropped rather than refused.
  providers: z.record(z.string(), CatalogueProvider).transform((providers) => {
    const known: Partial<Record<ProviderName, CatalogueProvider>> = {}
    for (const [name, provider] of Object.entries(providers)) {
      const parsed = LLMProvider.safeParse(name)
      if (parsed.success) known[parsed.data] = provider
    }
    return known
  }),
  serial_bundle_size: z.number().int().min(1),
})
export type ModelCatalogue = z.infer<typeof ModelCatalogue>

// --- gateway: estimate and start an assessment ---------------------------------------------------

/** The body of `POST /v1/batches/{id}/estimate` and `.../assessments` (StartAssessmentRequest). */
export interface StartAssessmentRequest {
  language: string
  llm: { provider: ProviderName; model: string; batching_mode: BatchingMode }
}

const CountRange = z.object({ minimum: count, typical: count, maximum: count })
const AmountRange = z.object({ minimum: z.number().min(0), typical: z.number().min(0), maximum: z.number().min(0) })

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
export const RESULT_MODELS = {
  EssayDetailView,
  CancelJobResponse,
  ModelCatalogue,
  AssessmentEstimate,
  AssessmentAccepted,
} as const

/** The nested models by their `$defs` name in the JSON schemas. */
export const RESULT_DEFINITIONS = {
  EssayComparisonRow,
  CatalogueModel,
  CatalogueProvider,
  ModelCapabilities,
  ModelPrices,
  ModelLimits,
  CountRange,
  AmountRange,
} as const
