/**
 * The estimate of the start the teacher is about to make, kept in step with the chosen settings:
 * asked again a moment after they last changed (so that stepping through a list of models sends
 * one request, not one per model), the request still on its way aborted. An estimate is only ever
 * shown for the settings it was made for.
 */
import { onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue'

import type { ApiError } from '@/api/errors'
import type { AssessmentEstimate, LLMChoice } from '@/api/schemas/assessments'
import { sameChoice } from '@/domain/wizard'

import { toApiError } from './useAsync'

export const ESTIMATE_DELAY_MS = 400

export interface EstimateState {
  /** The estimate of `settings` as they are now; null while it is on its way or failed. */
  estimate: ShallowRef<AssessmentEstimate | null>
  error: ShallowRef<ApiError | null>
  loading: Ref<boolean>
  /** Asks again at once (the retry after an error). */
  refresh: () => void
}

export function useEstimate(
  settings: Ref<LLMChoice | null>,
  fetchEstimate: (llm: LLMChoice, signal: AbortSignal) => Promise<AssessmentEstimate>,
  delayMs = ESTIMATE_DELAY_MS,
): EstimateState {
  const estimate = shallowRef<AssessmentEstimate | null>(null)
  const error = shallowRef<ApiError | null>(null)
  const loading = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  let inFlight: AbortController | null = null

  function cancel(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
    inFlight?.abort()
    inFlight = null
  }

  async function ask(llm: LLMChoice): Promise<void> {
    const abort = new AbortController()
    inFlight = abort
    try {
      const answer = await fetchEstimate(llm, abort.signal)
      if (abort.signal.aborted || !sameChoice(llm, settings.value)) return
      estimate.value = answer
    } catch (caught) {
      if (abort.signal.aborted) return
      error.value = toApiError(caught)
    } finally {
      if (inFlight === abort) {
        inFlight = null
        loading.value = false
      }
    }
  }

  function schedule(wait: number): void {
    cancel()
    estimate.value = null
    error.value = null
    const llm = settings.value
    if (llm === null) {
      loading.value = false
      return
    }
    const snapshot = { ...llm }
    loading.value = true
    timer = setTimeout(() => {
      timer = null
      void ask(snapshot)
    }, wait)
  }

  watch(settings, () => schedule(delayMs), { deep: true, immediate: true })
  onScopeDispose(cancel)

  return { estimate, error, loading, refresh: () => schedule(0) }
}
