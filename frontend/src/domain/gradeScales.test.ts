import { describe, expect, it } from 'vitest'

import { byGradeDescending } from './gradeScales'

describe('ordering by grade scale', () => {
  const anchors = [
    { label: 'c-2', grade: 'C' },
    { label: 'a-1', grade: 'A' },
    { label: 'c-1', grade: 'C' },
    { label: 'x', grade: 'Z' },
  ]

  it('puts anchors from the highest grade down, off-scale grades last', () => {
    expect(byGradeDescending(anchors, ['F', 'E', 'D', 'C', 'B', 'A']).map((anchor) => anchor.label)).toEqual(['a-1', 'c-1', 'c-2', 'x'])
  })

  it('falls back to the labels when the scale is not known', () => {
    expect(byGradeDescending(anchors, null).map((anchor) => anchor.label)).toEqual(['a-1', 'c-1', 'c-2', 'x'])
  })
})
