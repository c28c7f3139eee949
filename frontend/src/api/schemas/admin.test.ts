import { describe, expect, it } from 'vitest'
import type { z } from 'zod'

import { contractExample, contractSchema, type JsonSchema } from '@/testing/contract'

import { ADMIN_DEFINITIONS, ADMIN_MODELS, AssignmentPageView } from './admin'

type ObjectSchema = { shape: Record<string, z.ZodType> }

function fieldsMatch(zodSchema: ObjectSchema, json: JsonSchema) {
  const properties = Object.keys(json.properties ?? {}).sort()
  expect(Object.keys(zodSchema.shape).sort()).toEqual(properties)
  for (const field of properties) {
    const acceptsMissing = zodSchema.shape[field]!.safeParse(undefined).success
    // A field the contract may leave out must have a default here; a required one must be checked.
    expect({ field, acceptsMissing }).toEqual({ field, acceptsMissing: !(json.required ?? []).includes(field) })
  }
}

describe('the classes and assignments schemas follow the contract', () => {
  it.each(Object.keys(ADMIN_MODELS))('%s parses the contract example', (name) => {
    const schema = ADMIN_MODELS[name as keyof typeof ADMIN_MODELS]
    expect(() => schema.parse(contractExample(name))).not.toThrow()
  })

  it.each(Object.keys(ADMIN_MODELS))('%s has the JSON schema fields', (name) => {
    fieldsMatch(ADMIN_MODELS[name as keyof typeof ADMIN_MODELS] as unknown as ObjectSchema, contractSchema(name))
  })

  it.each(Object.keys(ADMIN_DEFINITIONS))('$defs/%s has the JSON schema fields', (name) => {
    const json = contractSchema('AssignmentPageView').$defs?.[name]
    expect(json).toBeDefined()
    fieldsMatch(ADMIN_DEFINITIONS[name as keyof typeof ADMIN_DEFINITIONS] as unknown as ObjectSchema, json!)
  })

  it('rejects an assignment page that breaks the contract', () => {
    const view = contractExample<{ last_batch: { anchors: { bt_score: unknown }[] } }>('AssignmentPageView')
    view.last_batch.anchors[0]!.bt_score = 'high'
    expect(AssignmentPageView.safeParse(view).success).toBe(false)
  })
})
