import { describe, expect, it } from 'vitest'

import { AssessmentEstimate } from '@/api/schemas/assessments'
import { ModelCatalogue as Catalogue, type ModelCatalogue } from '@/api/schemas/catalogue'
import { StudentOut as Student, type StudentOut } from '@/api/schemas/classes'
import type { BatchAssociations, BatchView, EssayAssociationOut, EssayList } from '@/api/schemas/wizard'
import { BatchAssociations as Associations, BatchView as Batch, EssayList as Essays } from '@/api/schemas/wizard'
import { contractExample } from '@/testing/contract'

import {
  addToQueue,
  confirmAll,
  createBatchRequest,
  durationUnits,
  firstStepToDo,
  inChunks,
  isConfirmable,
  isSupportedFile,
  modeFor,
  modelChoices,
  newIdempotencyKey,
  notYetMatched,
  preselect,
  repeatedChoices,
  sortStudents,
  StartKeys,
  validateDetails,
} from './wizard'

const E1 = '10000000-0000-4000-8000-000000000001'
const E2 = '10000000-0000-4000-8000-000000000002'
const E3 = '10000000-0000-4000-8000-000000000003'
const S1 = '20000000-0000-4000-8000-000000000001'
const S2 = '20000000-0000-4000-8000-000000000002'

function batch(change: Partial<BatchView> = {}): BatchView {
  return { ...Batch.parse(contractExample('BatchView')), ...change }
}

function essays(...ids: string[]): EssayList {
  const example = Essays.parse(contractExample('EssayList'))
  return { ...example, items: ids.map((essay_id, i) => ({ ...example.items[0]!, essay_id, filename: `e${i}.txt` })) }
}

function association(essay_id: string, change: Partial<EssayAssociationOut> = {}): EssayAssociationOut {
  return {
    essay_id,
    filename: `${essay_id}.txt`,
    author_hint: null,
    status: 'unmatched',
    student_id: null,
    suggested_student_id: null,
    confidence: null,
    evidence: null,
    confirmed_at: null,
    ...change,
  }
}

function associations(...rows: EssayAssociationOut[]): BatchAssociations {
  return { ...Associations.parse(contractExample('BatchAssociations')), essays: rows }
}

describe('where a draft resumes', () => {
  it('asks for essays while there are none', () => {
    expect(firstStepToDo(batch(), essays(), null)).toBe('essays')
  })

  it('opens the names while a suggestion waits or the matching has not seen every essay', () => {
    const suggested = associations(association(E1, { status: 'suggested', student_id: S1, suggested_student_id: S1 }))
    expect(firstStepToDo(batch(), essays(E1), suggested)).toBe('names')
    expect(firstStepToDo(batch(), essays(E1, E2), associations(association(E1, { status: 'confirmed', student_id: S1 })))).toBe('names')
    expect(firstStepToDo(batch(), essays(E1), null)).toBe('names')
  })

  it('goes to the start once every essay is confirmed or left unmatched, or when there is no class', () => {
    const done = associations(association(E1, { status: 'confirmed', student_id: S1 }), association(E2))
    expect(firstStepToDo(batch(), essays(E1, E2), done)).toBe('start')
    expect(firstStepToDo(batch({ class_id: null }), essays(E1), null)).toBe('start')
  })

  it('offers only the names for a batch already started', () => {
    expect(firstStepToDo(batch({ status: 'completed' }), essays(E1), null)).toBe('names')
  })
})

describe("the batch's details", () => {
  it('requires a title and a course code, within their lengths', () => {
    expect(validateDetails({ title: '  ', courseCode: '', classId: '', assignmentId: '' })).toEqual({
      title: 'required',
      courseCode: 'required',
    })
    expect(validateDetails({ title: 'x'.repeat(201), courseCode: 'y'.repeat(51), classId: '', assignmentId: '' })).toEqual({
      title: 'tooLong',
      courseCode: 'tooLong',
    })
    expect(validateDetails({ title: 'Essays', courseCode: 'ENG5', classId: '', assignmentId: '' })).toEqual({})
  })

  it('sends trimmed text and null for no class or assignment', () => {
    expect(createBatchRequest({ title: ' Essays 9B ', courseCode: ' ENG5 ', classId: '', assignmentId: E1 })).toEqual({
      title: 'Essays 9B',
      course_code: 'ENG5',
      class_id: null,
      assignment_id: E1,
    })
  })
})

describe('the upload queue', () => {
  it('queues a file once, however often it is chosen', () => {
    const a = new File(['a'], 'a.txt', { lastModified: 1 })
    const again = new File(['a'], 'a.txt', { lastModified: 1 })
    const other = new File(['bb'], 'a.txt', { lastModified: 1 })
    expect(addToQueue([a], [again, other]).map((file) => file.size)).toEqual([1, 2])
  })

  it('knows the types the platform reads', () => {
    expect(['x.TXT', 'x.md', 'x.docx', 'x.pdf'].every(isSupportedFile)).toBe(true)
    expect(['x.jpg', 'x.doc', 'pdf'].some(isSupportedFile)).toBe(false)
  })
})

