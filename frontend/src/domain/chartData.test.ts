import { describe, expect, it } from 'vitest'

import type { EssayRow } from '@/api/schemas'
import { contractExample } from '@/testing/contract'

import {
  bandsWithin,
  byLikelihood,
  contrast,
  gradeBands,
  gradeColours,
  gradeDistribution,
  interval,
  probabilitySegments,
  scaleDomain,
  scalePoints,
  Z_95,
  type CutPoint,
} from './chartData'

const view = contractExample<{ essays: EssayRow[]; anchors: EssayRow[]; job: { grade_cut_points: CutPoint[] } }>(
  'BatchResultsView',
)
const CUTS = view.job.grade_cut_points

function row(change: Partial<EssayRow>): EssayRow {
  return { ...view.essays[0]!, ...change }
}

describe('scale points', () => {
  it('puts students and anchors with a score on one scale, lowest first, with 95 % intervals', () => {
    const points = scalePoints(view.essays, view.anchors)

    // late.txt has no score yet: it is left out.
    expect(points.map((point) => point.name)).toEqual(['Tuva Karlsson', 'Anchor C1', 'anna.docx'])
    const anna = points[2]!
    expect(anna.low).toBeCloseTo(1.2 - 1.96 * 0.4, 2)
    expect(anna.high).toBeCloseTo(1.2 + 1.96 * 0.4, 2)
    const anchor = points[1]!
    expect(anchor).toMatchObject({ isAnchor: true, knownGrade: 'C', inconsistent: false })
  })

  it('marks an anchor that does not fit its known grade', () => {
    const anchors = [{ ...view.anchors[0]!, anchor_inconsistent: true }]
    expect(scalePoints([], anchors)[0]!.inconsistent).toBe(true)
  })

  it('draws no interval without a standard error', () => {
    expect(interval(0.5, null)).toEqual({ low: 0.5, high: 0.5 })
    expect(interval(0, 1).high).toBe(Z_95)
  })
})

describe('grade bands', () => {
  it('makes one band per grade between the cut points, open at both ends', () => {
    const bands = gradeBands(CUTS)

    expect(bands.map((band) => band.grade)).toEqual(['F', 'E', 'D', 'C', 'B', 'A'])
    expect(bands[0]).toEqual({ grade: 'F', from: null, to: -2.6, fromSource: null, toSource: 'extrapolated' })
    expect(bands[3]).toEqual({ grade: 'C', from: -1.4, to: 0.6, fromSource: 'extrapolated', toSource: 'fitted' })
    expect(bands[5]).toEqual({ grade: 'A', from: 1.0, to: null, fromSource: 'fitted', toSource: null })
  })

  it('orders the cut points by score whatever order they come in', () => {
    expect(gradeBands([...CUTS].reverse()).map((band) => band.grade)).toEqual(['F', 'E', 'D', 'C', 'B', 'A'])
  })

  it('has no bands without cut points', () => {
    expect(gradeBands([])).toEqual([])
  })

  it('closes the open bands at the axis and drops what falls outside it', () => {
    const bands = bandsWithin(gradeBands(CUTS), { min: -2.2, max: 2, step: 1 })

    expect(bands[0]).toEqual({ grade: 'E', from: -2.2, to: -2.0 })
    expect(bands.at(-1)).toEqual({ grade: 'A', from: 1.0, to: 2 })
    expect(bands.map((band) => band.grade)).not.toContain('F')
  })

  it('spans every interval and every cut point on the axis', () => {
    const points = scalePoints(view.essays, view.anchors)
    const domain = scaleDomain(points, CUTS)

    expect(domain).toEqual({ min: -3, max: 3, step: 1 })
    expect(scaleDomain([], [])).toEqual({ min: -1, max: 1, step: 1 })
  })

  it('labels every second unit on a wide scale, ending on a label', () => {
    const wide = scalePoints([row({ bt_score: -6.3, standard_error: 0.1 }), row({ bt_score: 5.1, standard_error: 0.1 })], [])
    expect(scaleDomain(wide, [])).toEqual({ min: -8, max: 6, step: 2 })
  })
})

describe('the grade distribution', () => {
  const GRADES = ['F', 'E', 'D', 'C', 'B', 'A']

  it('takes the batch summary, in the scale order, with each grade’s share', () => {
    const entries = gradeDistribution(GRADES, [], { F: 0, E: 0, D: 1, C: 2, B: 1, A: 0 })

    expect(entries.map((entry) => [entry.grade, entry.count])).toEqual([
      ['F', 0],
      ['E', 0],
      ['D', 1],
      ['C', 2],
      ['B', 1],
      ['A', 0],
    ])
    expect(entries[3]!.share).toBe(0.5)
  })

  it('counts the student essays’ grades when there is no summary (anchors and ungraded left out)', () => {
    const essays = [row({ grade: 'B' }), row({ grade: 'B' }), row({ grade: null }), row({ grade: 'C', is_anchor: true })]
    const entries = gradeDistribution(GRADES, essays, null)

    expect(Object.fromEntries(entries.map((entry) => [entry.grade, entry.count]))).toEqual({
      F: 0,
      E: 0,
      D: 0,
      C: 0,
      B: 2,
      A: 0,
    })
    expect(entries.find((entry) => entry.grade === 'B')!.share).toBe(1)
  })

  it('has all shares 0 when nothing is graded', () => {
    expect(gradeDistribution(GRADES, [], null).every((entry) => entry.share === 0)).toBe(true)
  })
})

describe('an essay’s grade probabilities', () => {
  const GRADES = ['F', 'E', 'D', 'C', 'B', 'A']

  it('stacks them in the scale order, lowest first, leaving out grades without probability', () => {
    const segments = probabilitySegments({ A: 0.08, B: 0.62, C: 0.3, D: 0 }, GRADES)

    expect(segments.map((segment) => segment.grade)).toEqual(['C', 'B', 'A'])
    expect(segments[1]!.offset).toBeCloseTo(0.3)
    expect(segments[2]!.offset).toBeCloseTo(0.92)
  })

  it('puts a grade outside the known order last', () => {
    expect(probabilitySegments({ X: 0.1, C: 0.9 }, GRADES).map((segment) => segment.grade)).toEqual(['C', 'X'])
  })

  it('reads them most likely first, ties by the higher grade', () => {
    expect(byLikelihood({ A: 0.08, B: 0.62, C: 0.3 }, GRADES)).toEqual([
      ['B', 0.62],
      ['C', 0.3],
      ['A', 0.08],
    ])
    expect(byLikelihood({ C: 0.5, B: 0.5 }, GRADES).map(([grade]) => grade)).toEqual(['B', 'C'])
  })
})

describe('grade colours', () => {
  it.each([2, 6, 10, 12])('give %i grades distinct fills with text of at least 4.5:1 contrast', (count) => {
    const grades = Array.from({ length: count }, (_, index) => `G${index}`)
    const colours = gradeColours(grades)

    expect(new Set(Object.values(colours).map((colour) => colour.fill)).size).toBe(count)
    for (const colour of Object.values(colours)) {
      expect(contrast(colour.fill, colour.text)).toBeGreaterThanOrEqual(4.5)
      // The bands' tints sit behind the page's text colour.
      expect(contrast(colour.tint, '#1a1f2b')).toBeGreaterThanOrEqual(4.5)
    }
  })

  it('measures contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21)
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 1)
  })
})
