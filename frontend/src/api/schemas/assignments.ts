/**
 * Assignments, their anchors and the grade scales: CJ's answers through the gateway
 * (`/v1/assignments`), the assignments of the BFF's new-batch options, and the BFF's grade scales.
 * Written by hand from the platform's JSON schemas (`libs/common_core/schemas/http/*.json`) like
 * `../schemas.ts`; `../schemas.test.ts` parses the contract's examples and compares the fields.
 *
 * Objects are not strict: a field the platform adds later is dropped, not an error.
 */
import { z } from 'zod'

import { count, id, timestamp } from './fields'

export const AssignmentSummary = z.object({
  assignment_id: id,
  owner_user_id: z.string(),
  title: z.string(),
  course_code: z.string(),
  grade_scale: z.string(),
  shared: z.boolean(),
  // Absent from servers older than the setting: the contract's default.
  redact_names: z.boolean().default(true),
  anchor_count: count,
  created_at: timestamp,
  updated_at: timestamp,
})
export type AssignmentSummary = z.infer<typeof AssignmentSummary>

export const AssignmentView = AssignmentSummary.extend({
  instructions: z.string(),
  student_prompt: z.string().nullable().default(null),
  rubric: z.string().nullable().default(null),
})
export type AssignmentView = z.infer<typeof AssignmentView>

export const AssignmentList = z.object({ assignments: z.array(AssignmentSummary) })
export type AssignmentList = z.infer<typeof AssignmentList>

export const GradeScaleView = z.object({
  name: z.string(),
  display_name: z.string(),
  grades: z.array(z.string()),
})
export type GradeScaleView = z.infer<typeof GradeScaleView>

export const GradeScaleList = z.object({ scales: z.array(GradeScaleView) })
export type GradeScaleList = z.infer<typeof GradeScaleList>

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

/** The contract's models by their JSON schema's title, for the drift test. */
export const ASSIGNMENT_MODELS = { AssignmentSummary, AssignmentList, AssignmentView, AnchorView, AnchorList, GradeScaleList } as const

/** The nested models by their `$defs` name. */
export const ASSIGNMENT_DEFINITIONS = { GradeScaleView } as const
