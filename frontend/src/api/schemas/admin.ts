/**
 * The models of the classes, students, assignments and anchors screens, written by hand from the
 * platform's JSON schemas (`libs/common_core/schemas/http/*.json`), like `../schemas.ts`:
 * class management's and CJ's answers through the gateway (`/v1/classes`, `/v1/students`,
 * `/v1/assignments`) and the BFF's assignment page and grade scales. `admin.test.ts` parses the
 * contract's examples and compares every field with the JSON schemas.
 */
import { z } from 'zod'

import { EssayRow, GradeCutPointView, ResultSummary, BatchStatus, ViewGap } from '../schemas'

const id = z.guid()
const timestamp = z.iso.datetime({ offset: true })
const count = z.number().int().min(0)

// --- class management: classes and students ------------------------------------------------------

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

const classFields = {
  class_id: id,
  name: z.string(),
  course_code: z.string(),
  student_count: count,
  created_at: timestamp,
  updated_at: timestamp,
}

export const ClassOut = z.object(classFields)
export type ClassOut = z.infer<typeof ClassOut>

export const ClassList = z.object({ classes: z.array(ClassOut) })
export type ClassList = z.infer<typeof ClassList>

export const ClassDetail = z.object({ ...classFields, students: z.array(StudentOut) })
export type ClassDetail = z.infer<typeof ClassDetail>

// --- CJ: assignments and anchors -----------------------------------------------------------------

const summaryFields = {
  assignment_id: id,
  owner_user_id: z.string(),
  title: z.string(),
  course_code: z.string(),
  grade_scale: z.string(),
  shared: z.boolean(),
  anchor_count: count,
  created_at: timestamp,
  updated_at: timestamp,
}

export const AssignmentSummary = z.object(summaryFields)
export type AssignmentSummary = z.infer<typeof AssignmentSummary>

export const AssignmentList = z.object({ assignments: z.array(AssignmentSummary) })
export type AssignmentList = z.infer<typeof AssignmentList>

export const AssignmentView = z.object({
  ...summaryFields,
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

// --- BFF: the grade scales and the assignment page -----------------------------------------------

export const GradeScaleView = z.object({
  name: z.string(),
  display_name: z.string(),
  grades: z.array(z.string()),
})
export type GradeScaleView = z.infer<typeof GradeScaleView>

export const GradeScaleList = z.object({ scales: z.array(GradeScaleView) })
export type GradeScaleList = z.infer<typeof GradeScaleList>

export const BatchListItem = z.object({
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
})
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
export const ADMIN_MODELS = {
  StudentOut,
  StudentList,
  ClassOut,
  ClassList,
  ClassDetail,
  AssignmentSummary,
  AssignmentList,
  AssignmentView,
  AnchorView,
  AnchorList,
  GradeScaleList,
  AssignmentPageView,
} as const

/** Nested models by their `$defs` name in `AssignmentPageView`'s JSON schema. */
export const ADMIN_DEFINITIONS = {
  GradeScaleView,
  BatchListItem,
  AssignmentLastBatch,
} as const
