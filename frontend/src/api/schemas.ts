/**
 * The HTTP models this app reads, written by hand from the platform's JSON schemas
 * (`libs/common_core/schemas/http/*.json`). Every answer is parsed with one of these before the UI
 * sees it; `schemas.test.ts` parses the contract's own examples and compares the field names with
 * the JSON schemas, so a contract change that this file misses fails the unit tests. The models of
 * one area of the contract (classes, assignments, the model catalogue, assessments) and those only
 * one group of screens reads are in `./schemas/*.ts`; the same test checks them.
 *
 * Objects are not strict: a field the platform adds later is dropped, not an error.
 */
import { z } from 'zod'

import { count, id, probability, timestamp } from './schemas/fields'

// --- errors --------------------------------------------------------------------------------------

export const ErrorDetail = z.object({
  code: z.string(),
  message: z.string(),
  service: z.string(),
  correlation_id: z.string().nullable().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
})

export const ErrorResponse = z.object({ error: ErrorDetail })

// --- gateway: sign-in and the profile ------------------------------------------------------------

export const TokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  token_type: z.literal('bearer').default('bearer'),
  expires_in: z.number().int().min(1),
})
export type TokenResponse = z.infer<typeof TokenResponse>

export const UserProfile = z.object({
  user_id: id,
  email: z.string(),
  display_name: z.string(),
  locale: z.string(),
  created_at: timestamp,
})
export type UserProfile = z.infer<typeof UserProfile>

// --- BFF: shared parts ---------------------------------------------------------------------------

export const BatchStatus = z.enum(['draft', 'assessment_requested', 'assessing', 'completed', 'failed'])
export type BatchStatus = z.infer<typeof BatchStatus>

export const ViewGap = z.object({
  part: z.enum([
    'classes',
    'assignments',
    'models',
    'class_names',
    'needs_action',
    'class_name',
    'student_names',
    'text',
    'comparisons',
    'anchors',
    'last_batch',
  ]),
  reason: z.string(),
})
export type ViewGap = z.infer<typeof ViewGap>

export const ResultSummary = z.object({
  grade_scale: z.string(),
  grade_distribution: z.record(z.string(), z.number().int()),
  partial: z.boolean().default(false),
  reliability: probability.nullable().default(null),
  reliability_ssr: probability.nullable().default(null),
})
export type ResultSummary = z.infer<typeof ResultSummary>

export const DashboardBatch = z.object({
  batch_id: id,
  title: z.string(),
  course_code: z.string(),
  class_id: id.nullable(),
  assignment_id: id.nullable(),
  status: BatchStatus,
  essay_count: count,
  progress_percentage: z.number().min(0).max(100),
  created_at: timestamp,
  updated_at: timestamp,
  completed_at: timestamp.nullable(),
  result_summary: ResultSummary.nullable(),
  class_name: z.string().nullable(),
})
export type DashboardBatch = z.infer<typeof DashboardBatch>

// --- BFF: the dashboard --------------------------------------------------------------------------

export const SpendTotals = z.object({
  assessments: count,
  llm_calls: count,
  input_tokens: count,
  output_tokens: count,
  cost_usd: z.number().min(0),
  assessments_without_usage: count,
})
export type SpendTotals = z.infer<typeof SpendTotals>

export const UserSummaryResponse = z.object({
  user_id: z.string(),
  total_batches: count,
  counts_by_status: z.record(z.string(), z.number().int()),
  term_start: timestamp,
  essays_assessed_this_term: count,
  month_start: timestamp.nullable().default(null),
  spend_this_month: SpendTotals.nullable().default(null),
  spend_this_term: SpendTotals.nullable().default(null),
})

export const NeedsActionReason = z.enum(['failed', 'partial', 'unconfirmed_matches', 'not_started'])
export type NeedsActionReason = z.infer<typeof NeedsActionReason>

export const BatchNeedingAction = z.object({
  batch_id: id,
  title: z.string().nullable(),
  reason: NeedsActionReason,
  /** In English; the dashboard words it from the reason and the facts below instead. */
  detail: z.string(),
  essay_count: z.number().int().nonnegative().nullable().optional(),
  class_name: z.string().nullable().optional(),
  suggested: z.number().int().nonnegative().nullable().optional(),
  unmatched: z.number().int().nonnegative().nullable().optional(),
})
export type BatchNeedingAction = z.infer<typeof BatchNeedingAction>

export const TeacherDashboard = z.object({
  summary: UserSummaryResponse,
  needs_action: z.array(BatchNeedingAction).default([]),
  recent_batches: z.array(DashboardBatch),
  gaps: z.array(ViewGap),
})
export type TeacherDashboard = z.infer<typeof TeacherDashboard>

// --- BFF: the batch page -------------------------------------------------------------------------

export const EssayFlag = z.enum(['not_assessed', 'low_confidence', 'few_comparisons', 'no_confirmed_student'])
export type EssayFlag = z.infer<typeof EssayFlag>

