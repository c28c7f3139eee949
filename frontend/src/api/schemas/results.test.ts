import { describe, expect, it } from 'vitest'
import type { z } from 'zod'

import { contractExample, contractSchema, type JsonSchema } from '@/testing/contract'

import { BatchingMode, ComparisonOutcome, ModelCatalogue, RESULT_DEFINITIONS, RESULT_MODELS } from './results'

type ObjectSchema = { shape: Record<string, z.ZodType> }

/** The `$defs` entry of that name in any of these models' JSON schemas. */
function definition(name: string): JsonSchema {
  for (const model of [...Object.keys(RESULT_MODELS), 'StartAssessmentRequest']) {
    const found = contractSchema(model).$defs?.[name]
    if (found) return found
  }
  throw new Error(`no $defs/${name} in the contract's schemas`)
}

function fieldsMatch(zodSchema: ObjectSchema, json: JsonSchema) {
  const properties = Object.keys(json.properties ?? {}).sort()
  expect(Object.keys(zodSchema.shape).sort()).toEqual(properties)
  for (const field of properties) {
    const acceptsMissing = zodSchema.shape[field]!.safeParse(undefined).success
    expect({ field, acceptsMissing }).toEqual({ field, acceptsMissing: !(json.required ?? []).includes(field) })
  }
}

describe('the results schemas follow the contract', () => {
  it.each(Object.keys(RESULT_MODELS))('%s parses the contract example', (name) => {
    const schema = RESULT_MODELS[name as keyof typeof RESULT_MODELS]
    expect(() => schema.parse(contractExample(name))).not.toThrow()
  })

  it.each(Object.keys(RESULT_MODELS))('%s has the JSON schema fields', (name) => {
    fieldsMatch(RESULT_MODELS[name as keyof typeof RESULT_MODELS] as unknown as ObjectSchema, contractSchema(name))
  })

  it.each(Object.keys(RESULT_DEFINITIONS))('$defs/%s has the JSON schema fields', (name) => {
    fieldsMatch(RESULT_DEFINITIONS[name as keyof typeof RESULT_DEFINITIONS] as unknown as ObjectSchema, definition(name))
  })

  it('has the contract enumerations', () => {
    expect(BatchingMode.options).toEqual(definition('BatchingMode').enum)
    const outcome = definition('EssayComparisonRow').properties?.outcome as JsonSchema
    expect(ComparisonOutcome.options).toEqual(outcome.enum)
  })

  it('sends only fields StartAssessmentRequest has (it refuses any other)', () => {
    const request = contractSchema('StartAssessmentRequest')
    expect(Object.keys(request.properties ?? {})).toEqual(expect.arrayContaining(['language', 'llm']))
    const llm = definition('LLMSettings')
    expect(Object.keys(llm.properties ?? {})).toEqual(expect.arrayContaining(['provider', 'model', 'batching_mode']))
  })

  it('drops a provider the app does not know instead of refusing the catalogue', () => {
    const catalogue = contractExample<{ providers: Record<string, unknown> }>('ModelCatalogue')
    catalogue.providers['brand_new'] = catalogue.providers['mock']
    const parsed = ModelCatalogue.parse(catalogue)
    expect(Object.keys(parsed.providers).sort()).toEqual(['mock', 'openai'])
  })
})
