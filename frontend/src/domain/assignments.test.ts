import { describe, expect, it } from 'vitest'

import { byGradeDescending, gradeSteps, ownedBy } from './assignments'

const SCALE = ['F', 'E', 'D', 'C', 'B', 'A']

describe('assignments', () => {
  it('is owned by the teacher whose id it names, and by no one when signed out', () => {
    expect(ownedBy({ owner_user_id: 'u-1' }, 'u-1')).toBe(true)
    expect(ownedBy({ owner_user_id: 'u-1' }, 'u-2')).toBe(false)
    expect(ownedBy({ owner_user_id: 'u-1' }, null)).toBe(false)
  })

  it('orders anchors highest grade first, then by label, off-scale grades last', () => {
    const anchors = [
      { label: 'e2', grade: 'E' },
      { label: 'odd', grade: 'Z' },
      { label: 'a1', grade: 'A' },
      { label: 'e1', grade: 'E' },
    ]
    expect(byGradeDescending(anchors, SCALE).map((a) => a.label)).toEqual(['a1', 'e1', 'e2', 'odd'])
  })

  it('counts the grade steps between the known and the placed grade', () => {
    expect(gradeSteps(SCALE, 'C', 'C')).toBe(0)
    expect(gradeSteps(SCALE, 'C', 'A')).toBe(2)
    expect(gradeSteps(SCALE, 'A', 'E')).toBe(4)
    expect(gradeSteps(SCALE, 'C', null)).toBeNull()
    expect(gradeSteps(SCALE, 'C', 'Q')).toBeNull()
  })
})
