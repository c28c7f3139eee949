/**
 * The HTTP models the new-batch wizard reads, written by hand from the platform's JSON schemas
 * (`libs/common_core/schemas/http/*.json`), as `../schemas.ts` is: the BFF's NewBatchOptions and
 * the gateway's batch, upload, association, student, assignment and assessment answers.
 * `wizard.test.ts` parses the contract's examples and compares fields and enumerations with the
 * JSON schemas. The request bodies the wizard sends are typed here too.
 */
import { z } from 'zod'

import { BatchStatus, LLMProvider, ViewGap } from '@/api/schemas'

const id = z.guid()
const timestamp = z.iso.datetime({ offset: true })
const count = z.number().int().min(0)
const amount = z.number().min(0)

// --- the BFF's options: classes, assignments, the model catalogue -------------------------------

export const BatchingMode = z.enum(['per_request', 'serial_bundle', 'provider_batch_api'])
export type BatchingMode = z.infer<typeof BatchingMode>

export const ClassOut = z.object({
  class_id: id,
  name: z.string(),
  course_code: z.string(),
  student_count: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
})
export type ClassOut = z.infer<typeof ClassOut>

export const AssignmentSummary = z.object({
  assignment_id: id,
  owner_user_id: z.string(),
  title: z.string(),
  course_code: z.string(),
  grade_scale: z.string(),
  shared: z.boolean(),
  anchor_count: count,
  created_at: timestamp,
  updated_at: timestamp,
})
export type AssignmentSummary = z.infer<typeof AssignmentSummary>

export const ModelCapabilities = z.object({
  temperature: z.boolean(),
  reasoning_effort: z.boolean(),
  verbosity: z.boolean(),
  prompt_caching: z.boolean(),
  batch_api: z.boolean(),
})

export const ModelPrices = z.object({ input: amount, output: amount, cached_input: amount })

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

export const CircuitBreaker = z.enum(['closed', 'half_open', 'open'])

export const CatalogueProvider = z.object({
  configured: z.boolean(),
  circuit_breaker: CircuitBreaker,
  models: z.array(CatalogueModel),
})
export type CatalogueProvider = z.infer<typeof CatalogueProvider>

export const ModelCatalogue = z.object({
  // Partial: the catalogue lists the providers of the model table, not necessarily all of them.
  providers: z.partialRecord(LLMProvider, CatalogueProvider),
  serial_bundle_size: z.number().int().min(1),
})
export type ModelCatalogue = z.infer<typeof ModelCatalogue>

export const NewBatchOptions = z.object({
  classes: z.array(ClassOut),
  assignments: z.array(AssignmentSummary),
  model_catalogue: ModelCatalogue.nullable(),
  gaps: z.array(ViewGap),
})
export type NewBatchOptions = z.infer<typeof NewBatchOptions>

// --- the gateway: the batch and its essays -------------------------------------------------------

export const BatchView = z.object({
  batch_id: id,
  title: z.string(),
  course_code: z.string(),
  class_id: id.nullable().default(null),
  assignment_id: id.nullable().default(null),
  status: BatchStatus,
  essay_count: count,
  created_at: timestamp,
  updated_at: timestamp,
})
export type BatchView = z.infer<typeof BatchView>

export const UploadOutcome = z.enum(['accepted', 'rejected', 'duplicate'])
export type UploadOutcome = z.infer<typeof UploadOutcome>

export const FileOutcome = z.object({
  filename: z.string(),
  outcome: UploadOutcome,
  essay_id: id.nullable().default(null),
  word_count: count.nullable().default(null),
  author_hint: z.string().nullable().default(null),
  reason: z.string().nullable().default(null),
})
export type FileOutcome = z.infer<typeof FileOutcome>

export const UploadResult = z.object({
  batch_id: id,
  accepted: count,
  rejected: count,
  duplicates: count,
  files: z.array(FileOutcome),
})
export type UploadResult = z.infer<typeof UploadResult>

export const EssayView = z.object({
  essay_id: id,
  filename: z.string(),
  text_ref: z.string().regex(/^[0-9a-f]{64}$/),
  word_count: count,
  author_hint: z.string().nullable().default(null),
  uploaded_at: timestamp,
})
export type EssayView = z.infer<typeof EssayView>

