/**
 * Teacher moderation (issue 24). Reads are the BFF's views under the batch
 * (`/bff/v1/teacher/batches/{id}/moderation/...`, and the teacher's invitations); commands go to the
 * gateway's public API (`/v1/batches/{id}/moderation/...`), as decision 0005 has it. The batch's
 * teacher and the colleagues they invited reach them; anyone else gets 404.
 */
import type { ApiClient } from './client'
import { apiClient } from './index'
import {
  ModerationInvitations,
  ModerationReport,
  ModerationScreen,
  ModerationVerdictView,
  ModeratorList,
} from './schemas/moderation'
import { BFF } from './teacher'

const base = (batchId: string) => `${BFF}/batches/${encodeURIComponent(batchId)}/moderation`
const command = (batchId: string) => `/v1/batches/${encodeURIComponent(batchId)}/moderation`

export interface Verdict {
  first: string
  second: string
  winner: string
  reason?: string
}

export class ModerationApi {
  constructor(readonly client: ApiClient) {}

  next(batchId: string, signal?: AbortSignal): Promise<ModerationScreen> {
    return this.client.get(`${base(batchId)}/next`, ModerationScreen, signal)
  }

  /** 201; 409 when this teacher has judged the pair already. */
  verdict(batchId: string, verdict: Verdict): Promise<ModerationVerdictView> {
    const body = verdict.reason?.trim() ? verdict : { ...verdict, reason: undefined }
    return this.client.request(`${command(batchId)}/verdicts`, ModerationVerdictView, { method: 'POST', body })
  }

  /** Takes back this teacher's latest verdict; 404 without one. */
  undo(batchId: string): Promise<ModerationVerdictView> {
    return this.client.request(`${command(batchId)}/verdicts/last`, ModerationVerdictView, { method: 'DELETE' })
  }

  report(batchId: string, signal?: AbortSignal): Promise<ModerationReport> {
    return this.client.get(`${base(batchId)}/report`, ModerationReport, signal)
  }

  moderators(batchId: string, signal?: AbortSignal): Promise<ModeratorList> {
    return this.client.get(`${base(batchId)}/moderators`, ModeratorList, signal)
  }

  /** Invites an existing account by its email; 404 when no account uses it. */
  invite(batchId: string, email: string): Promise<ModeratorList> {
    return this.client.request(`${command(batchId)}/moderators`, ModeratorList, { method: 'POST', body: { email } })
  }

  remove(batchId: string, userId: string): Promise<ModeratorList> {
    const path = `${command(batchId)}/moderators/${encodeURIComponent(userId)}`
    return this.client.request(path, ModeratorList, { method: 'DELETE' })
  }

  invitations(signal?: AbortSignal): Promise<ModerationInvitations> {
    return this.client.get(`${BFF}/moderation/invitations`, ModerationInvitations, signal)
  }
}

export const moderationApi = new ModerationApi(apiClient)
