import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

import { ACCESS_LOG_PAGE } from '@/api/privacy'
import { fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { button } from '@/testing/forms'
import { errorBody, json, type RecordedCall } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const LOG = '/bff/v1/teacher/access-log'
const ME = contractExample<{ user_id: string }>('UserProfile').user_id
const BATCH = '3c9d5e1f-6a2b-4d7c-9e8f-0a1b2c3d4e5f'

type Entry = Record<string, unknown>

function entry(minute: number, change: Entry = {}): Entry {
  return {
    occurred_at: `2026-12-07T09:${String(minute).padStart(2, '0')}:00+00:00`,
    recorded_by: 'result_aggregator_service',
    actor_user_id: ME,
    actor_service: 'bff_teacher_service',
    action: 'read',
    subject_kind: 'batch',
    subject_id: BATCH,
    correlation_id: null,
    ...change,
  }
}

/** The BFF's access log: answers each call with the next page given. */
function accessLog(...pages: (() => Response)[]) {
  const calls: RecordedCall[] = []
  const gateway = fakeGateway({
    [`GET ${LOG}`]: (call) => {
      calls.push(call)
      const answer = pages.shift()
      return answer ? answer() : json(200, { entries: [], gaps: [] })
    },
  })
  return { calls, gateway }
}

const rows = (mounted: MountedApp) => mounted.wrapper.findAll('tbody tr').map((row) => row.findAll('th, td').map((cell) => cell.text().replace(/\s+/g, ' ')))

describe('the access log', () => {
  it('shows who read or exported what, newest first, linking the batches', async () => {
    const { gateway } = accessLog(() =>
      json(200, {
        entries: [
          entry(15, {
            recorded_by: 'class_management_service',
            action: 'export',
            subject_kind: 'student',
            subject_id: '7f3e0a4c-2b1d-4c8e-8a6f-1d2c3b4a5e6f',
            actor_service: 'api_gateway_service',
          }),
          entry(14, { recorded_by: 'content_service', subject_kind: 'essay', subject_id: '0b6b1c52-8f53-4c1e-9d1e-3f0a2f6c9a11', actor_user_id: 'colleague-2' }),
          entry(13),
        ],
        gaps: [],
      }),
    )
    app = await mountApp('/account/access-log')

    expect(app.wrapper.get('h1').text()).toBe('Access log')
    expect(document.title).toBe('Access log · HuleEdu')
    const call = gateway.calls.find((item) => item.path.startsWith(LOG))!
    expect(call.path).toBe(`${LOG}?limit=${ACCESS_LOG_PAGE}`)
    expect(call.headers.get('Authorization')).toBe('Bearer access-1')

    expect(app.wrapper.get('caption').text()).toBe('Reads and exports of your data, newest first')
    const shown = rows(app)
    expect(shown.map((row) => row.slice(1))).toEqual([
      ['Student 7f3e0a4c', 'Exported', 'You through Public API', 'Class management'],
      ['Essay 0b6b1c52', 'Read', 'colleague-2 through Dashboard', 'Content'],
      ['Batch 3c9d5e1f', 'Read', 'You through Dashboard', 'Results'],
    ])
    expect(app.wrapper.get('tbody time').attributes('datetime')).toBe('2026-12-07T09:15:00+00:00')
    const links = app.wrapper.findAll('tbody a')
    expect(links.map((link) => link.attributes('href'))).toEqual([`/batches/${BATCH}`])
    expect(app.wrapper.text()).toContain('3 entries shown')
    expect(app.wrapper.text()).toContain('That is the oldest entry.')
    expect(app.wrapper.find('.notice.warning').exists()).toBe(false)
  })

  it('loads older entries before the last one shown, until a page is not full', async () => {
    const full = Array.from({ length: ACCESS_LOG_PAGE }, (_, index) => entry(59 - (index % 60), { subject_id: `${BATCH.slice(0, -2)}${String(index).padStart(2, '0')}` }))
    const lastShown = full.at(-1)!.occurred_at as string
    const { calls } = accessLog(
      () => json(200, { entries: full, gaps: [] }),
      () => json(200, { entries: [entry(1, { action: 'export' })], gaps: [] }),
    )
    app = await mountApp('/account/access-log')
    expect(rows(app)).toHaveLength(ACCESS_LOG_PAGE)

    await button(app.wrapper, 'Load older').trigger('click')
    await flushPromises()

    expect(calls[1]!.path).toBe(`${LOG}?limit=${ACCESS_LOG_PAGE}&before=${encodeURIComponent(lastShown)}`)
    expect(rows(app)).toHaveLength(ACCESS_LOG_PAGE + 1)
    expect(rows(app).at(-1)![2]).toBe('Exported')
    expect(app.wrapper.text()).toContain(`${ACCESS_LOG_PAGE + 1} entries shown`)
    expect(app.wrapper.findAll('button').some((item) => item.text() === 'Load older')).toBe(false)
  })

  it('keeps what it shows when an older page fails, and offers a retry', async () => {
    const full = Array.from({ length: ACCESS_LOG_PAGE }, () => entry(30))
    accessLog(
      () => json(200, { entries: full, gaps: [] }),
      () => json(503, errorBody('SERVICE_UNAVAILABLE', 'The BFF is busy.', 'bff_teacher_service')),
      () => json(200, { entries: [entry(1)], gaps: [] }),
    )
    app = await mountApp('/account/access-log')

    await button(app.wrapper, 'Load older').trigger('click')
    await flushPromises()
    expect(app.wrapper.get('[role="alert"]').text()).toContain('The BFF is busy.')
    expect(rows(app)).toHaveLength(ACCESS_LOG_PAGE)

    await button(app.wrapper.get('[role="alert"]'), 'Try again').trigger('click')
    await flushPromises()
    expect(app.wrapper.find('[role="alert"]').exists()).toBe(false)
    expect(rows(app)).toHaveLength(ACCESS_LOG_PAGE + 1)
  })

  it('names the services that did not answer, and shows the rest', async () => {
    accessLog(
      () => json(200, { entries: [entry(10)], gaps: ['cj_assessment_service', 'a_new_service'] }),
    )
    app = await mountApp('/account/access-log')

    const notice = app.wrapper.get('.notice.warning')
    expect(notice.findAll('li').map((item) => item.text())).toEqual([
      'Assessment did not answer: its entries are missing from this list.',
      'a_new_service did not answer: its entries are missing from this list.',
    ])
    expect(rows(app)).toHaveLength(1)
  })

  it('says when nothing has been read yet', async () => {
    accessLog(() => json(200, { entries: [] }))
    app = await mountApp('/account/access-log')
    expect(app.wrapper.text()).toContain('Nothing has been read or exported yet.')
    expect(app.wrapper.find('table').exists()).toBe(false)
  })

  it('shows a failed first read with its reason and a retry', async () => {
    accessLog(
      () => json(502, errorBody('BAD_GATEWAY', 'No owner answered.', 'bff_teacher_service')),
      () => json(200, { entries: [entry(5)], gaps: [] }),
    )
    app = await mountApp('/account/access-log')

    const alert = app.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('No owner answered.')
    await button(alert, 'Try again').trigger('click')
    await flushPromises()
    expect(rows(app)).toHaveLength(1)
  })

  it('is in the account menu', async () => {
    accessLog()
    app = await mountApp('/')
    await app.wrapper.get('[aria-controls="account-menu"]').trigger('click')
    const link = app.wrapper.findAll('#account-menu a').find((item) => item.text() === 'Access log')!
    expect(link.attributes('href')).toBe('/account/access-log')
  })
})