export const EssayRow = z.object({
  essay_id: id,
  is_anchor: z.boolean(),
  name: z.string(),
  student_name: z.string().nullable(),
  filename: z.string().nullable(),
  word_count: z.number().int().nullable(),
  rank: z.number().int().min(1).nullable(),
  grade: z.string().nullable(),
  grade_probability: probability.nullable(),
  grade_probabilities: z.record(z.string(), probability),
  bt_score: z.number().nullable(),
  standard_error: z.number().nullable(),
  normalized_score: z.number().nullable(),
  confidence: probability.nullable(),
  confidence_label: z.enum(['high', 'medium', 'low']).nullable(),
  comparison_count: count,
  known_grade: z.string().nullable(),
  anchor_inconsistent: z.boolean().nullable(),
  flags: z.array(EssayFlag),
})
export type EssayRow = z.infer<typeof EssayRow>

export const CJJobState = z.enum(['created', 'preparing', 'comparing', 'finalising', 'completed', 'failed'])

export const LLMProvider = z.enum(['openai', 'anthropic', 'google', 'openrouter', 'openai_compatible', 'mock'])

export const ModelUsedView = z.object({ provider: LLMProvider, model: z.string() })

export const FailureView = z.object({ code: z.string(), message: z.string() })

export const UsageView = z.object({
  llm_calls: count.nullable(),
  input_tokens: count.nullable(),
  output_tokens: count.nullable(),
  cost_usd: z.number().min(0).nullable(),
  unreported: count.nullable(),
})

export const GradeCutPointView = z.object({
  lower_grade: z.string(),
  upper_grade: z.string(),
  bt_score: z.number(),
  boundary_sd: z.number().min(0),
  source: z.enum(['fitted', 'interpolated', 'extrapolated']),
})

export const AssessmentJobView = z.object({
  job_id: id.nullable(),
  state: CJJobState,
  status: BatchStatus,
  started_at: timestamp,
  wave: z.number().int().nullable(),
  comparisons_done: z.number().int().nullable(),
  comparisons_planned: z.number().int().nullable(),
  progress_percentage: z.number().nullable(),
  reliability: probability.nullable().default(null),
  reliability_ssr: probability.nullable(),
  completed_at: timestamp.nullable(),
  duration_seconds: z.number().nullable(),
  essays_assessed: z.number().int().nullable(),
  anchors_used: z.number().int().nullable(),
  comparisons_completed: z.number().int().nullable(),
  comparisons_failed: z.number().int().nullable(),
  failure: FailureView.nullable(),
  grade_scale: z.string().nullable(),
  model_used: ModelUsedView.nullable(),
  stop_reason: z.string().nullable().default(null),
  stop_detail: z.string().nullable().default(null),
  position_bias: z.number().nullable().default(null),
  position_bias_se: z.number().nullable().default(null),
  partial: z.boolean().default(false),
  partial_reason: z.string().nullable().default(null),
  grade_projection_note: z.string().nullable().default(null),
  usage: UsageView.nullable().default(null),
  grade_cut_points: z.array(GradeCutPointView).default([]),
})
export type AssessmentJobView = z.infer<typeof AssessmentJobView>

export const BatchResultsView = z.object({
  batch: DashboardBatch,
  job: AssessmentJobView.nullable(),
  essays: z.array(EssayRow),
  anchors: z.array(EssayRow),
  gaps: z.array(ViewGap),
})
export type BatchResultsView = z.infer<typeof BatchResultsView>

// --- BFF: live progress (Server-Sent Events) -----------------------------------------------------

export const LiveBatchState = z.object({
  batch_id: id,
  job_id: id.nullable(),
  status: BatchStatus,
  progress_percentage: z.number().min(0).max(100),
  wave: z.number().int().min(0).nullable(),
  comparisons_done: count.nullable(),
  comparisons_planned: count.nullable(),
  reliability: probability.nullable(),
  message: z.string().nullable(),
})
export type LiveBatchState = z.infer<typeof LiveBatchState>

export const LiveBatchProgress = z.object({
  batch_id: id,
  job_id: id,
  status: BatchStatus,
  progress_percentage: z.number().min(0).max(100),
  wave: z.number().int().min(0),
  comparisons_done: count,
  comparisons_planned: count,
  reliability: probability.nullable(),
})
export type LiveBatchProgress = z.infer<typeof LiveBatchProgress>

export const LiveBatchCompleted = z.object({
  batch_id: id,
  job_id: id,
  status: z.literal('completed').default('completed'),
  progress_percentage: z.number().min(0).max(100).default(100),
  comparisons_done: count,
  reliability: probability.nullable(),
})
export type LiveBatchCompleted = z.infer<typeof LiveBatchCompleted>

export const LiveBatchFailed = z.object({
  batch_id: id,
  job_id: id.nullable(),
  status: z.literal('failed').default('failed'),
  message: z.string(),
  comparisons_done: count,
})
export type LiveBatchFailed = z.infer<typeof LiveBatchFailed>

/** The contract's models by their JSON schema's title, for the drift test. */
export const MODELS = {
  ErrorResponse,
  TokenResponse,
  UserProfile,
  TeacherDashboard,
  BatchResultsView,
  LiveBatchState,
  LiveBatchProgress,
  LiveBatchCompleted,
  LiveBatchFailed,
} as const

/** The nested models by their `$defs` name in the JSON schemas. */
export const DEFINITIONS = {
  ErrorDetail,
  ViewGap,
  ResultSummary,
  DashboardBatch,
  SpendTotals,
  UserSummaryResponse,
  BatchNeedingAction,
  EssayRow,
  ModelUsedView,
  FailureView,
  UsageView,
  GradeCutPointView,
  AssessmentJobView,
} as const
