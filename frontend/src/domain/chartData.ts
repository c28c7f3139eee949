/**
 * The batch page's charts as plain data: essays on the score scale with their intervals, grade
 * bands between the cut points, the grade distribution, each essay's grade probabilities and the
 * grade colours. Pure, so the charts, their table alternatives and the tests share one source.
 */
import type { EssayRow } from '@/api/schemas'

/** The scale chart's intervals are 95 %: the score ± 1.96 standard errors (normal approximation). */
export const Z_95 = 1.959964

export interface ScalePoint {
  essayId: string
  name: string
  isAnchor: boolean
  score: number
  standardError: number | null
  /** The 95 % interval; the score itself when the standard error is missing. */
  low: number
  high: number
  rank: number | null
  grade: string | null
  probability: number | null
  knownGrade: string | null
  /** Anchors only: placed more than one grade step from the known grade. */
  inconsistent: boolean
}

export function interval(score: number, standardError: number | null): { low: number; high: number } {
  const half = standardError === null ? 0 : Z_95 * Math.abs(standardError)
  return { low: score - half, high: score + half }
}

/** Student essays and anchors that have a score, lowest score first (ties: by name). */
export function scalePoints(essays: readonly EssayRow[], anchors: readonly EssayRow[]): ScalePoint[] {
  const points: ScalePoint[] = []
  for (const row of [...essays, ...anchors]) {
    if (row.bt_score === null) continue
    points.push({
      essayId: row.essay_id,
      name: row.name,
      isAnchor: row.is_anchor,
      score: row.bt_score,
      standardError: row.standard_error,
      ...interval(row.bt_score, row.standard_error),
      rank: row.rank,
      grade: row.grade,
      probability: row.grade_probability,
      knownGrade: row.known_grade,
      inconsistent: row.is_anchor && row.anchor_inconsistent === true,
    })
  }
  return points.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
}

export interface CutPoint {
  lower_grade: string
  upper_grade: string
  bt_score: number
  boundary_sd: number
  source: 'fitted' | 'interpolated' | 'extrapolated'
}

/** A grade's stretch of the scale; `from` is null for the lowest grade, `to` for the highest. */
export interface GradeBand {
  grade: string
  from: number | null
  to: number | null
  /** How the cut points at either edge were found (null at an open edge). */
  fromSource: CutPoint['source'] | null
  toSource: CutPoint['source'] | null
}

/**
 * The grade bands the cut points make, lowest first: below the first cut is its lower grade,
 * between two cuts the grade they share, above the last its upper grade. Empty without cuts
 * (a run without anchors projects no grades).
 */
export function gradeBands(cuts: readonly CutPoint[]): GradeBand[] {
  if (cuts.length === 0) return []
  const sorted = [...cuts].sort((a, b) => a.bt_score - b.bt_score)
  const first = sorted[0]!
  const bands: GradeBand[] = [
    { grade: first.lower_grade, from: null, to: first.bt_score, fromSource: null, toSource: first.source },
  ]
  sorted.forEach((cut, index) => {
    const next = sorted[index + 1]
    bands.push({
      grade: cut.upper_grade,
      from: cut.bt_score,
      to: next?.bt_score ?? null,
      fromSource: cut.source,
      toSource: next?.source ?? null,
    })
  })
  return bands
}

export interface Domain {
  min: number
  max: number
  /** The distance between labelled ticks; min and max are multiples of it. */
  step: number
}

/**
 * The score axis: every interval and every cut point, with a margin so that the open bands at
 * either end show, rounded out to whole ticks (every unit, or every second on a wide scale) so
 * that no label crowds the axis' ends.
 */
export function scaleDomain(points: readonly ScalePoint[], cuts: readonly { bt_score: number }[]): Domain {
  const values = [...points.flatMap((point) => [point.low, point.high]), ...cuts.map((cut) => cut.bt_score)]
  if (values.length === 0) return { min: -1, max: 1, step: 1 }
  const low = Math.min(...values) - 0.25
  const high = Math.max(...values) + 0.25
  const step = high - low > 10 ? 2 : 1
  return { min: Math.floor(low / step) * step, max: Math.ceil(high / step) * step, step }
}

/** Bands with their open edges closed at the axis' ends, for drawing. */
export function bandsWithin(bands: readonly GradeBand[], domain: Domain): { grade: string; from: number; to: number }[] {
  return bands
    .map((band) => ({
      grade: band.grade,
      from: Math.max(domain.min, band.from ?? domain.min),
      to: Math.min(domain.max, band.to ?? domain.max),
    }))
    .filter((band) => band.to > band.from)
}

