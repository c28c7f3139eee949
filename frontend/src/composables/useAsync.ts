/**
 * A screen's data: loading, the answer, or the error to show with a retry. A quiet reload (polling,
 * a refresh after live progress ended) keeps the answer on screen while it runs and when it fails.
 */
import { onBeforeUnmount, ref, shallowRef, type Ref, type ShallowRef } from 'vue'

import { ApiError } from '@/api/errors'

export interface AsyncState<T> {
  data: ShallowRef<T | null>
  error: ShallowRef<ApiError | null>
  loading: Ref<boolean>
  load: (options?: { quiet?: boolean }) => Promise<T | null>
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  return new ApiError({
    status: 0,
    code: 'CLIENT_ERROR',
    message: error instanceof Error ? error.message : String(error),
    messageKey: 'errors.unexpectedStatus',
  })
}

export function useAsync<T>(loader: (signal: AbortSignal) => Promise<T>): AsyncState<T> {
  const data = shallowRef<T | null>(null)
  const error = shallowRef<ApiError | null>(null)
  const loading = ref(false)
  let current: AbortController | null = null

  async function load(options: { quiet?: boolean } = {}): Promise<T | null> {
    current?.abort()
    const abort = new AbortController()
    current = abort
    if (!options.quiet) loading.value = true
    try {
      const answer = await loader(abort.signal)
      if (abort.signal.aborted) return null
      data.value = answer
      error.value = null
      return answer
    } catch (caught) {
      if (abort.signal.aborted) return null
      error.value = toApiError(caught)
      return null
    } finally {
      if (current === abort) {
        current = null
        loading.value = false
      }
    }
  }

  onBeforeUnmount(() => current?.abort())
  return { data, error, loading, load }
}
