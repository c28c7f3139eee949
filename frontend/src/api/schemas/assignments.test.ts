import { describe, expect, it } from 'vitest'

import { contractExample } from '@/testing/contract'

import { AssignmentList, AssignmentView } from './assignments'

// The fields of every model here are checked with all the others' in `../schemas.test.ts`.
describe('an assignment’s redact_names setting', () => {
  it('is read as given', () => {
    const view = { ...contractExample<Record<string, unknown>>('AssignmentView'), redact_names: false }
    expect(AssignmentView.parse(view).redact_names).toBe(false)
  })

  it('is on when a server older than the setting leaves it out', () => {
    const list = contractExample<{ assignments: Record<string, unknown>[] }>('AssignmentList')
    for (const assignment of list.assignments) delete assignment.redact_names
    expect(AssignmentList.parse(list).assignments.map((assignment) => assignment.redact_names)).toEqual(
      list.assignments.map(() => true),
    )
  })

  it('must be a boolean when given', () => {
    const view = { ...contractExample<Record<string, unknown>>('AssignmentView'), redact_names: 'yes' }
    expect(AssignmentView.safeParse(view).success).toBe(false)
  })
})
