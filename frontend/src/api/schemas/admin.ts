/**
 * The BFF's assignment page (`/bff/v1/assignments/{id}`), which only the assignment screens read:
 * the assignment with its anchors and scale, and the last batch that used it. Written by hand from
 * the platform's JSON schema (`libs/common_core/schemas/http/AssignmentPageView.json`) like
 * `../schemas.ts`; `../schemas.test.ts` parses the contract's example and compares the fields. The
 * assignments, anchors and grade scales themselves are in `./assignments.ts`, the classes and
 * students in `./classes.ts`.
 */
import { z } from 'zod'

import { DashboardBatch, EssayRow, GradeCutPointView, ViewGap } from '../schemas'
import { AnchorView, AssignmentView, GradeScaleView } from './assignments'
import { count } from './fields'

/** The dashboard's batch without the class name. */
export const BatchListItem = DashboardBatch.omit({ class_name: true })
export type BatchListItem = z.infer<typeof BatchListItem>

export const AssignmentLastBatch = z.object({
  batch: BatchListItem,
  grade_cut_points: z.array(GradeCutPointView),
  anchors: z.array(EssayRow),
})
export type AssignmentLastBatch = z.infer<typeof AssignmentLastBatch>

export const AssignmentPageView = z.object({
  assignment: AssignmentView,
  grade_scale: GradeScaleView.nullable(),
  anchors: z.array(AnchorView),
  last_batch: AssignmentLastBatch.nullable(),
  batches_searched: count,
  gaps: z.array(ViewGap),
})
export type AssignmentPageView = z.infer<typeof AssignmentPageView>

/** The contract's models by their JSON schema's title, for the drift test. */
export const ADMIN_MODELS = { AssignmentPageView } as const

/** Nested models by their `$defs` name in `AssignmentPageView`'s JSON schema. */
export const ADMIN_DEFINITIONS = { BatchListItem, AssignmentLastBatch } as const
