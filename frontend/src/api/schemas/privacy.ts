/**
 * Student data protection (issue 23): the teacher's access log (a BFF view), a student's data export
 * and the preview of a student's erasure (the gateway's public API), and the shared assignments an
 * account deletion names when it is refused. Written by hand from the platform's JSON schemas
 * (`libs/common_core/schemas/http/*.json`) like `../schemas.ts`; `../schemas.test.ts` parses the
 * contract's examples and compares the fields.
 *
 * Objects are not strict: a field the platform adds later is dropped, not an error.
 */
import { z } from 'zod'

import { id, probability, timestamp } from './fields'

// --- the access log ------------------------------------------------------------------------------

export const AccessAction = z.enum(['read', 'export'])
export type AccessAction = z.infer<typeof AccessAction>

export const AccessSubject = z.enum(['batch', 'essay', 'student'])
export type AccessSubject = z.infer<typeof AccessSubject>

export const AccessLogEntry = z.object({
  occurred_at: timestamp,
  /** The service that holds the data and recorded the access. */
  recorded_by: z.string(),
  /** The teacher the read was made for. */
  actor_user_id: z.string().nullable(),
  /** The service that made the read (the BFF, the gateway). */
  actor_service: z.string(),
  action: AccessAction,
  subject_kind: AccessSubject,
  subject_id: z.string(),
  correlation_id: id.nullable().default(null),
})
export type AccessLogEntry = z.infer<typeof AccessLogEntry>

/** Newest first; `gaps` names the owners that did not answer (their entries are missing). */
export const AccessLogView = z.object({
  entries: z.array(AccessLogEntry),
  gaps: z.array(z.string()).default([]),
})
export type AccessLogView = z.infer<typeof AccessLogView>

// --- a student's data export ---------------------------------------------------------------------

export const ExportedClass = z.object({ class_id: id, name: z.string() })

export const ExportedStudent = z.object({
  student_id: id,
  first_name: z.string(),
  last_name: z.string(),
  email: z.string().nullable().default(null),
  created_at: timestamp.nullable().default(null),
  classes: z.array(ExportedClass).default([]),
})

export const ExportedResult = z.object({
  rank: z.number().int().nullable().default(null),
  score: z.number().nullable().default(null),
  standard_error: z.number().nullable().default(null),
  grade: z.string().nullable().default(null),
  grade_probabilities: z.record(z.string(), probability).default({}),
  confidence: z.string().nullable().default(null),
})

export const ExportedComparison = z.object({
  /** The assessment (CJ job) that made it. */
  assessment_job_id: id.nullable().default(null),
  other_essay_id: z.string(),
  outcome: z.enum(['won', 'lost', 'error']),
  justification: z.string().nullable().default(null),
  judged_at: timestamp.nullable().default(null),
})

export const ExportedEssay = z.object({
  essay_id: id,
  batch_id: id,
  batch_title: z.string().nullable().default(null),
  file_name: z.string().nullable().default(null),
  uploaded_at: timestamp.nullable().default(null),
  text: z.string().nullable().default(null),
  result: ExportedResult.nullable().default(null),
  comparisons: z.array(ExportedComparison).default([]),
})

export const StudentDataExport = z.object({
  schema_version: z.literal(1).default(1),
  exported_at: timestamp,
  exported_by: z.string(),
  student: ExportedStudent,
  essays: z.array(ExportedEssay),
  gaps: z.array(z.string()).default([]),
})
export type StudentDataExport = z.infer<typeof StudentDataExport>

// --- erasing a student ---------------------------------------------------------------------------

export const ErasureEssay = z.object({ batch_id: id, essay_id: id, filename: z.string() })
export type ErasureEssay = z.infer<typeof ErasureEssay>

/** What erasing the student removes, and the token that confirms exactly that (valid until `expires_at`). */
export const StudentErasurePreview = z.object({
  student_id: id,
  first_name: z.string(),
  last_name: z.string(),
  essays: z.array(ErasureEssay),
  confirmation_token: z.string().min(1),
  expires_at: timestamp,
})
export type StudentErasurePreview = z.infer<typeof StudentErasurePreview>

// --- deleting the account ------------------------------------------------------------------------

/** One entry of a refused account deletion's `details.shared_assignments` (409). */
export const SharedAssignmentRef = z.object({ assignment_id: id, title: z.string() })
export type SharedAssignmentRef = z.infer<typeof SharedAssignmentRef>

/** The contract's models by their JSON schema's title, for the drift test. */
export const PRIVACY_MODELS = {
  AccessLogView,
  StudentDataExport,
  ErasureEssay,
  StudentErasurePreview,
  SharedAssignmentRef,
} as const

/** Nested models by their `$defs` name in the JSON schemas above. */
export const PRIVACY_DEFINITIONS = {
  AccessLogEntry,
  ExportedClass,
  ExportedStudent,
  ExportedResult,
  ExportedComparison,
  ExportedEssay,
} as const
