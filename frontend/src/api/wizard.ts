/**
 * The new-batch wizard's calls: its options from the BFF, and the gateway's public teacher API for
 * the batch, its essays, their authors, the estimate and the start
 * (docs/decisions/0005-dashboard-reads-bff-writes-gateway.md).
 */
import { uploadInChunks, type EssayUpload, type EssayUploadOptions } from '@/domain/essayUpload'

import { apiClient } from './index'
import type { ApiClient, UploadProgress } from './client'
import { AssessmentAccepted, AssessmentEstimate, type StartAssessmentRequest } from './schemas/assessments'
import { AnchorList, AssignmentView, GradeScaleList } from './schemas/assignments'
import { StudentList } from './schemas/classes'
import {
  BatchAssociations,
  BatchView,
  EssayList,
  NewBatchOptions,
  UploadResult,
  type ConfirmAssociations,
  type CreateBatchRequest,
} from './schemas/wizard'
import { BFF } from './teacher'

const segment = encodeURIComponent

export class WizardApi {
  constructor(readonly client: ApiClient) {}

  options(signal?: AbortSignal): Promise<NewBatchOptions> {
    return this.client.get(`${BFF}/new-batch/options`, NewBatchOptions, signal)
  }

  /** The registered grade scales with their grades (the same for every teacher). */
  gradeScales(signal?: AbortSignal): Promise<GradeScaleList> {
    return this.client.get(`${BFF}/grade-scales`, GradeScaleList, signal)
  }

  assignment(assignmentId: string, signal?: AbortSignal): Promise<AssignmentView> {
    return this.client.get(`/v1/assignments/${segment(assignmentId)}`, AssignmentView, signal)
  }

  anchors(assignmentId: string, signal?: AbortSignal): Promise<AnchorList> {
    return this.client.get(`/v1/assignments/${segment(assignmentId)}/anchors`, AnchorList, signal)
  }

  createBatch(body: CreateBatchRequest): Promise<BatchView> {
    return this.client.request('/v1/batches', BatchView, { method: 'POST', body })
  }

  renameBatch(batchId: string, title: string): Promise<BatchView> {
    return this.client.request(`/v1/batches/${segment(batchId)}`, BatchView, { method: 'PATCH', body: { title } })
  }

  batch(batchId: string, signal?: AbortSignal): Promise<BatchView> {
    return this.client.get(`/v1/batches/${segment(batchId)}`, BatchView, signal)
  }

  essays(batchId: string, signal?: AbortSignal): Promise<EssayList> {
    return this.client.get(`/v1/batches/${segment(batchId)}/essays`, EssayList, signal)
  }

  /**
   * The files in consecutive multipart requests (field `files`) of at most `MAX_FILES_PER_UPLOAD`,
   * the server's limit per request; each answer has one outcome per file, in order, and the answers
   * come back merged. A cancel or a failure stops it there: see `uploadInChunks`.
   */
  uploadEssays(batchId: string, files: readonly File[], options: EssayUploadOptions = {}): Promise<EssayUpload> {
    return uploadInChunks(files, (chunk, chunkOptions) => this.uploadEssayRequest(batchId, chunk, chunkOptions), options)
  }

  /** One multipart request, field `files` (at most `MAX_FILES_PER_UPLOAD` of them); one outcome per file, in order. */
  uploadEssayRequest(
    batchId: string,
    files: readonly File[],
    options: { signal?: AbortSignal; onProgress?: (progress: UploadProgress) => void } = {},
  ): Promise<UploadResult> {
    const form = new FormData()
    for (const file of files) form.append('files', file, file.name)
    return this.client.upload(`/v1/batches/${segment(batchId)}/essays`, form, UploadResult, options)
  }

  associations(batchId: string, signal?: AbortSignal): Promise<BatchAssociations> {
    return this.client.get(`/v1/batches/${segment(batchId)}/associations`, BatchAssociations, signal)
  }

  confirmAssociations(batchId: string, body: ConfirmAssociations): Promise<BatchAssociations> {
    const path = `/v1/batches/${segment(batchId)}/associations/confirm`
    return this.client.request(path, BatchAssociations, { method: 'POST', body })
  }

  rematch(batchId: string): Promise<BatchAssociations> {
    const path = `/v1/batches/${segment(batchId)}/associations/rematch`
    return this.client.request(path, BatchAssociations, { method: 'POST' })
  }

  /** A class's roster. */
  students(classId: string, signal?: AbortSignal): Promise<StudentList> {
    return this.client.get(`/v1/students?class_id=${segment(classId)}`, StudentList, signal)
  }

  estimate(batchId: string, body: StartAssessmentRequest, signal?: AbortSignal): Promise<AssessmentEstimate> {
    const path = `/v1/batches/${segment(batchId)}/estimate`
    return this.client.request(path, AssessmentEstimate, { method: 'POST', body, signal })
  }

  /** Starts the assessment; the same key and body again answers the same request instead of a second run. */
  start(batchId: string, body: StartAssessmentRequest, idempotencyKey: string): Promise<AssessmentAccepted> {
    const path = `/v1/batches/${segment(batchId)}/assessments`
    return this.client.request(path, AssessmentAccepted, {
      method: 'POST',
      body,
      headers: { 'Idempotency-Key': idempotencyKey },
    })
  }
}

export const wizardApi = new WizardApi(apiClient)
