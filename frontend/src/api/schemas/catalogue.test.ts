import { describe, expect, it } from 'vitest'

import { contractExample, contractSchema, type JsonSchema } from '@/testing/contract'

import { BatchingMode, CircuitBreaker, ModelCatalogue } from './catalogue'

// The fields of every model here are checked with all the others' in `../schemas.test.ts`.
describe('the model catalogue follows the contract', () => {
  it.each(['ModelCatalogue', 'NewBatchOptions'])('has the contract enumerations (%s)', (model) => {
    const defs = contractSchema(model).$defs ?? {}
    expect(BatchingMode.options).toEqual(defs.BatchingMode?.enum)
    const breaker = defs.CatalogueProvider?.properties?.circuit_breaker as JsonSchema
    expect(CircuitBreaker.options).toEqual(breaker.enum)
  })

  it("keeps the contract's providers and refuses any other (its propertyNames)", () => {
    const catalogue = contractExample<{ providers: Record<string, unknown> }>('ModelCatalogue')
    expect(Object.keys(ModelCatalogue.parse(catalogue).providers).sort()).toEqual(['mock', 'openai'])
    catalogue.providers['brand_new'] = catalogue.providers['mock']
    expect(ModelCatalogue.safeParse(catalogue).success).toBe(false)
  })
})
