import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'

import { ApiError } from '@/api/errors'
import { AssessmentEstimate, type LLMChoice } from '@/api/schemas/assessments'
import { contractExample } from '@/testing/contract'

import { useEstimate } from './useEstimate'

const MOCK: LLMChoice = { provider: 'mock', model: 'mock-judge', batching_mode: 'per_request' }

function estimateOf(llm: LLMChoice) {
  return { ...AssessmentEstimate.parse(contractExample('AssessmentEstimate')), ...llm }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function setup(fetchEstimate: (llm: LLMChoice, signal: AbortSignal) => Promise<ReturnType<typeof estimateOf>>) {
  const settings = ref<LLMChoice | null>({ ...MOCK })
  const scope = effectScope()
  const state = scope.run(() => useEstimate(settings, fetchEstimate, 400))!
  return { settings, state, scope }
}

describe('useEstimate', () => {
  it('asks once the settings have rested, and shows the answer for those settings', async () => {
    const fetchEstimate = vi.fn(async (llm: LLMChoice) => estimateOf(llm))
    const { state, scope } = setup(fetchEstimate)

    expect(state.loading.value).toBe(true)
    expect(fetchEstimate).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(400)

    expect(fetchEstimate).toHaveBeenCalledTimes(1)
    expect(fetchEstimate.mock.calls[0]![0]).toEqual(MOCK)
    expect(state.estimate.value?.model).toBe('mock-judge')
    expect(state.loading.value).toBe(false)
    scope.stop()
  })

  it('sends one request for quick changes, and aborts the one on its way when they change again', async () => {
    const signals: AbortSignal[] = []
    const fetchEstimate = vi.fn((llm: LLMChoice, signal: AbortSignal) => {
      signals.push(signal)
      return new Promise<ReturnType<typeof estimateOf>>((resolve) => setTimeout(() => resolve(estimateOf(llm)), 1000))
    })
    const { settings, state, scope } = setup(fetchEstimate)

    settings.value = { ...MOCK, batching_mode: 'serial_bundle' }
    await nextTick()
    await vi.advanceTimersByTimeAsync(200)
    settings.value = { ...MOCK, model: 'other' }
    await nextTick()
    await vi.advanceTimersByTimeAsync(400)
    expect(fetchEstimate).toHaveBeenCalledTimes(1)
    expect(fetchEstimate.mock.calls[0]![0].model).toBe('other')

    settings.value = { ...MOCK }
    await nextTick()
    expect(signals[0]!.aborted).toBe(true)
    expect(state.estimate.value).toBeNull()
    await vi.advanceTimersByTimeAsync(1400)

    expect(fetchEstimate).toHaveBeenCalledTimes(2)
    expect(state.estimate.value?.model).toBe('mock-judge')
    scope.stop()
  })

  it('keeps the error (a 409) until the settings change or a retry', async () => {
    const refusal = new ApiError({ status: 409, code: 'CONFLICT', message: 'A batch needs at least 2 essays to be assessed; this one has 1' })
    let fail = true
    const fetchEstimate = vi.fn(async (llm: LLMChoice) => {
      if (fail) throw refusal
      return estimateOf(llm)
    })
    const { state, scope } = setup(fetchEstimate)
    await vi.advanceTimersByTimeAsync(400)

    expect(state.error.value?.message).toContain('at least 2 essays')
    expect(state.estimate.value).toBeNull()
    fail = false
    state.refresh()
    await vi.advanceTimersByTimeAsync(0)

    expect(state.error.value).toBeNull()
    expect(state.estimate.value).not.toBeNull()
    scope.stop()
  })

  it('stops asking when its component goes away', async () => {
    const fetchEstimate = vi.fn(async (llm: LLMChoice) => estimateOf(llm))
    const { scope } = setup(fetchEstimate)
    scope.stop()
    await vi.advanceTimersByTimeAsync(1000)
    expect(fetchEstimate).not.toHaveBeenCalled()
  })
})
