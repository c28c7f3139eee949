import { describe, expect, it } from 'vitest'

import type { EssayRow } from '@/api/schemas'

import { displayFlags, gradeOrder, inconsistentAnchors, isUncertain, matchesQuery, sortEssays } from './essays'

const GRADES = ['F', 'E', 'D', 'C', 'B', 'A']

function row(name: string, fields: Partial<EssayRow> = {}): EssayRow {
  return {
    essay_id: `00000000-0000-0000-0000-${String(name.length).padStart(12, '0')}`,
    is_anchor: false,
    name,
    student_name: null,
    filename: `${name}.txt`,
    word_count: 300,
    rank: null,
    grade: null,
    grade_probability: null,
    grade_probabilities: {},
    bt_score: null,
    standard_error: null,
    normalized_score: null,
    confidence: null,
    confidence_label: null,
    comparison_count: 0,
    known_grade: null,
    anchor_inconsistent: null,
    flags: [],
    ...fields,
  }
}

const ada = row('Ada', { rank: 1, grade: 'A', grade_probability: 0.7, bt_score: 2.1, comparison_count: 9 })
const bo = row('Bo', { rank: 2, grade: 'C', grade_probability: 0.45, bt_score: 0.2, comparison_count: 8, flags: ['low_confidence'] })
const cy = row('Cy', { rank: 3, grade: 'C', grade_probability: 0.6, bt_score: -0.1, comparison_count: 2, flags: ['few_comparisons'] })
const late = row('Dag', { flags: ['not_assessed'] })

describe('uncertainty', () => {
  it('flags an essay whose most likely grade is below 0.5, and only then', () => {
    expect(isUncertain(bo)).toBe(true)
    expect(isUncertain(ada)).toBe(false)
    expect(isUncertain(late)).toBe(false)
    expect(isUncertain(row('Edge', { grade_probability: 0.5 }))).toBe(false)
    expect(displayFlags(bo)).toEqual(['uncertain', 'low_confidence'])
    expect(displayFlags(cy)).toEqual(['few_comparisons'])
  })
})

describe('sortEssays', () => {
  const rows = [late, cy, ada, bo]
  const names = (sorted: EssayRow[]) => sorted.map((r) => r.name)

  it('sorts by rank by default with the essays not assessed last', () => {
    expect(names(sortEssays(rows, { key: 'rank', direction: 'ascending' }, GRADES, 'en'))).toEqual(['Ada', 'Bo', 'Cy', 'Dag'])
    expect(names(sortEssays(rows, { key: 'rank', direction: 'descending' }, GRADES, 'en'))).toEqual(['Cy', 'Bo', 'Ada', 'Dag'])
  })

  it('sorts grades by the scale, not the alphabet, and equal grades by score', () => {
    expect(names(sortEssays(rows, { key: 'grade', direction: 'descending' }, GRADES, 'en'))).toEqual(['Ada', 'Bo', 'Cy', 'Dag'])
    expect(names(sortEssays(rows, { key: 'grade', direction: 'ascending' }, GRADES, 'en'))).toEqual(['Cy', 'Bo', 'Ada', 'Dag'])
  })

  it('sorts by probability, score, comparisons, flags and name', () => {
    const sort = (key: Parameters<typeof sortEssays>[1]['key'], direction: 'ascending' | 'descending' = 'descending') =>
      names(sortEssays(rows, { key, direction }, GRADES, 'en'))
    expect(sort('probability')).toEqual(['Ada', 'Cy', 'Bo', 'Dag'])
    expect(sort('score', 'ascending')).toEqual(['Cy', 'Bo', 'Ada', 'Dag'])
    expect(sort('comparisons')).toEqual(['Ada', 'Bo', 'Cy', 'Dag'])
    expect(sort('flags')).toEqual(['Bo', 'Cy', 'Dag', 'Ada'])
    expect(sort('name', 'ascending')).toEqual(['Ada', 'Bo', 'Cy', 'Dag'])
  })

  it('does not change the list it was given', () => {
    sortEssays(rows, { key: 'name', direction: 'descending' }, GRADES, 'en')
    expect(names(rows)).toEqual(['Dag', 'Cy', 'Ada', 'Bo'])
  })
})

describe('search', () => {
  it('matches the name, the student and the file, ignoring case', () => {
    const named = row('Åsa Öberg', { student_name: 'Åsa Öberg', filename: 'essay-17.docx' })
    expect(matchesQuery(named, 'öberg', 'sv')).toBe(true)
    expect(matchesQuery(named, 'ESSAY-17', 'sv')).toBe(true)
    expect(matchesQuery(named, '  ', 'sv')).toBe(true)
    expect(matchesQuery(named, 'karlsson', 'sv')).toBe(false)
  })
})

describe('gradeOrder and anchors', () => {
  it('takes the scale from the grade distribution, else from the cut points', () => {
    expect(gradeOrder({ F: 0, E: 1, A: 2 }, [])).toEqual(['F', 'E', 'A'])
    expect(gradeOrder(null, [
      { lower_grade: 'F', upper_grade: 'E' },
      { lower_grade: 'E', upper_grade: 'D' },
    ])).toEqual(['F', 'E', 'D'])
  })

  it('lists the anchors placed away from their known grade', () => {
    const off = row('Anchor B', { is_anchor: true, known_grade: 'B', grade: 'D', anchor_inconsistent: true })
    expect(inconsistentAnchors([off, row('Anchor C', { is_anchor: true, anchor_inconsistent: false })])).toEqual([off])
  })
})
