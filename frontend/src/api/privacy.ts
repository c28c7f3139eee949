/**
 * Student data protection (issue 23, docs/data-protection.md): the teacher's access log (a BFF
 * view), a student's data export, erasing a student in two steps, and deleting the account (the
 * gateway's public API).
 */
import type { ApiClient } from './client'
import { filenameFromDisposition, saveBlob } from './download'
import { invalidResponseError, type ApiError } from './errors'
import { apiClient } from './index'
import { AccessLogView, SharedAssignmentRef, StudentDataExport, StudentErasurePreview } from './schemas/privacy'
import { BFF } from './teacher'

const segment = encodeURIComponent

/** Entries per page of the access log (the platform allows up to 200). */
export const ACCESS_LOG_PAGE = 50

export class PrivacyApi {
  constructor(readonly client: ApiClient) {}

  /** One page of the access log, newest first: the entries older than `before` when given. */
  accessLog(before: string | null, signal?: AbortSignal, limit = ACCESS_LOG_PAGE): Promise<AccessLogView> {
    const query = new URLSearchParams({ limit: String(limit) })
    if (before !== null) query.set('before', before)
    return this.client.get(`${BFF}/access-log?${query}`, AccessLogView, signal)
  }

  /**
   * Everything the platform holds about the student, saved as the JSON file the gateway names. The
   * file is checked against the contract first, so a broken answer is an error, not a saved file.
   */
  async exportStudent(studentId: string, fallbackName: string): Promise<void> {
    const path = `/v1/students/${segment(studentId)}/export`
    const response = await this.client.authorizedFetch(path, { headers: { Accept: 'application/json' } })
    const text = await response.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw invalidResponseError(path, 'not JSON')
    }
    if (!StudentDataExport.safeParse(body).success) throw invalidResponseError(path, 'not a StudentDataExport')
    const name = filenameFromDisposition(response.headers.get('Content-Disposition'), `${fallbackName}.json`)
    saveBlob(new Blob([text], { type: 'application/json' }), name)
  }

  /** What erasing the student would remove, with the token that confirms exactly that. */
  erasurePreview(studentId: string, signal?: AbortSignal): Promise<StudentErasurePreview> {
    return this.client.get(`/v1/students/${segment(studentId)}/erasure`, StudentErasurePreview, signal)
  }

  /** 204; 409 when the essays changed since the preview, or its token expired (nothing is erased then). */
  eraseStudent(studentId: string, confirmationToken: string): Promise<void> {
    return this.client.requestNoContent(`/v1/students/${segment(studentId)}/erasure`, {
      method: 'POST',
      body: { confirmation_token: confirmationToken },
    })
  }

  /**
   * 204, and every session of the account has ended; 403 for a wrong password, 429 when locked, 409
   * while the account shares assignments ({@link sharedAssignmentsOf} lists them).
   */
  deleteAccount(password: string): Promise<void> {
    return this.client.requestNoContent('/v1/account', { method: 'DELETE', body: { password } })
  }
}

/** The assignments a refused account deletion names (409 `details.shared_assignments`); none otherwise. */
export function sharedAssignmentsOf(error: ApiError): SharedAssignmentRef[] {
  if (error.status !== 409) return []
  const parsed = SharedAssignmentRef.array().safeParse(error.details.shared_assignments)
  return parsed.success ? parsed.data : []
}

export const privacyApi = new PrivacyApi(apiClient)
