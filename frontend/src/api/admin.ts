/**
 * The calls of the classes, students, assignments and account screens. Commands go to the gateway's
 * public teacher API (`/v1/classes`, `/v1/students`, `/v1/assignments`, `/v1/auth/password`), which
 * forwards them to the service that owns the data. The assignment page and the grade scales are BFF
 * views; classes and students have no composed view (one owner answers all of it), so those screens
 * read class management's answers through the gateway
 * (docs/decisions/0005-dashboard-reads-bff-writes-gateway.md).
 */
import type { ApiClient, UploadProgress } from './client'
import { apiClient } from './index'
import { AssignmentPageView } from './schemas/admin'
import { AnchorList, AssignmentList, AssignmentView, GradeScaleList } from './schemas/assignments'
import { ClassDetail, ClassList, ClassOut, StudentList, StudentOut } from './schemas/classes'
import { BFF } from './teacher'

const segment = encodeURIComponent

export interface ClassFields {
  name: string
  course_code: string
}

export interface StudentFields {
  first_name: string
  last_name: string
  /** null: no address (on an update: remove it). */
  email: string | null
}

export interface AssignmentFields {
  title: string
  course_code: string
  grade_scale: string
  instructions: string
  /** null: none (on an update: remove it). */
  student_prompt: string | null
  rubric: string | null
  shared: boolean
  /** Names the platform knows for an essay's author are replaced before the text goes to an LLM provider. */
  redact_names: boolean
}

export class AdminApi {
  constructor(readonly client: ApiClient) {}

  // --- classes and students ----------------------------------------------------------------------

  classes(signal?: AbortSignal): Promise<ClassList> {
    return this.client.get('/v1/classes', ClassList, signal)
  }

  /** The class with its roster; 404 when it is not the teacher's. */
  classDetail(classId: string, signal?: AbortSignal): Promise<ClassDetail> {
    return this.client.get(`/v1/classes/${segment(classId)}`, ClassDetail, signal)
  }

  createClass(body: ClassFields): Promise<ClassOut> {
    return this.client.request('/v1/classes', ClassOut, { method: 'POST', body })
  }

  /** Only the fields given change. */
  updateClass(classId: string, body: Partial<ClassFields>): Promise<ClassOut> {
    return this.client.request(`/v1/classes/${segment(classId)}`, ClassOut, { method: 'PATCH', body })
  }

  /** The class and its roster entries go; the students stay. */
  deleteClass(classId: string): Promise<void> {
    return this.client.requestNoContent(`/v1/classes/${segment(classId)}`, { method: 'DELETE' })
  }

  /** Every student of the teacher, in any class or none. */
  students(signal?: AbortSignal): Promise<StudentList> {
    return this.client.get('/v1/students', StudentList, signal)
  }

  createStudent(body: StudentFields & { class_ids: string[] }): Promise<StudentOut> {
    return this.client.request('/v1/students', StudentOut, { method: 'POST', body })
  }

  /** Only the fields given change; `email: null` removes the address. */
  updateStudent(studentId: string, body: Partial<StudentFields>): Promise<StudentOut> {
    return this.client.request(`/v1/students/${segment(studentId)}`, StudentOut, { method: 'PATCH', body })
  }

  /** The student goes from every class roster too. */
  deleteStudent(studentId: string): Promise<void> {
    return this.client.requestNoContent(`/v1/students/${segment(studentId)}`, { method: 'DELETE' })
  }

  addToRoster(classId: string, studentId: string): Promise<void> {
    return this.client.requestNoContent(`/v1/classes/${segment(classId)}/students/${segment(studentId)}`, {
      method: 'PUT',
    })
  }

  removeFromRoster(classId: string, studentId: string): Promise<void> {
    return this.client.requestNoContent(`/v1/classes/${segment(classId)}/students/${segment(studentId)}`, {
      method: 'DELETE',
    })
  }

  // --- assignments and anchors -------------------------------------------------------------------

  /** The teacher's own assignments and the ones shared with everyone. */
  assignments(signal?: AbortSignal): Promise<AssignmentList> {
    return this.client.get('/v1/assignments', AssignmentList, signal)
  }

  /** The assignment page: the assignment, its anchors and scale, and the last batch that used it. */
  assignmentPage(assignmentId: string, signal?: AbortSignal): Promise<AssignmentPageView> {
    return this.client.get(`${BFF}/assignments/${segment(assignmentId)}`, AssignmentPageView, signal)
  }

  gradeScales(signal?: AbortSignal): Promise<GradeScaleList> {
    return this.client.get(`${BFF}/grade-scales`, GradeScaleList, signal)
  }

  createAssignment(body: AssignmentFields): Promise<AssignmentView> {
    return this.client.request('/v1/assignments', AssignmentView, { method: 'POST', body })
  }

  /** Only the fields given change (owner only: 403 otherwise). */
  updateAssignment(assignmentId: string, body: Partial<AssignmentFields>): Promise<AssignmentView> {
    return this.client.request(`/v1/assignments/${segment(assignmentId)}`, AssignmentView, { method: 'PATCH', body })
  }

  /**
   * Many anchors at once, all or nothing: one file per anchor (its label is the file name without
   * the extension) and their grades as a JSON file `{label: grade}`.
   */
  uploadAnchors(
    assignmentId: string,
    files: File[],
    grades: Record<string, string>,
    onProgress?: (progress: UploadProgress) => void,
  ): Promise<AnchorList> {
    const form = new FormData()
    for (const file of files) form.append('files', file, file.name)
    const gradesFile = new Blob([JSON.stringify(grades)], { type: 'application/json' })
    form.append('grades', gradesFile, 'grades.json')
    return this.client.upload(`/v1/assignments/${segment(assignmentId)}/anchors/bulk`, form, AnchorList, {
      onProgress,
    })
  }

  deleteAnchor(assignmentId: string, anchorId: string): Promise<void> {
    return this.client.requestNoContent(`/v1/assignments/${segment(assignmentId)}/anchors/${segment(anchorId)}`, {
      method: 'DELETE',
    })
  }

  // --- the account -------------------------------------------------------------------------------

  /** 204; 400 for a new password that breaks the rules, 403 for a wrong current one, 429 when locked. */
  changePassword(oldPassword: string, newPassword: string): Promise<void> {
    return this.client.requestNoContent('/v1/auth/password', {
      method: 'POST',
      body: { old_password: oldPassword, new_password: newPassword },
    })
  }
}

export const adminApi = new AdminApi(apiClient)
