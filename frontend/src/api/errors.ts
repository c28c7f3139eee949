/**
 * Every failure the app shows: the platform's error body
 * `{"error": {"code", "message", "correlation_id", "service", "details"}}` turned into one object
 * whose `message` the UI shows beside a retry button.
 *
 * The platform writes its messages in English for a person to act on; failures that never reached
 * the platform (the network, an answer outside the contract) carry a `messageKey` instead, which the
 * UI translates.
 */
import { ErrorResponse } from './schemas'

/** Codes the client gives failures that have no error body of their own. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'INVALID_RESPONSE' | 'UNEXPECTED_STATUS' | 'SESSION_ENDED'

export interface ApiErrorInit {
  status: number
  code: string
  message: string
  messageKey?: string
  correlationId?: string | null
  service?: string | null
  details?: Record<string, unknown>
  retryAfterSeconds?: number | null
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  /** An i18n key for failures the platform did not describe; undefined when `message` is the platform's. */
  readonly messageKey: string | undefined
  readonly correlationId: string | null
  readonly service: string | null
  readonly details: Record<string, unknown>
  readonly retryAfterSeconds: number | null

  constructor(init: ApiErrorInit) {
    super(init.message)
    this.name = 'ApiError'
    this.status = init.status
    this.code = init.code
    this.messageKey = init.messageKey
    this.correlationId = init.correlationId ?? null
    this.service = init.service ?? null
    this.details = init.details ?? {}
    this.retryAfterSeconds = init.retryAfterSeconds ?? null
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError
}

function retryAfter(response: Response): number | null {
  const header = response.headers.get('Retry-After')
  if (header === null) return null
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds)
  const date = Date.parse(header)
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

/** The error a non-2xx answer stands for: its error body when it has one, else a generic one. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = undefined
  try {
    body = await response.json()
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): described by its status below.
  }
  const parsed = ErrorResponse.safeParse(body)
  if (parsed.success) {
    const error = parsed.data.error
    return new ApiError({
      status: response.status,
      code: error.code,
      message: error.message,
      correlationId: error.correlation_id ?? null,
      service: error.service,
      details: error.details ?? {},
      retryAfterSeconds: retryAfter(response),
    })
  }
  return new ApiError({
    status: response.status,
    code: 'UNEXPECTED_STATUS',
    message: `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
    messageKey: 'errors.unexpectedStatus',
    retryAfterSeconds: retryAfter(response),
  })
}

export function networkError(cause: unknown): ApiError {
  const error = new ApiError({
    status: 0,
    code: 'NETWORK_ERROR',
    message: 'The server could not be reached.',
    messageKey: 'errors.network',
  })
  ;(error as { cause?: unknown }).cause = cause
  return error
}

export function invalidResponseError(path: string, issues: string): ApiError {
  return new ApiError({
    status: 200,
    code: 'INVALID_RESPONSE',
    message: `The answer from ${path} was not what the app expects: ${issues}`,
    messageKey: 'errors.invalidResponse',
  })
}

export function sessionEndedError(reason?: ApiError): ApiError {
  return new ApiError({
    status: 401,
    code: 'SESSION_ENDED',
    message: reason?.message ?? 'Your session has ended; sign in again.',
    messageKey: 'errors.sessionEnded',
  })
}
