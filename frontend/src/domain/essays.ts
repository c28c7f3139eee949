/** The batch page's table of student essays: the uncertainty flag, searching and sorting. */
import type { EssayFlag, EssayRow } from '@/api/schemas'

/** An essay whose most likely grade is less likely than this is flagged as uncertain. */
export const UNCERTAIN_BELOW = 0.5

export type DisplayFlag = 'uncertain' | EssayFlag

export function isUncertain(row: EssayRow): boolean {
  return row.grade_probability !== null && row.grade_probability < UNCERTAIN_BELOW
}

/** The platform's flags, with `uncertain` first when it applies. */
export function displayFlags(row: EssayRow): DisplayFlag[] {
  return isUncertain(row) ? ['uncertain', ...row.flags] : [...row.flags]
}

export type SortKey = 'rank' | 'name' | 'grade' | 'probability' | 'score' | 'comparisons' | 'flags'
export type SortDirection = 'ascending' | 'descending'

export interface SortState {
  key: SortKey
  direction: SortDirection
}

export const DEFAULT_SORT: SortState = { key: 'rank', direction: 'ascending' }

/** The direction a column sorts in when first chosen: the best or the most first. */
export function initialDirection(key: SortKey): SortDirection {
  return key === 'rank' || key === 'name' ? 'ascending' : 'descending'
}

export function matchesQuery(row: EssayRow, query: string, locale: string): boolean {
  const needle = query.trim().toLocaleLowerCase(locale)
  if (needle === '') return true
  return [row.name, row.student_name, row.filename].some(
    (value) => value !== null && value.toLocaleLowerCase(locale).includes(needle),
  )
}

/**
 * The grade scale's order, lowest first: the grade distribution lists every grade of the scale
 * lowest first; the cut points do too. Grades missing from both sort after the known ones.
 */
export function gradeOrder(distribution: Record<string, number> | null | undefined, cuts: { lower_grade: string; upper_grade: string }[]): string[] {
  if (distribution && Object.keys(distribution).length > 0) return Object.keys(distribution)
  const order: string[] = []
  for (const cut of cuts) {
    if (!order.includes(cut.lower_grade)) order.push(cut.lower_grade)
    if (!order.includes(cut.upper_grade)) order.push(cut.upper_grade)
  }
  return order
}

type Value = number | string | null

function sortValue(row: EssayRow, key: SortKey, grades: string[]): Value {
  switch (key) {
    case 'rank':
      return row.rank
    case 'name':
      return row.name
    case 'grade': {
      if (row.grade === null) return null
      const index = grades.indexOf(row.grade)
      return index === -1 ? -1 : index
    }
    case 'probability':
      return row.grade_probability
    case 'score':
      return row.bt_score
    case 'comparisons':
      return row.comparison_count
    case 'flags':
      return displayFlags(row).length
  }
}

/** A sorted copy. Missing values (not assessed) always sort last; ties keep the rank order. */
export function sortEssays(rows: readonly EssayRow[], sort: SortState, grades: string[], locale: string): EssayRow[] {
  const collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true })
  const sign = sort.direction === 'ascending' ? 1 : -1
  const byRank = (a: EssayRow, b: EssayRow) =>
    (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) || collator.compare(a.name, b.name)
  return [...rows].sort((a, b) => {
    const left = sortValue(a, sort.key, grades)
    const right = sortValue(b, sort.key, grades)
    if (left === null && right === null) return byRank(a, b)
    if (left === null) return 1
    if (right === null) return -1
    const order =
      typeof left === 'string' && typeof right === 'string'
        ? collator.compare(left, right)
        : (left as number) - (right as number)
    if (order !== 0) return sign * order
    // Equal grades: the better score first whichever way the grades go; else the rank.
    if (sort.key === 'grade' && a.bt_score !== null && b.bt_score !== null && a.bt_score !== b.bt_score) {
      return sign * (a.bt_score - b.bt_score)
    }
    return byRank(a, b)
  })
}

/** Anchors placed more than one grade step from their known grade. */
export function inconsistentAnchors(anchors: readonly EssayRow[]): EssayRow[] {
  return anchors.filter((anchor) => anchor.anchor_inconsistent === true)
}
