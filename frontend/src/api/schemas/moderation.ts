/**
 * Teacher moderation (issue 24): the moderation screen, a verdict, the agreement report, the
 * moderators and the invitations, as the BFF answers them (`common_core.http.bff_moderation` and
 * `common_core.http.cj_moderation`). Written by hand from the JSON schemas like `../schemas.ts`;
 * `../schemas.test.ts` parses the contract's examples and compares the fields.
 */
import { z } from 'zod'

import { amount, count, id, probability, timestamp } from './fields'

export const ModerationLabel = z.enum(['Essay A', 'Essay B'])

export const ModerationReason = z.enum([
  'boundary',
  'uncertain_order',
  'llm_residual',
  'misfit_essay',
  'anchor_check',
  'covariate_contrast',
])
export type ModerationReason = z.infer<typeof ModerationReason>

export const ModerationProgress = z.object({ given_by_you: count, given_by_all: count, budget_total: count })

/** One essay of the pair: a label and the text, nothing that names its writer. */
export const ModerationScreenEssay = z.object({
  label: ModerationLabel,
  essay_id: id,
  text: z.string().nullable().default(null),
})
export type ModerationScreenEssay = z.infer<typeof ModerationScreenEssay>

export const ModerationScreenPair = z.object({
  first: ModerationScreenEssay,
  second: ModerationScreenEssay,
  reason: ModerationReason,
})

export const ModerationScreen = z.object({
  batch_id: id,
  job_id: id,
  done: z.boolean(),
  pair: ModerationScreenPair.nullable().default(null),
  progress: ModerationProgress,
  text_missing: z.boolean().default(false),
})
export type ModerationScreen = z.infer<typeof ModerationScreen>

export const ModerationVerdictView = z.object({
  verdict_id: id,
  job_id: id,
  moderator_user_id: z.string(),
  first: id,
  second: id,
  winner: id,
  reason: z.string().nullable().default(null),
  created_at: timestamp,
})
export type ModerationVerdictView = z.infer<typeof ModerationVerdictView>

export const AgreementView = z.object({
  shared_verdicts: count,
  agreeing: z.number().min(0),
  rate: probability.nullable().default(null),
  low: probability,
  high: probability,
})
export type AgreementView = z.infer<typeof AgreementView>

export const TeacherAgreement = z.object({ user_id: z.string(), agreement: AgreementView })

export const DisagreementView = z.object({
  first_essay_id: id,
  second_essay_id: id,
  teacher_user_id: z.string(),
  teacher_winner: id,
  llm_winner: id,
  distance: z.number().min(0),
})

export const MisfittingEssay = z.object({
  essay_id: id,
  comparisons: count,
  infit: z.number().nullable().default(null),
  outfit: z.number().nullable().default(null),
})

const optionalNumber = z.number().nullable().default(null)

export const JudgeView = z.object({
  kind: z.enum(['llm', 'teacher']),
  user_id: z.string().nullable().default(null),
  provider: z.string().nullable().default(null),
  model: z.string().nullable().default(null),
  decisions: count,
  enough_decisions: z.boolean(),
  discrimination: optionalNumber,
  discrimination_se: optionalNumber,
  position_bias: optionalNumber,
  position_se: optionalNumber,
  agreement_with_scale: probability.nullable().default(null),
  infit: optionalNumber,
  outfit: optionalNumber,
})
export type JudgeView = z.infer<typeof JudgeView>

export const ModeratedResult = z.object({
  essay_id: id,
  is_anchor: z.boolean(),
  rank: z.number().int().min(1),
  bt_score: z.number(),
  standard_error: z.number().min(0),
  comparison_count: count,
  teacher_judgements: count,
})

/** What the AI's checks of moderation pairs cost (not in the job's usage); null totals: none reported. */
export const ModerationLlmUsage = z.object({
  answered: count,
  failed: count,
  pending: count,
  tokens: count.nullable().default(null),
  cost_usd: amount.nullable().default(null),
  unreported: count.default(0),
})
export type ModerationLlmUsage = z.infer<typeof ModerationLlmUsage>

/** The AI's length bias against the teachers' verdicts: logits per SD of (log) essay length; positive
 * means the AI favours longer essays more than the teachers do. */
export const LengthBias = z.object({ logits_per_sd: z.number(), standard_error: z.number().min(0) })
export type LengthBias = z.infer<typeof LengthBias>

export const ModerationReport = z.object({
  job_id: id,
  teacher_judgements: count,
  agreement: AgreementView,
  by_teacher: z.array(TeacherAgreement),
  disagreements: z.array(DisagreementView),
  misfitting_essays: z.array(MisfittingEssay),
  judges: z.array(JudgeView),
  results: z.array(ModeratedResult),
  llm_usage: ModerationLlmUsage.nullable().default(null), // null from an older CJ
  llm_length_bias: LengthBias.nullable().default(null), // null: no length declared (or an older CJ)
})
export type ModerationReport = z.infer<typeof ModerationReport>

// label: the email the teacher invited the colleague by (null for colleagues invited before CJ kept it).
export const ModeratorView = z.object({ user_id: z.string(), added_at: timestamp, label: z.string().nullish() })
export type ModeratorView = z.infer<typeof ModeratorView>

export const ModeratorList = z.object({ job_id: id, owner_user_id: z.string(), moderators: z.array(ModeratorView) })
export type ModeratorList = z.infer<typeof ModeratorList>

export const ModerationInvitation = z.object({ batch_id: id, job_id: id, state: z.string(), added_at: timestamp })
export type ModerationInvitation = z.infer<typeof ModerationInvitation>

export const ModerationInvitations = z.object({ invitations: z.array(ModerationInvitation) })
export type ModerationInvitations = z.infer<typeof ModerationInvitations>

/** The contract's models by their JSON schema's title. */
export const MODERATION_MODELS = {
  ModerationScreen,
  ModerationVerdictView,
  ModerationReport,
  ModeratorList,
  ModerationInvitations,
} as const

/** Nested models by their `$defs` name in the JSON schemas above. */
export const MODERATION_DEFINITIONS = {
  ModerationProgress,
  ModerationScreenEssay,
  ModerationScreenPair,
  AgreementView,
  TeacherAgreement,
  DisagreementView,
  MisfittingEssay,
  JudgeView,
  ModeratedResult,
  ModerationLlmUsage,
  LengthBias,
  ModeratorView,
  ModerationInvitation,
} as const