export const EssayList = z.object({ batch_id: id, items: z.array(EssayView) })
export type EssayList = z.infer<typeof EssayList>

// --- the gateway: who wrote each essay -----------------------------------------------------------

export const AssociationStatus = z.enum(['confirmed', 'suggested', 'unmatched'])
export type AssociationStatus = z.infer<typeof AssociationStatus>

export const EssayAssociationOut = z.object({
  essay_id: id,
  filename: z.string(),
  author_hint: z.string().nullable(),
  status: AssociationStatus,
  student_id: id.nullable(),
  suggested_student_id: id.nullable(),
  confidence: z.number().nullable(),
  evidence: z.string().nullable(),
  confirmed_at: timestamp.nullable(),
})
export type EssayAssociationOut = z.infer<typeof EssayAssociationOut>

export const BatchAssociations = z.object({
  batch_id: id,
  class_id: id.nullable(),
  essays: z.array(EssayAssociationOut),
})
export type BatchAssociations = z.infer<typeof BatchAssociations>

export const StudentOut = z.object({
  student_id: id,
  first_name: z.string(),
  last_name: z.string(),
  email: z.string().nullable(),
  class_ids: z.array(id),
  created_at: timestamp,
  updated_at: timestamp,
})
export type StudentOut = z.infer<typeof StudentOut>

export const StudentList = z.object({ students: z.array(StudentOut) })
export type StudentList = z.infer<typeof StudentList>

// --- the gateway: an assignment and its anchors --------------------------------------------------

export const AssignmentView = z.object({
  assignment_id: id,
  owner_user_id: z.string(),
  title: z.string(),
  course_code: z.string(),
  grade_scale: z.string(),
  shared: z.boolean(),
  anchor_count: count,
  created_at: timestamp,
  updated_at: timestamp,
  instructions: z.string(),
  student_prompt: z.string().nullable().default(null),
  rubric: z.string().nullable().default(null),
})
export type AssignmentView = z.infer<typeof AssignmentView>

export const AnchorView = z.object({
  anchor_id: id,
  assignment_id: id,
  label: z.string(),
  grade: z.string(),
  text_ref: z.string(),
  word_count: count,
  created_at: timestamp,
})
export type AnchorView = z.infer<typeof AnchorView>

export const AnchorList = z.object({ anchors: z.array(AnchorView) })
export type AnchorList = z.infer<typeof AnchorList>

// --- the gateway: the estimate and the start -----------------------------------------------------

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

// --- request bodies ------------------------------------------------------------------------------

/** `POST /v1/batches`. */
export interface CreateBatchRequest {
  title: string
  course_code: string
  class_id: string | null
  assignment_id: string | null
}

/** `POST /v1/batches/{id}/associations/confirm`: at most 500 at a time. */
export interface ConfirmAssociations {
  associations: { essay_id: string; student_id: string }[]
}

export type LLMProviderName = z.infer<typeof LLMProvider>

/** The model settings of `StartAssessmentRequest.llm` the wizard chooses; the rest keep their defaults. */
export interface LLMChoice {
  provider: LLMProviderName
  model: string
  batching_mode: BatchingMode
}

/** `POST /v1/batches/{id}/estimate` and `/assessments`: the same body, so the estimate is of this very start. */
export interface StartAssessmentRequest {
  llm: LLMChoice
}

/** The contract's models by their JSON schema's title, for the drift test. */
export const WIZARD_MODELS = {
  NewBatchOptions,
  BatchView,
  UploadResult,
  EssayList,
  BatchAssociations,
  StudentList,
  AssignmentView,
  AnchorList,
  AssessmentEstimate,
  AssessmentAccepted,
} as const

/** The nested models by their `$defs` name. */
export const WIZARD_DEFINITIONS = {
  ClassOut,
  AssignmentSummary,
  ModelCapabilities,
  ModelPrices,
  ModelLimits,
  CatalogueModel,
  CatalogueProvider,
  ModelCatalogue,
  FileOutcome,
  EssayView,
  EssayAssociationOut,
  StudentOut,
  AnchorView,
  CountRange,
  AmountRange,
} as const
