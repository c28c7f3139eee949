import { describe, expect, it } from 'vitest'
import type { z } from 'zod'

import { contractExample, contractSchema, type JsonSchema } from '@/testing/contract'

import {
  BatchNeedingAction,
  BatchStatus,
  CJJobState,
  DEFINITIONS,
  EssayFlag,
  LLMProvider,
  MODELS,
  ViewGap,
} from './schemas'

type ObjectSchema = { shape: Record<string, z.ZodType> }

function definition(name: string): JsonSchema {
  for (const model of Object.keys(MODELS)) {
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
    // A field the contract may leave out must have a default here; a required one must be checked.
    expect({ field, acceptsMissing }).toEqual({ field, acceptsMissing: !(json.required ?? []).includes(field) })
  }
}

describe('the hand-written schemas follow the contract', () => {
  it.each(Object.keys(MODELS))('%s parses the contract example', (name) => {
    const schema = MODELS[name as keyof typeof MODELS]
    expect(() => schema.parse(contractExample(name))).not.toThrow()
  })

  it.each(Object.keys(MODELS))('%s has the JSON schema fields', (name) => {
    fieldsMatch(MODELS[name as keyof typeof MODELS] as unknown as ObjectSchema, contractSchema(name))
  })

  it.each(Object.keys(DEFINITIONS))('$defs/%s has the JSON schema fields', (name) => {
    fieldsMatch(DEFINITIONS[name as keyof typeof DEFINITIONS] as unknown as ObjectSchema, definition(name))
  })

  it('has the contract enumerations', () => {
    expect(BatchStatus.options).toEqual(definition('BatchStatus').enum)
    expect(CJJobState.options).toEqual(definition('CJJobState').enum)
    expect(LLMProvider.options).toEqual(definition('LLMProvider').enum)
    const gapPart = definition('ViewGap').properties?.part as JsonSchema
    expect(ViewGap.shape.part.options).toEqual(gapPart.enum)
    const reason = definition('BatchNeedingAction').properties?.reason as JsonSchema
    expect(BatchNeedingAction.shape.reason.options).toEqual(reason.enum)
    const flags = (definition('EssayRow').properties?.flags as { items: JsonSchema }).items
    expect(EssayFlag.options).toEqual(flags.enum)
  })

  it('rejects an answer that breaks the contract', () => {
    const view = contractExample<{ batch: { status: string } }>('BatchResultsView')
    view.batch.status = 'exploded'
    expect(MODELS.BatchResultsView.safeParse(view).success).toBe(false)
  })
})
