import { describe, expect, it } from 'vitest'

import { contractSchema, type JsonSchema } from '@/testing/contract'

import { ComparisonOutcome } from './results'

// The fields of every model here are checked with all the others' in `../schemas.test.ts`.
describe('the results schemas follow the contract', () => {
  it('has the contract enumerations', () => {
    const row = contractSchema('EssayDetailView').$defs?.EssayComparisonRow
    expect(ComparisonOutcome.options).toEqual((row?.properties?.outcome as JsonSchema).enum)
  })
})
