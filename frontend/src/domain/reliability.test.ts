import { describe, expect, it } from 'vitest'

import { readReliability } from './reliability'

describe('readReliability', () => {
  it.each([
    [0.95, 'reliable'],
    [0.8, 'reliable'],
    [0.7999, 'fairly'],
    [0.7, 'fairly'],
    [0.6999, 'provisional'],
    [0, 'provisional'],
    [null, 'unknown'],
    [undefined, 'unknown'],
    [Number.NaN, 'unknown'],
  ] as const)('%s reads as %s', (value, reading) => {
    expect(readReliability(value)).toBe(reading)
  })
})
