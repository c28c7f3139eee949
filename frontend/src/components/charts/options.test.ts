import { describe, expect, it } from 'vitest'

import type { EssayRow } from '@/api/schemas'
import { bandsWithin, gradeBands, gradeColours, scaleDomain, scalePoints, type CutPoint } from '@/domain/chartData'
import { contractExample } from '@/testing/contract'

import { distributionChartOption, escapeHtml, MARK, renderInterval, scaleChartOption } from './options'

const view = contractExample<{ essays: EssayRow[]; anchors: EssayRow[]; job: { grade_cut_points: CutPoint[] } }>(
  'BatchResultsView',
)

type Series = { type: string; name: string; data: unknown[]; markArea?: { data: unknown[] } }

function scaleOption(anchors = view.anchors) {
  const points = scalePoints(view.essays, anchors)
  const cuts = view.job.grade_cut_points
  const domain = scaleDomain(points, cuts)
  return scaleChartOption({
    points,
    bands: bandsWithin(gradeBands(cuts), domain),
    domain,
    colours: gradeColours(['F', 'E', 'D', 'C', 'B', 'A']),
    formatTick: String,
    describe: (point) => [point.name, `score ${point.score}`],
    axisScore: 'Score',
    axisEssays: 'Essays',
    animate: false,
  })
}

describe('the scale chart option', () => {
  it('draws every interval, the students, and the anchors apart', () => {
    const series = scaleOption().series as Series[]

    expect(series.map((item) => item.name)).toEqual(['intervals', 'essays', 'anchors', 'anchors off'])
    expect(series[0]!.data).toHaveLength(3)
    expect(series[1]!.data).toEqual([
      { value: [0, -1.3], name: 'Tuva Karlsson' },
      { value: [2, 1.2], name: 'anna.docx' },
    ])
    expect(series[2]!.data).toEqual([{ value: [1, 0.1], name: 'Anchor C1' }])
    expect(series[3]!.data).toEqual([])
  })

  it('shades one band per grade between the cut points', () => {
    const series = scaleOption().series as Series[]
    const bands = series[0]!.markArea!.data as [{ name: string; yAxis: number }, { yAxis: number }][]

    expect(bands.map(([from]) => from.name)).toEqual(['F', 'E', 'D', 'C', 'B', 'A'])
    expect(bands[3]!.map((edge) => edge.yAxis)).toEqual([-1.4, 0.6])
  })

  it('draws an anchor that does not fit its grade as its own series', () => {
    const series = scaleOption([{ ...view.anchors[0]!, anchor_inconsistent: true }]).series as Series[]
    expect(series[2]!.data).toEqual([])
    expect(series[3]!.data).toEqual([{ value: [1, 0.1], name: 'Anchor C1' }])
  })

  it('escapes the names in the tooltip', () => {
    const option = scaleOption()
    const tooltip = option.tooltip as { formatter: (params: unknown) => string }
    expect(tooltip.formatter({ value: [2, 1.2] })).toBe('anna.docx<br>score 1.2')
    expect(escapeHtml('<img src=x onerror="a">&')).toBe('&lt;img src=x onerror=&quot;a&quot;&gt;&amp;')
  })

  it('renders an interval as a line with caps between the low and the high end', () => {
    const api = {
      value: (dimension: number) => [4, -1, 2, 1][dimension],
      coord: ([x, y]: number[]) => [x! * 10, 100 - y! * 10],
      size: () => [6, 0],
    }
    const shape = renderInterval({} as never, api as never) as { children: { shape: object; style: { stroke: string } }[] }

    expect(shape.children[0]!.shape).toEqual({ x1: 40, y1: 80, x2: 40, y2: 110 })
    expect(shape.children[1]!.shape).toEqual({ x1: 38.2, y1: 80, x2: 41.8, y2: 80 })
    // An anchor's interval takes the anchor colour.
    expect(shape.children[0]!.style.stroke).toBe(MARK.anchor)
  })
})

describe('the distribution chart option', () => {
  it('has one bar per grade in the given order, coloured by grade', () => {
    const colours = gradeColours(['F', 'A'])
    const option = distributionChartOption({
      entries: [
        { grade: 'F', count: 2 },
        { grade: 'A', count: 5 },
      ],
      colours,
      formatCount: String,
      axisGrade: 'Grade',
      axisEssays: 'Essays',
      animate: false,
    })
    const series = option.series as { data: { value: number; itemStyle: { color: string } }[] }[]

    expect((option.xAxis as { data: string[] }).data).toEqual(['F', 'A'])
    expect(series[0]!.data.map((bar) => bar.value)).toEqual([2, 5])
    expect(series[0]!.data[1]!.itemStyle.color).toBe(colours['A']!.fill)
  })
})
