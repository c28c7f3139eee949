/**
 * The ECharts options of the batch page's charts, built from `domain/chartData.ts`. Types only from
 * ECharts here: the library itself is loaded on demand by `EChart.vue`, so this module stays small.
 */
import type { CustomSeriesRenderItem } from 'echarts'
import type { BarSeriesOption, CustomSeriesOption, ScatterSeriesOption } from 'echarts/charts'
import type { GridComponentOption, MarkAreaComponentOption, TooltipComponentOption } from 'echarts/components'
import type { ComposeOption } from 'echarts/core'

import { OTHER_GRADE, type Domain, type GradeColour, type ScalePoint } from '@/domain/chartData'

export type ChartOption = ComposeOption<
  BarSeriesOption | CustomSeriesOption | ScatterSeriesOption | GridComponentOption | MarkAreaComponentOption | TooltipComponentOption
>

/** The page's colours (styles/main.css), for marks that must match the legend under the chart. */
export const MARK = {
  text: '#1a1f2b',
  muted: '#4a5365',
  grid: '#cfd6e1',
  essay: '#1d4e89',
  interval: '#6b7a90',
  anchor: '#b35c00',
  anchorOff: '#a11d1d',
} as const

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** Draws one interval: a vertical line from `low` to `high` with short caps (values: x, low, high, anchor). */
export const renderInterval: CustomSeriesRenderItem = (_params, api) => {
  const x = Number(api.value(0))
  const top = api.coord([x, Number(api.value(2))])
  const bottom = api.coord([x, Number(api.value(1))])
  const slot = api.size?.([1, 0])
  const width = Array.isArray(slot) ? (slot[0] ?? 0) : 0
  const cap = Math.min(8, Math.max(2, width * 0.6)) / 2
  const stroke = Number(api.value(3)) === 1 ? MARK.anchor : MARK.interval
  const style = { stroke, lineWidth: 1.5 }
  const [tx, ty] = [top[0] ?? 0, top[1] ?? 0]
  const [bx, by] = [bottom[0] ?? 0, bottom[1] ?? 0]
  return {
    type: 'group',
    children: [
      { type: 'line', shape: { x1: tx, y1: ty, x2: bx, y2: by }, style },
      { type: 'line', shape: { x1: tx - cap, y1: ty, x2: tx + cap, y2: ty }, style },
      { type: 'line', shape: { x1: bx - cap, y1: by, x2: bx + cap, y2: by }, style },
    ],
  }
}

export interface ScaleChartInput {
  points: readonly ScalePoint[]
  bands: readonly { grade: string; from: number; to: number }[]
  domain: Domain
  colours: Record<string, GradeColour>
  /** The axis' whole-unit ticks. */
  formatTick: (value: number) => string
  /** The tooltip's lines for one essay, plain text (escaped here). */
  describe: (point: ScalePoint) => string[]
  axisScore: string
  axisEssays: string
  animate: boolean
}

/**
 * Essays along the x axis from the lowest score to the highest, the score (θ) upwards, each with
 * its 95 % interval; anchors as diamonds labelled with their known grade (red triangles when they
 * do not fit it); the grade bands shaded behind, named in the right margin.
 */
