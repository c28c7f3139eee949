/**
 * The models the essay page and the batch page's cancel read, written by hand from the platform's
 * JSON schemas (`libs/common_core/schemas/http/*.json`) like `../schemas.ts`; `../schemas.test.ts`
 * compares their fields with the contract so that a change the app misses fails the unit tests.
 * The model catalogue is in `./catalogue.ts`, the estimate and the start in `./assessments.ts`.
 *
 * Objects are not strict: a field the platform adds later is dropped, not an error.
 */
import { z } from 'zod'

import { CJJobState, EssayRow, ViewGap } from '../schemas'
import { count, id, timestamp } from './fields'

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

/** The contract's models by their JSON schema's title, for the drift test. */
export const RESULT_MODELS = { EssayDetailView, CancelJobResponse } as const

/** The nested models by their `$defs` name in the JSON schemas. */
export const RESULT_DEFINITIONS = { EssayComparisonRow } as const
