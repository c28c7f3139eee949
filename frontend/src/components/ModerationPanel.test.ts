import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

import { BATCH_ID, fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { button, byLabel } from '@/testing/forms'
import { errorBody, json, type RecordedCall } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const BASE = `/bff/v1/teacher/batches/${BATCH_ID}/moderation`
const COMMANDS = `/v1/batches/${BATCH_ID}/moderation`
const ANNA = '5a1b2c3d-0000-4000-8000-00000000000a'
const BO = '7e8f9a0b-0000-4000-8000-00000000000b'
const moderator = (userId: string) => ({ user_id: userId, added_at: '2026-11-30T12:00:00Z' })
const list = (...userIds: string[]) => ({
  ...contractExample<Record<string, unknown>>('ModeratorList'),
  moderators: userIds.map(moderator),
})
const REPORT = () => json(200, contractExample('ModerationReport'))

const panel = (mounted: MountedApp) => mounted.wrapper.get('.moderation-panel')
const colleagues = (mounted: MountedApp) =>
  panel(mounted)
    .findAll('[data-testid="moderation-colleagues"] li strong')
    .map((name) => name.text())
const dialogButton = (name: string) => {
  const found = [...document.querySelectorAll<HTMLButtonElement>('dialog button')].find((b) => b.textContent?.trim() === name)
  if (!found) throw new Error(`no dialog button "${name}"`)
  return found
}

async function confirmRemoval(mounted: MountedApp, name: string): Promise<void> {
  await button(panel(mounted), `Remove ${name}`).trigger('click')
  await flushPromises()
  expect(document.querySelector('dialog h2')?.textContent).toBe(`Stop ${name} moderating this batch?`)
  dialogButton('Yes, remove').click()
  await flushPromises()
}

describe('the colleagues who moderate, on the batch page', () => {
  it('lists them by the start of their account id with the date added, and removes one after asking', async () => {
    const removals: RecordedCall[] = []
    fakeGateway({
      [`GET ${BASE}/report`]: REPORT,
      [`GET ${BASE}/moderators`]: () => json(200, list(ANNA, BO)),
      [`DELETE ${COMMANDS}/moderators/${ANNA}`]: (call) => {
        removals.push(call)
        return json(200, list(BO))
      },
    })
    app = await mountApp(`/batches/${BATCH_ID}`)
    expect(colleagues(app)).toEqual(['Colleague 5a1b2c3d', 'Colleague 7e8f9a0b'])
    expect(panel(app).text()).toContain('by the start of their account id, as in the agreement report')
    expect(panel(app).get('li').text()).toContain('added Nov 30, 2026')

    await confirmRemoval(app, 'Colleague 5a1b2c3d')

    expect(removals).toHaveLength(1)
    expect(colleagues(app)).toEqual(['Colleague 7e8f9a0b'])
    expect(panel(app).get('[role="status"]').text()).toBe('Colleague 5a1b2c3d can no longer moderate this batch.')
    expect(app.wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('asks first: "No" removes nobody', async () => {
    const removals: RecordedCall[] = []
    fakeGateway({
      [`GET ${BASE}/moderators`]: () => json(200, list(ANNA)),
      [`DELETE ${COMMANDS}/moderators/${ANNA}`]: (call) => {
        removals.push(call)
        return json(200, list())
      },
    })
    app = await mountApp(`/batches/${BATCH_ID}`)
    await button(panel(app), 'Remove Colleague 5a1b2c3d').trigger('click')
    await flushPromises()
    dialogButton('Cancel').click()
    await flushPromises()
    expect(removals).toHaveLength(0)
    expect(colleagues(app)).toEqual(['Colleague 5a1b2c3d'])
  })

  it('shows a refused removal with its message and keeps the colleague listed', async () => {
    fakeGateway({
      [`GET ${BASE}/moderators`]: () => json(200, list(ANNA)),
      [`DELETE ${COMMANDS}/moderators/${ANNA}`]: () =>
        json(404, errorBody('NOT_FOUND', `${ANNA} is not a moderator of job x`, 'cj_assessment_service')),
    })
    app = await mountApp(`/batches/${BATCH_ID}`)
    await confirmRemoval(app, 'Colleague 5a1b2c3d')
    const alert = panel(app).get('[role="alert"]')
    expect(alert.get('h3').text()).toBe('The colleague was not removed')
    expect(alert.text()).toContain('is not a moderator of job')
    expect(colleagues(app)).toEqual(['Colleague 5a1b2c3d'])
  })

  it('lists a colleague just invited, and says when nobody is invited', async () => {
    fakeGateway({
      [`GET ${BASE}/moderators`]: () => json(200, list()),
      [`POST ${COMMANDS}/moderators`]: () => json(200, list(BO)),
    })
    app = await mountApp(`/batches/${BATCH_ID}`)
    expect(panel(app).text()).toContain('No colleague has been invited to moderate this batch.')
    await byLabel(app.wrapper, 'Colleague’s email').setValue('bo@skola.se')
    await panel(app).get('form').trigger('submit')
    await flushPromises()
    expect(colleagues(app)).toEqual(['Colleague 7e8f9a0b'])
  })

  it('shows a colleague by the email the teacher invited them by, an older one by the id', async () => {
    const labelled = { ...moderator(BO), label: 'bo@skola.se' }
    fakeGateway({
      [`GET ${BASE}/moderators`]: () => json(200, { ...list(ANNA), moderators: [moderator(ANNA), labelled] }),
      [`DELETE ${COMMANDS}/moderators/${BO}`]: () => json(200, list(ANNA)),
    })
    app = await mountApp(`/batches/${BATCH_ID}`)
    expect(colleagues(app)).toEqual(['Colleague 5a1b2c3d', 'bo@skola.se'])
    expect(panel(app).text()).toContain('Colleagues are shown by the email you invited them by')
    await confirmRemoval(app, 'bo@skola.se')
    expect(colleagues(app)).toEqual(['Colleague 5a1b2c3d'])
    expect(panel(app).get('[role="status"]').text()).toBe('bo@skola.se can no longer moderate this batch.')
  })

  it('shows nothing of the list to a colleague who moderates (CJ: the owner only)', async () => {
    fakeGateway({
      [`GET ${BASE}/report`]: REPORT,
      [`GET ${BASE}/moderators`]: () =>
        json(403, errorBody('FORBIDDEN', 'Only the job’s owner manages its moderators', 'cj_assessment_service')),
    })
    app = await mountApp(`/batches/${BATCH_ID}`)
    expect(panel(app).find('[data-testid="moderation-colleagues"]').exists()).toBe(false)
    expect(app.wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('shows a failed load in the error panel, and Retry loads the list', async () => {
    let failing = true
    fakeGateway({
      [`GET ${BASE}/moderators`]: () =>
        failing ? json(503, errorBody('UNAVAILABLE', 'CJ is not answering', 'bff_teacher_service')) : json(200, list(ANNA)),
    })
    app = await mountApp(`/batches/${BATCH_ID}`)
    const alert = panel(app).get('.error-panel')
    expect(alert.get('h2').text()).toBe('The colleagues could not be loaded')
    failing = false
    await button(alert, 'Try again').trigger('click')
    await flushPromises()
    expect(panel(app).find('.error-panel').exists()).toBe(false)
    expect(colleagues(app)).toEqual(['Colleague 5a1b2c3d'])
  })
})
