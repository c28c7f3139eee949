/**
 * Field-level errors of a refused command, to show beside the fields. The platform lists them in the
 * error body's `details.fields` as `{field, message}`: the gateway names a body field `body.<name>`
 * (FastAPI's location), the owning service `<name>`; both are reduced to the form's field name.
 */
import type { ApiError } from '@/api/errors'

export type FieldErrors = Record<string, string>

export function fieldErrorsOf(error: ApiError | null): FieldErrors {
  const listed = error?.details.fields
  if (!Array.isArray(listed)) return {}
  const found: FieldErrors = {}
  for (const item of listed) {
    if (typeof item !== 'object' || item === null) continue
    const { field, message } = item as { field?: unknown; message?: unknown }
    if (typeof field !== 'string' || typeof message !== 'string') continue
    const name = field.replace(/^body\.?/, '').split('.')[0] ?? ''
    if (name && !(name in found)) found[name] = message
  }
  return found
}

/** Client-side checks before sending: the platform's own rules, so a teacher reads them in their language. */
export const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/
