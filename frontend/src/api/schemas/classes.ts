/**
 * Classes and students: class management's answers through the gateway (`/v1/classes`,
 * `/v1/students`), and the classes of the BFF's new-batch options. Written by hand from the
 * platform's JSON schemas (`libs/common_core/schemas/http/*.json`) like `../schemas.ts`;
 * `../schemas.test.ts` parses the contract's examples and compares the fields.
 *
 * Objects are not strict: a field the platform adds later is dropped, not an error.
 */
import { z } from 'zod'

import { id, timestamp } from './fields'

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

/** A class's own fields: `ClassOut`, and `ClassDetail` with its roster. */
const classFields = {
  class_id: id,
  name: z.string(),
  course_code: z.string(),
  // The contract sets no minimum here.
  student_count: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
}

export const ClassOut = z.object(classFields)
export type ClassOut = z.infer<typeof ClassOut>

export const ClassList = z.object({ classes: z.array(ClassOut) })
export type ClassList = z.infer<typeof ClassList>

export const ClassDetail = z.object({ ...classFields, students: z.array(StudentOut) })
export type ClassDetail = z.infer<typeof ClassDetail>

/** The contract's models by their JSON schema's title, for the drift test. */
export const CLASS_MODELS = { StudentOut, StudentList, ClassOut, ClassList, ClassDetail } as const