export function scaleChartOption(input: ScaleChartInput): ChartOption {
  const { points } = input
  const dense = points.length > 60
  const datum = (point: ScalePoint, index: number) => ({ value: [index, point.score], name: point.name })
  const students = points.flatMap((point, index) => (point.isAnchor ? [] : [datum(point, index)]))
  const anchors = points.flatMap((point, index) => (point.isAnchor && !point.inconsistent ? [datum(point, index)] : []))
  const anchorsOff = points.flatMap((point, index) => (point.inconsistent ? [datum(point, index)] : []))
  // Anchors carry their known grade beside the mark: the ones off their grade below it, so that two
  // anchors at one score (a sign of the trouble) keep both labels readable.
  const anchorLabel = (list: { value: number[] }[], position: 'top' | 'bottom') => ({
    show: true,
    position,
    distance: 6,
    color: MARK.text,
    fontWeight: 'bold' as const,
    formatter: (params: { dataIndex: number }) => {
      const index = list[params.dataIndex]?.value[0]
      return index === undefined ? '' : (points[index]?.knownGrade ?? '')
    },
  })
  return {
    animation: input.animate,
    grid: { left: 56, right: 48, top: 24, bottom: 36 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (params) => {
        const item = Array.isArray(params) ? params[0] : params
        const index = (item?.value as number[] | undefined)?.[0]
        const point = index === undefined ? undefined : points[index]
        return point ? input.describe(point).map(escapeHtml).join('<br>') : ''
      },
    },
    xAxis: {
      type: 'category',
      data: points.map((point) => point.name),
      name: input.axisEssays,
      nameLocation: 'middle',
      nameGap: 14,
      nameTextStyle: { color: MARK.muted },
      axisLabel: { show: false },
      axisTick: { show: false },
      axisLine: { lineStyle: { color: MARK.grid } },
    },
    yAxis: {
      type: 'value',
      min: input.domain.min,
      max: input.domain.max,
      interval: input.domain.step,
      name: input.axisScore,
      nameLocation: 'middle',
      nameGap: 40,
      nameTextStyle: { color: MARK.muted },
      axisLabel: { color: MARK.text, formatter: (value: number) => input.formatTick(value) },
      splitLine: { lineStyle: { color: MARK.grid, type: 'dashed' } },
    },
    series: [
      {
        type: 'custom',
        name: 'intervals',
        renderItem: renderInterval,
        encode: { x: 0, y: [1, 2] },
        data: points.map((point, index) => [index, point.low, point.high, point.isAnchor ? 1 : 0]),
        silent: true,
        z: 2,
        markArea: {
          silent: true,
          data: input.bands.map((band) => [
            {
              yAxis: band.from,
              name: band.grade,
              itemStyle: { color: (input.colours[band.grade] ?? OTHER_GRADE).tint, opacity: 0.8 },
            },
            { yAxis: band.to },
          ]),
          label: { show: true, position: 'right', color: MARK.text, fontWeight: 'bold', distance: 8 },
        },
      },
      {
        type: 'scatter',
        name: 'essays',
        data: students,
        symbol: 'circle',
        symbolSize: dense ? 6 : 9,
        itemStyle: { color: MARK.essay },
        z: 3,
      },
      {
        type: 'scatter',
        name: 'anchors',
        data: anchors,
        symbol: 'diamond',
        symbolSize: 14,
        itemStyle: { color: MARK.anchor, borderColor: '#ffffff', borderWidth: 1 },
        label: anchorLabel(anchors, 'top'),
        z: 4,
      },
      {
        type: 'scatter',
        name: 'anchors off',
        data: anchorsOff,
        symbol: 'triangle',
        symbolSize: 14,
        itemStyle: { color: MARK.anchorOff, borderColor: '#ffffff', borderWidth: 1 },
        label: anchorLabel(anchorsOff, 'bottom'),
        z: 4,
      },
    ],
  }
}

export interface DistributionChartInput {
  entries: readonly { grade: string; count: number }[]
  colours: Record<string, GradeColour>
  formatCount: (value: number) => string
  axisGrade: string
  axisEssays: string
  animate: boolean
}

/** One bar per grade, in the scale's order, its count on top. */
export function distributionChartOption(input: DistributionChartInput): ChartOption {
  return {
    animation: input.animate,
    grid: { left: 48, right: 16, top: 28, bottom: 44 },
    xAxis: {
      type: 'category',
      data: input.entries.map((entry) => entry.grade),
      name: input.axisGrade,
      nameLocation: 'middle',
      nameGap: 28,
      nameTextStyle: { color: MARK.muted },
      axisLabel: { color: MARK.text, fontWeight: 'bold' },
      axisTick: { alignWithLabel: true },
      axisLine: { lineStyle: { color: MARK.muted } },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      name: input.axisEssays,
      nameLocation: 'middle',
      nameGap: 32,
      nameTextStyle: { color: MARK.muted },
      axisLabel: { color: MARK.text, formatter: (value: number) => input.formatCount(value) },
      splitLine: { lineStyle: { color: MARK.grid, type: 'dashed' } },
    },
    series: [
      {
        type: 'bar',
        name: 'grades',
        barMaxWidth: 56,
        data: input.entries.map((entry) => ({
          value: entry.count,
          itemStyle: { color: (input.colours[entry.grade] ?? OTHER_GRADE).fill, borderColor: MARK.muted, borderWidth: 1 },
        })),
        label: {
          show: true,
          position: 'top',
          color: MARK.text,
          fontWeight: 'bold',
          formatter: (params: { value: unknown }) => input.formatCount(Number(params.value)),
        },
      },
    ],
  }
}
