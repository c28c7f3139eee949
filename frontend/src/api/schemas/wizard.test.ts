import { describe, expect, it } from 'vitest'

import { contractExample, contractSchema, type JsonSchema } from '@/testing/contract'

import { AssociationStatus, FileOutcome, UploadOutcome, UploadResult } from './wizard'

// The fields of every model here are checked with all the others' in `../schemas.test.ts`.
describe("the wizard's schemas follow the contract", () => {
  it('has the contract enumerations', () => {
    expect(UploadOutcome.options).toEqual(contractSchema('UploadResult').$defs?.UploadOutcome?.enum)
    const association = contractSchema('BatchAssociations').$defs?.EssayAssociationOut
    expect(AssociationStatus.options).toEqual((association?.properties?.status as JsonSchema).enum)
  })

  it('parses the standalone example of a nested model too', () => {
    expect(() => FileOutcome.parse(contractExample('FileOutcome'))).not.toThrow()
  })

  it('rejects an answer that breaks the contract', () => {
    const upload = contractExample<{ files: { outcome: string }[] }>('UploadResult')
    upload.files[0]!.outcome = 'maybe'
    expect(UploadResult.safeParse(upload).success).toBe(false)
  })
})
