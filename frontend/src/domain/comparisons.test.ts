import { describe, expect, it } from 'vitest'

import type { EssayComparisonRow } from '@/api/schemas/results'
import { contractExample } from '@/testing/contract'

import { outcomeCounts, paragraphs, sortComparisons } from './comparisons'

const base = contractExample<{ comparisons: EssayComparisonRow[] }>('EssayDetailView').comparisons[0]!

function comparison(name: string, outcome: EssayComparisonRow['outcome'], confidence: number | null): EssayComparisonRow {
  return { ...base, pair_id: crypto.randomUUID(), opponent_name: name, outcome, confidence }
}

const ROWS = [
  comparison('Bo', 'lost', 2),
  comparison('Anchor C1', 'won', 4),
  comparison('Åsa', 'pending', null),
  comparison('Cleo', 'won', 5),
  comparison('Dan', 'failed', null),
]
const names = (rows: EssayComparisonRow[]) => rows.map((row) => row.opponent_name)

describe('sorting comparisons', () => {
  it('keeps the planned order by default, and reverses it', () => {
    expect(names(sortComparisons(ROWS, { key: 'planned', direction: 'ascending' }, 'en'))).toEqual(names(ROWS))
    expect(names(sortComparisons(ROWS, { key: 'planned', direction: 'descending' }, 'en'))).toEqual(names(ROWS).reverse())
  })

  it('sorts by opponent with the locale’s collation', () => {
    expect(names(sortComparisons(ROWS, { key: 'opponent', direction: 'ascending' }, 'sv'))).toEqual([
      'Anchor C1',
      'Bo',
      'Cleo',
      'Dan',
      'Åsa',
    ])
  })

  it('groups by result: won, lost, waiting, no verdict; ties in the planned order', () => {
    expect(names(sortComparisons(ROWS, { key: 'outcome', direction: 'ascending' }, 'en'))).toEqual([
      'Anchor C1',
      'Cleo',
      'Bo',
      'Åsa',
      'Dan',
    ])
  })

  it('sorts by confidence either way with the ones without a verdict last', () => {
    expect(names(sortComparisons(ROWS, { key: 'confidence', direction: 'descending' }, 'en'))).toEqual([
      'Cleo',
      'Anchor C1',
      'Bo',
      'Åsa',
      'Dan',
    ])
    expect(names(sortComparisons(ROWS, { key: 'confidence', direction: 'ascending' }, 'en')).slice(0, 3)).toEqual([
      'Bo',
      'Anchor C1',
      'Cleo',
    ])
  })

  it('counts the results', () => {
    expect(outcomeCounts(ROWS)).toEqual({ won: 2, lost: 1, pending: 1, failed: 1 })
  })
})

describe('the essay text', () => {
  it('splits paragraphs at blank lines and keeps the line breaks inside them', () => {
    const text = 'Title\r\n\r\nFirst line\nsecond line\n   \n\n\nLast paragraph.  \n'
    expect(paragraphs(text)).toEqual(['Title', 'First line\nsecond line', 'Last paragraph.'])
  })

  it('has no paragraphs for blank text', () => {
    expect(paragraphs(' \n\n ')).toEqual([])
  })
})
