import { describe, expect, it } from 'vitest'

import { contractExample, contractSchema } from '@/testing/contract'

import { AssessmentEstimate } from './assessments'

// The fields of every model here are checked with all the others' in `../schemas.test.ts`.
describe('the estimate and the start follow the contract', () => {
  it('sends only fields StartAssessmentRequest has (it refuses any other)', () => {
    const request = contractSchema('StartAssessmentRequest')
    expect(Object.keys(request.properties ?? {})).toEqual(expect.arrayContaining(['language', 'llm']))
    const llm = request.$defs?.LLMSettings
    expect(Object.keys(llm?.properties ?? {})).toEqual(expect.arrayContaining(['provider', 'model', 'batching_mode']))
  })

  it('rejects an estimate that breaks the contract', () => {
    const estimate = contractExample<{ essay_count: number }>('AssessmentEstimate')
    estimate.essay_count = 1
    expect(AssessmentEstimate.safeParse(estimate).success).toBe(false)
  })
})
