/**
 * The field types the hand-written schemas share: the contract's uuids, date-times, counts,
 * amounts and probabilities, each written once.
 */
import { z } from 'zod'

export const id = z.guid()
export const timestamp = z.iso.datetime({ offset: true })
export const count = z.number().int().min(0)
export const amount = z.number().min(0)
export const probability = z.number().min(0).max(1)
