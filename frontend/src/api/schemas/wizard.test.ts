import { describe, expect, it } from 'vitest'
import type { z } from 'zod'

import { contractExample, contractSchema, type JsonSchema } from '@/testing/contract'

import {
  AssociationStatus,
  BatchingMode,
  CircuitBreaker,
  UploadOutcome,
  WIZARD_DEFINITIONS,
  WIZARD_MODELS,
} from './wizard'

type ObjectSchema = { shape: Record<string, z.ZodType> }

function definition(name: string): JsonSchema {
  for (const model of Object.keys(WIZARD_MODELS)) {
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

function propertyEnum(model: string, property: string): string[] | undefined {
  return (definition(model).properties?.[property] as JsonSchema | undefined)?.enum
}

describe("the wizard's schemas follow the contract", () => {
  it.each(Object.keys(WIZARD_MODELS))('%s parses the contract example', (name) => {
    const schema = WIZARD_MODELS[name as keyof typeof WIZARD_MODELS]
    expect(() => schema.parse(contractExample(name))).not.toThrow()
  })

  it.each(Object.keys(WIZARD_MODELS))('%s has the JSON schema fields', (name) => {
    fieldsMatch(WIZARD_MODELS[name as keyof typeof WIZARD_MODELS] as unknown as ObjectSchema, contractSchema(name))
  })

  it.each(Object.keys(WIZARD_DEFINITIONS))('$defs/%s has the JSON schema fields', (name) => {
    fieldsMatch(WIZARD_DEFINITIONS[name as keyof typeof WIZARD_DEFINITIONS] as unknown as ObjectSchema, definition(name))
  })

  it('has the contract enumerations', () => {
    expect(BatchingMode.options).toEqual(definition('BatchingMode').enum)
    expect(UploadOutcome.options).toEqual(definition('UploadOutcome').enum)
    expect(AssociationStatus.options).toEqual(propertyEnum('EssayAssociationOut', 'status'))
    expect(CircuitBreaker.options).toEqual(propertyEnum('CatalogueProvider', 'circuit_breaker'))
  })

  it('parses the standalone examples of nested models too', () => {
    expect(() => WIZARD_DEFINITIONS.ModelCatalogue.parse(contractExample('ModelCatalogue'))).not.toThrow()
    expect(() => WIZARD_DEFINITIONS.FileOutcome.parse(contractExample('FileOutcome'))).not.toThrow()
    expect(() => WIZARD_DEFINITIONS.ClassOut.parse(contractExample('ClassOut'))).not.toThrow()
  })

  it('rejects an answer that breaks the contract', () => {
    const upload = contractExample<{ files: { outcome: string }[] }>('UploadResult')
    upload.files[0]!.outcome = 'maybe'
    expect(WIZARD_MODELS.UploadResult.safeParse(upload).success).toBe(false)
    const estimate = contractExample<{ essay_count: number }>('AssessmentEstimate')
    estimate.essay_count = 1
    expect(WIZARD_MODELS.AssessmentEstimate.safeParse(estimate).success).toBe(false)
  })
})
