/**
 * The HTTP models only the new-batch wizard reads, written by hand from the platform's JSON schemas
 * (`libs/common_core/schemas/http/*.json`), as `../schemas.ts` is: the BFF's NewBatchOptions and
 * the gateway's batch, upload and association answers. `../schemas.test.ts` parses the contract's
 * examples and compares fields with the JSON schemas. The request bodies the wizard sends are typed
 * here too. The classes, assignments, model catalogue and the estimate and start it shares with
 * other screens are in `./classes.ts`, `./assignments.ts`, `./catalogue.ts` and `./assessments.ts`.
 */
import { z } from 'zod'

import { BatchStatus, ViewGap } from '../schemas'
import { AssignmentSummary } from './assignments'
import { ModelCatalogue } from './catalogue'
import { ClassOut } from './classes'
import { count, id, timestamp } from './fields'

// --- the BFF's options: classes, assignments, the model catalogue -------------------------------

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

/** The contract's models by their JSON schema's title, for the drift test. */
export const WIZARD_MODELS = { NewBatchOptions, BatchView, UploadResult, EssayList, BatchAssociations } as const

/** The nested models by their `$defs` name. */
export const WIZARD_DEFINITIONS = { FileOutcome, EssayView, EssayAssociationOut } as const
