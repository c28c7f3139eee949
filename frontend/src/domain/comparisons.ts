/** The essay page: its comparisons sorted and counted, and its text in paragraphs. */
import type { ComparisonOutcome, EssayComparisonRow } from '@/api/schemas/results'

export type ComparisonSortKey = 'planned' | 'opponent' | 'outcome' | 'confidence'
export type ComparisonSort = { key: ComparisonSortKey; direction: 'ascending' | 'descending' }

export const DEFAULT_COMPARISON_SORT: ComparisonSort = { key: 'planned', direction: 'ascending' }

/** Won first, then lost; the ones without a verdict last. */
export const OUTCOME_ORDER: ComparisonOutcome[] = ['won', 'lost', 'pending', 'failed']

/** The direction a column sorts in when first chosen: the planned order from the start, the most confident first. */
export function initialComparisonDirection(key: ComparisonSortKey): ComparisonSort['direction'] {
  return key === 'confidence' ? 'descending' : 'ascending'
}

/**
 * A sorted copy. Ties, and comparisons without a confidence (pending, failed; always last), keep
 * the planned order, which is the order the BFF lists them in.
 */
export function sortComparisons(
  rows: readonly EssayComparisonRow[],
  sort: ComparisonSort,
  locale: string,
): EssayComparisonRow[] {
  const collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true })
  const sign = sort.direction === 'ascending' ? 1 : -1
  const planned = rows.map((row, index) => ({ row, index }))
  const compare = (a: { row: EssayComparisonRow; index: number }, b: { row: EssayComparisonRow; index: number }) => {
    switch (sort.key) {
      case 'planned':
        return sign * (a.index - b.index)
      case 'opponent':
        return sign * collator.compare(a.row.opponent_name, b.row.opponent_name) || a.index - b.index
      case 'outcome':
        return sign * (OUTCOME_ORDER.indexOf(a.row.outcome) - OUTCOME_ORDER.indexOf(b.row.outcome)) || a.index - b.index
      case 'confidence': {
        const [left, right] = [a.row.confidence, b.row.confidence]
        if (left === null || right === null) return (left === null ? 1 : 0) - (right === null ? 1 : 0) || a.index - b.index
        return sign * (left - right) || a.index - b.index
      }
    }
  }
  return planned.sort(compare).map((item) => item.row)
}

export function outcomeCounts(rows: readonly EssayComparisonRow[]): Record<ComparisonOutcome, number> {
  const counts: Record<ComparisonOutcome, number> = { won: 0, lost: 0, pending: 0, failed: 0 }
  for (const row of rows) counts[row.outcome] += 1
  return counts
}

/** Paragraphs at blank lines; line breaks inside a paragraph stay (the page shows them as written). */
export function paragraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/^\n+|\s+$/g, ''))
    .filter((paragraph) => paragraph.trim() !== '')
}
