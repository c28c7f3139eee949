/**
 * The plain-language reading of an assessment's reliability. Always the marginal-likelihood
 * reliability (`reliability`), never SSR: adaptive pairing inflates SSR, so it is only reported.
 */
export const RELIABLE_FROM = 0.8
export const PROVISIONAL_BELOW = 0.7

export type ReliabilityReading = 'reliable' | 'fairly' | 'provisional' | 'unknown'

export function readReliability(value: number | null | undefined): ReliabilityReading {
  if (value === null || value === undefined || Number.isNaN(value)) return 'unknown'
  if (value >= RELIABLE_FROM) return 'reliable'
  if (value < PROVISIONAL_BELOW) return 'provisional'
  return 'fairly'
}
