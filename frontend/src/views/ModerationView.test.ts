import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

import { BATCH_ID, fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { byLabel } from '@/testing/forms'
import { errorBody, json, type RecordedCall } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const BASE = `/bff/v1/teacher/batches/${BATCH_ID}/moderation`
const COMMANDS = `/v1/batches/${BATCH_ID}/moderation`
const A = '00000000-0000-0000-0000-000000000004'
const B = '00000000-0000-0000-0000-000000000005'

type Screen = Record<string, unknown>

function screen(given: number, change: Screen = {}): Screen {
  const example = contractExample<Screen>('ModerationScreen')
  return { ...example, progress: { given_by_you: given, given_by_all: given, budget_total: 12 }, ...change }
}

/** The BFF's moderation routes: `next` answers each call with the next screen given. */
function moderation(...screens: Screen[]) {
  const verdicts: RecordedCall[] = []
  const undos: RecordedCall[] = []
  let current = 0
  const gateway = fakeGateway({
    [`GET ${BASE}/next`]: () => json(200, screens[Math.min(current, screens.length - 1)]),
    [`POST ${COMMANDS}/verdicts`]: (call) => {
      verdicts.push(call)
      current += 1
      return json(201, contractExample('ModerationVerdictView'))
    },
    [`DELETE ${COMMANDS}/verdicts/last`]: (call) => {
      undos.push(call)
      if (current === 0) return json(404, errorBody('NOT_FOUND', 'you have no verdict on this job to undo'))
      current -= 1
      return json(200, contractExample('ModerationVerdictView'))
    },
  })
  return { gateway, verdicts, undos }
}

const press = async (key: string, target: EventTarget = window) => {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }))
  await flushPromises()
}

const choice = (mounted: MountedApp, shortcut: string) => mounted.wrapper.get(`button[aria-keyshortcuts^="${shortcut}"]`)

describe('the moderation screen', () => {
  it('shows both essays side by side, anonymised, with the progress and the shortcuts', async () => {
    moderation(screen(3))
    app = await mountApp(`/batches/${BATCH_ID}/moderate`)
    const essays = app.wrapper.findAll('article')
    expect(essays.map((essay) => essay.get('h2').text())).toEqual(['Essay A', 'Essay B'])
    expect(essays[0]!.text()).toContain('My summer holiday began with a long train journey north.')
    expect(essays[1]!.text()).toContain('Last summer I learned to sail')
    expect(app.wrapper.get('[data-testid="moderation-progress"]').text()).toContain('Verdict 3 of 12')
    expect(app.wrapper.text()).toContain('Keyboard: A or ← for Essay A, B or → for Essay B, U to undo')
    expect(app.wrapper.text()).toContain('Why this pair: Near a grade boundary')
    // Nothing names the writer: the contract has no name, and the page shows no file name.
    expect(app.wrapper.text()).not.toMatch(/anna|\.docx|\.pdf/i)
  })

  it('records a verdict with the keyboard and the reason, then shows the next pair', async () => {
    const { verdicts } = moderation(screen(0), screen(1))
    app = await mountApp(`/batches/${BATCH_ID}/moderate`)
    const reason = byLabel(app.wrapper, 'Reason (optional, one line)')
    await reason.setValue('  clearer argument ')
    await press('b', reason.element) // typing in the reason field is not a verdict
    expect(verdicts).toHaveLength(0)
    await press('ArrowRight')
    expect(verdicts).toHaveLength(1)
    expect(verdicts[0]!.body).toEqual({ first: A, second: B, winner: B, reason: 'clearer argument' })
    expect(app.wrapper.get('[data-testid="moderation-progress"]').text()).toContain('Verdict 1 of 12')
    expect(app.wrapper.text()).toContain('Verdict saved. The next pair is shown.')
    expect((reason.element as HTMLInputElement).value).toBe('')

    await press('a')
    expect(verdicts[1]!.body).toEqual({ first: A, second: B, winner: A })
  })

  it('records a verdict with the buttons and undoes it with U', async () => {
    const { verdicts, undos } = moderation(screen(0), screen(1))
    app = await mountApp(`/batches/${BATCH_ID}/moderate`)
    await press('u')
    expect(app.wrapper.text()).toContain('You have no verdict to undo.')
    await choice(app, 'A').trigger('click')
    await flushPromises()
    expect(verdicts).toHaveLength(1)
    expect(app.wrapper.get('[data-testid="moderation-progress"]').text()).toContain('Verdict 1 of 12')
    await press('U')
    expect(undos).toHaveLength(2)
    expect(app.wrapper.text()).toContain('Your last verdict was taken back.')
    expect(app.wrapper.get('[data-testid="moderation-progress"]').text()).toContain('Verdict 0 of 12')
  })

  it('says when moderation is done and links the report', async () => {
    moderation(screen(12, { done: true, pair: null }))
    app = await mountApp(`/batches/${BATCH_ID}/moderate`)
    const done = app.wrapper.get('[data-testid="moderation-done"]')
    expect(done.text()).toContain('Moderation done')
    expect(done.text()).toContain('12 of 12 verdicts given')
    expect(done.get('a').attributes('href')).toBe(`/batches/${BATCH_ID}/moderation-report`)
    expect(app.wrapper.findAll('article')).toHaveLength(0)
  })

  it('cannot judge a pair whose text is missing', async () => {
    const missing = screen(0, { text_missing: true })
    ;(missing.pair as { first: { text: string | null } }).first.text = null
    const { verdicts } = moderation(missing)
    app = await mountApp(`/batches/${BATCH_ID}/moderate`)
    expect(app.wrapper.text()).toContain('This text is not available any more.')
    expect(choice(app, 'A').attributes('disabled')).toBeDefined()
    await press('a')
    expect(verdicts).toHaveLength(0)
  })

  it('shows a refused verdict, and the 404 of a batch that is not the teacher’s', async () => {
    fakeGateway({
      [`GET ${BASE}/next`]: () => json(200, screen(0)),
      [`POST ${COMMANDS}/verdicts`]: () =>
        json(409, errorBody('CONFLICT', 'you have already judged this pair', 'bff_teacher_service')),
    })
    app = await mountApp(`/batches/${BATCH_ID}/moderate`)
    await press('a')
    expect(app.wrapper.get('[role="alert"]').text()).toContain('you have already judged this pair')
    await unmountApp(app)

    fakeGateway() // no moderation route: 404
    app = await mountApp(`/batches/${BATCH_ID}/moderate`)
    expect(app.wrapper.get('[role="alert"]').text()).toContain('This batch does not exist, or it belongs to another teacher.')
  })
})
