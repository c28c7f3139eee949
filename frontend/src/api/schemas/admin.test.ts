import { describe, expect, it } from 'vitest'

import { contractExample } from '@/testing/contract'

import { AssignmentPageView } from './admin'

// The fields of every model here are checked with all the others' in `../schemas.test.ts`.
describe('the assignment page follows the contract', () => {
  it('rejects an assignment page that breaks the contract', () => {
    const view = contractExample<{ last_batch: { anchors: { bt_score: unknown }[] } }>('AssignmentPageView')
    view.last_batch.anchors[0]!.bt_score = 'high'
    expect(AssignmentPageView.safeParse(view).success).toBe(false)
  })
})