describe('the names', () => {
  const roster: StudentOut[] = [
    { ...Student.parse(contractExample<{ students: unknown[] }>('StudentList').students[0]), student_id: S1, first_name: 'Örjan', last_name: 'Ek' },
    { ...Student.parse(contractExample<{ students: unknown[] }>('StudentList').students[0]), student_id: S2, first_name: 'Astrid', last_name: 'Ek' },
  ]

  it('counts essays the matching has not listed yet', () => {
    expect(notYetMatched(essays(E1, E2, E3), associations(association(E2)))).toBe(2)
    expect(notYetMatched(essays(E1), null)).toBe(1)
  })

  it('sorts the roster by last name, then first name, in the given language', () => {
    expect(sortStudents(roster, 'sv').map((student) => student.first_name)).toEqual(['Astrid', 'Örjan'])
  })

  it('confirms all shown choices of unconfirmed essays, leaving "no student" unmatched', () => {
    const rows = [
      association(E1, { status: 'suggested', student_id: S1, suggested_student_id: S1 }),
      association(E2, { status: 'unmatched' }),
      association(E3, { status: 'confirmed', student_id: S2 }),
    ]
    expect(confirmAll(rows, { [E1]: S2, [E2]: '', [E3]: S2 })).toEqual([{ essay_id: E1, student_id: S2 }])
    expect(confirmAll(rows, { [E1]: S1, [E2]: S1, [E3]: S2 })).toHaveLength(2)
  })

  it('lets a row be confirmed when it shows a student other than the confirmed one', () => {
    const confirmed = association(E1, { status: 'confirmed', student_id: S1 })
    expect(isConfirmable(confirmed, S1)).toBe(false)
    expect(isConfirmable(confirmed, S2)).toBe(true)
    expect(isConfirmable(association(E2), '')).toBe(false)
    expect(isConfirmable(association(E2), S1)).toBe(true)
  })

  it('notices a student chosen for two essays', () => {
    expect([...repeatedChoices({ [E1]: S1, [E2]: S1, [E3]: '' })]).toEqual([S1])
    expect(repeatedChoices({ [E1]: S1, [E2]: S2, [E3]: '' }).size).toBe(0)
  })

  it('splits confirmations into requests of at most 500', () => {
    expect(inChunks(Array.from({ length: 1001 }, (_, i) => i)).map((chunk) => chunk.length)).toEqual([500, 500, 1])
  })
})

describe('the model choices', () => {
  const catalogue = (): ModelCatalogue => Catalogue.parse(contractExample('ModelCatalogue'))

  it('lists every model with its provider, the platform default marked', () => {
    const choices = modelChoices(catalogue())
    expect(choices.map((choice) => [choice.provider, choice.model, choice.platformDefault, choice.configured])).toEqual([
      ['mock', 'mock-judge', true, true],
      ['openai', 'gpt-5-mini', false, false],
    ])
    expect(modelChoices(null)).toEqual([])
  })

  it('leaves out a wildcard model and one that takes no batching mode', () => {
    const value = catalogue()
    value.providers.openai!.models.push({ ...value.providers.openai!.models[0]!, model: '*' })
    value.providers.openai!.models.push({ ...value.providers.openai!.models[0]!, model: 'none', batching_modes: [] })
    expect(modelChoices(value).map((choice) => choice.model)).toEqual(['mock-judge', 'gpt-5-mini'])
  })

  it('preselects the platform default, else the first runnable provider default', () => {
    expect(preselect(modelChoices(catalogue()))).toEqual({ provider: 'mock', model: 'mock-judge', batching_mode: 'per_request' })
    const withoutMock = catalogue()
    delete withoutMock.providers.mock
    withoutMock.providers.openai!.configured = true
    expect(preselect(modelChoices(withoutMock))).toEqual({ provider: 'openai', model: 'gpt-5-mini', batching_mode: 'per_request' })
    expect(preselect([])).toBeNull()
  })

  it('keeps the batching mode when the model takes it, else falls back', () => {
    const [mock, openai] = modelChoices(catalogue())
    expect(modeFor(openai!, 'provider_batch_api')).toBe('provider_batch_api')
    expect(modeFor(mock!, 'provider_batch_api')).toBe('per_request')
    expect(modeFor({ ...mock!, batchingModes: ['serial_bundle'] }, 'per_request')).toBe('serial_bundle')
  })

  it('splits a duration into hours, minutes and seconds', () => {
    expect(durationUnits(3725.4)).toEqual({ hours: 1, minutes: 2, seconds: 5 })
    expect(durationUnits(2.3)).toEqual({ hours: 0, minutes: 0, seconds: 2 })
  })

  it('parses the example estimate it shows', () => {
    expect(AssessmentEstimate.parse(contractExample('AssessmentEstimate')).comparisons.typical).toBe(72)
  })
})

describe("the start's idempotency key", () => {
  it('is a version 4 UUID', () => {
    expect(newIdempotencyKey()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(newIdempotencyKey((bytes) => bytes.fill(255))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
  })

  it('stays the same for the same settings (a double click, a retry) and changes with them', () => {
    let n = 0
    const keys = new StartKeys(() => `key-${++n}`)
    const mock = { provider: 'mock', model: 'mock-judge', batching_mode: 'per_request' } as const
    expect(keys.keyFor(mock)).toBe('key-1')
    expect(keys.keyFor({ ...mock })).toBe('key-1')
    expect(keys.keyFor({ ...mock, batching_mode: 'serial_bundle' })).toBe('key-2')
    expect(keys.keyFor(mock)).toBe('key-3')
  })
})