export interface DistributionEntry {
  grade: string
  count: number
  /** Of the graded student essays, 0 to 1. */
  share: number
}

/**
 * Student essays per grade in the grade scale's order, lowest first. The batch's summary counts
 * them when it has one; otherwise the essays' own grades are counted (anchors never count).
 */
export function gradeDistribution(
  grades: readonly string[],
  essays: readonly EssayRow[],
  summary?: Record<string, number> | null,
): DistributionEntry[] {
  const counts = new Map<string, number>(grades.map((grade) => [grade, 0]))
  if (summary && Object.keys(summary).length > 0) {
    for (const [grade, value] of Object.entries(summary)) counts.set(grade, value)
  } else {
    for (const essay of essays) {
      if (essay.is_anchor || essay.grade === null) continue
      counts.set(essay.grade, (counts.get(essay.grade) ?? 0) + 1)
    }
  }
  const total = [...counts.values()].reduce((sum, value) => sum + value, 0)
  return [...counts].map(([grade, value]) => ({ grade, count: value, share: total === 0 ? 0 : value / total }))
}

export interface ProbabilitySegment {
  grade: string
  probability: number
  /** Where the segment starts, 0 to 1. */
  offset: number
}

/**
 * An essay's grade probabilities as a stacked bar, in the grade scale's order (lowest first);
 * grades missing from the order go last. Grades with no probability are left out.
 */
export function probabilitySegments(probabilities: Record<string, number>, grades: readonly string[]): ProbabilitySegment[] {
  const known = grades.filter((grade) => (probabilities[grade] ?? 0) > 0)
  const others = Object.keys(probabilities)
    .filter((grade) => !grades.includes(grade) && (probabilities[grade] ?? 0) > 0)
    .sort((a, b) => probabilities[b]! - probabilities[a]!)
  let offset = 0
  return [...known, ...others].map((grade) => {
    const segment = { grade, probability: probabilities[grade]!, offset }
    offset += segment.probability
    return segment
  })
}

/** The probabilities, most likely first (ties in the scale's order): what the text alternative reads. */
export function byLikelihood(probabilities: Record<string, number>, grades: readonly string[]): [string, number][] {
  const place = (grade: string) => {
    const index = grades.indexOf(grade)
    return index === -1 ? grades.length : index
  }
  return Object.entries(probabilities)
    .filter(([, probability]) => probability > 0)
    .sort(([a, pa], [b, pb]) => pb - pa || place(b) - place(a))
}

// --- colours -------------------------------------------------------------------------------------

/** Viridis, from its light end: perceptually even and readable with the common colour-vision deficiencies. */
const VIRIDIS = ['#fde725', '#90d743', '#35b779', '#21918c', '#31688e', '#443983', '#440154']

export interface GradeColour {
  /** The segment's or bar's fill. */
  fill: string
  /** Black or white, whichever contrasts more with the fill (always at least 4.5:1). */
  text: string
  /** A light tint of the fill for the scale chart's bands, behind dark text. */
  tint: string
}

function channels(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16)
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255]
}

function toHex(rgb: readonly number[]): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`
}

function mix(a: string, b: string, weight: number): string {
  const [x, y] = [channels(a), channels(b)]
  return toHex(x.map((c, i) => c + (y[i]! - c) * weight))
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}

export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (light! + 0.05) / (dark! + 0.05)
}

/** One colour per grade along the palette, the lowest grade lightest. */
export function gradeColours(grades: readonly string[]): Record<string, GradeColour> {
  const colours: Record<string, GradeColour> = {}
  grades.forEach((grade, index) => {
    const position = grades.length === 1 ? 0.5 : index / (grades.length - 1)
    const scaled = position * (VIRIDIS.length - 1)
    const step = Math.min(VIRIDIS.length - 2, Math.floor(scaled))
    const fill = mix(VIRIDIS[step]!, VIRIDIS[step + 1]!, scaled - step)
    const text = contrast(fill, '#000000') >= contrast(fill, '#ffffff') ? '#000000' : '#ffffff'
    colours[grade] = { fill, text, tint: mix(fill, '#ffffff', 0.75) }
  })
  return colours
}

/** A grade outside the scale's order (it should not happen): a neutral grey. */
export const OTHER_GRADE: GradeColour = { fill: '#8a94a6', text: '#000000', tint: '#e2e5ea' }
