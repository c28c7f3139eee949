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
import { ADMIN_DEFINITIONS, ADMIN_MODELS } from './schemas/admin'
import { ASSESSMENT_DEFINITIONS, ASSESSMENT_MODELS } from './schemas/assessments'
import { ASSIGNMENT_DEFINITIONS, ASSIGNMENT_MODELS } from './schemas/assignments'
import { CATALOGUE_DEFINITIONS, CATALOGUE_MODELS } from './schemas/catalogue'
import { CLASS_MODELS } from './schemas/classes'
import { MODERATION_DEFINITIONS, MODERATION_MODELS, ModerationReason } from './schemas/moderation'
import { AccessAction, AccessSubject, ExportedComparison, PRIVACY_DEFINITIONS, PRIVACY_MODELS } from './schemas/privacy'
import { RESULT_DEFINITIONS, RESULT_MODELS } from './schemas/results'
import { WIZARD_DEFINITIONS, WIZARD_MODELS } from './schemas/wizard'

type ObjectSchema = { shape: Record<string, z.ZodType> }
type Named = Record<string, z.ZodType>

/**
 * Every hand-written model, by the module that defines it: the contract's models by their JSON
 * schema's title, the nested ones by their `$defs` name. Each model is in one map only.
 */
const AREAS: Record<string, { models: Named; definitions: Named }> = {
  schemas: { models: MODELS, definitions: DEFINITIONS },
  catalogue: { models: CATALOGUE_MODELS, definitions: CATALOGUE_DEFINITIONS },
  assessments: { models: ASSESSMENT_MODELS, definitions: ASSESSMENT_DEFINITIONS },
  classes: { models: CLASS_MODELS, definitions: {} },
  assignments: { models: ASSIGNMENT_MODELS, definitions: ASSIGNMENT_DEFINITIONS },
  results: { models: RESULT_MODELS, definitions: RESULT_DEFINITIONS },
  wizard: { models: WIZARD_MODELS, definitions: WIZARD_DEFINITIONS },
  admin: { models: ADMIN_MODELS, definitions: ADMIN_DEFINITIONS },
  privacy: { models: PRIVACY_MODELS, definitions: PRIVACY_DEFINITIONS },
  moderation: { models: MODERATION_MODELS, definitions: MODERATION_DEFINITIONS },
}

/** `[name, schema]` of every model, or of every nested one. */
const entries = (part: 'models' | 'definitions') => Object.values(AREAS).flatMap((maps) => Object.entries(maps[part]))
const models = entries('models')
const definitions = entries('definitions')

/** Every `$defs` entry of that name in the contract's schemas of the models above. */
function occurrences(name: string): JsonSchema[] {
  const found = models.map(([model]) => contractSchema(model).$defs?.[name])
  return found.filter((json): json is JsonSchema => json !== undefined)
}

/** The first `$defs` entry of that name. */
function definition(name: string): JsonSchema {
  const found = occurrences(name)[0]
  if (!found) throw new Error(`no $defs/${name} in the contract's schemas`)
  return found
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
  it('checks each model once: no name and no schema in two maps', () => {
    const all = [...models, ...definitions]
    const names = all.map(([name]) => name)
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([])
    expect(new Set(all.map(([, schema]) => schema)).size).toBe(all.length)
  })

  it.each(models)('%s parses the contract example', (name, schema) => {
    expect(() => schema.parse(contractExample(name))).not.toThrow()
  })

  it.each(models)('%s has the JSON schema fields', (name, schema) => {
    // Its own schema, and the same model nested in the others' (`$defs`), if it is.
    for (const json of [contractSchema(name), ...occurrences(name)]) {
      fieldsMatch(schema as unknown as ObjectSchema, json)
    }
  })

  it.each(definitions)('$defs/%s has the JSON schema fields', (name, schema) => {
    const found = occurrences(name)
    expect(found.length, `no $defs/${name} in the contract's schemas`).toBeGreaterThan(0)
    for (const json of found) fieldsMatch(schema as unknown as ObjectSchema, json)
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
    expect(AccessAction.options).toEqual(definition('AccessAction').enum)
    expect(AccessSubject.options).toEqual(definition('AccessSubject').enum)
    const outcome = definition('ExportedComparison').properties?.outcome as JsonSchema
    expect(ExportedComparison.shape.outcome.options).toEqual(outcome.enum)
    const reasons = definition('ModerationScreenPair').properties?.reason as JsonSchema
    expect(ModerationReason.options).toEqual(reasons.enum)
  })

  it('rejects an answer that breaks the contract', () => {
    const view = contractExample<{ batch: { status: string } }>('BatchResultsView')
    view.batch.status = 'exploded'
    expect(MODELS.BatchResultsView.safeParse(view).success).toBe(false)
  })
})
