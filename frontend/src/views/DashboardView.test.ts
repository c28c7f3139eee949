import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { rememberDeleted } from '@/composables/deletedBatches'
import { fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { errorBody, json } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

type Dashboard = Record<string, unknown> & { summary: Record<string, unknown>; recent_batches: Record<string, unknown>[] }

function dashboard(change: (view: Dashboard) => void = () => undefined): Dashboard {
  const view = contractExample<Dashboard>('TeacherDashboard')
  view.summary.spend_this_month = {
    assessments: 3,
    llm_calls: 40,
    input_tokens: 1000,
    output_tokens: 100,
    cost_usd: 1.5,
    assessments_without_usage: 1,
  }
  view.recent_batches[0]!.class_name = '9B'
  change(view)
  return view
}

describe('the dashboard', () => {
  it('shows what needs action, each with one button to the batch', async () => {
    fakeGateway({ 'GET /bff/v1/teacher/dashboard': () => json(200, dashboard()) })
    app = await mountApp('/')

    const items = app.wrapper.findAll('.actions__item')
    expect(items).toHaveLength(1)
    expect(items[0]!.text()).toContain('Not started')
    expect(items[0]!.text()).toContain('Persuasive letters')
    expect(items[0]!.text()).toContain('12 essays uploaded; start the assessment.')
    const buttons = items[0]!.findAll('a.button')
    expect(buttons).toHaveLength(1)
    // A draft not started yet is finished in the wizard, at its first step still to do.
    expect(buttons[0]!.attributes('href')).toBe('/batches/00000000-0000-0000-0000-000000000009/setup')
  })

  it('sends names to confirm to the wizard and a failed batch to its page, and offers a new batch', async () => {
    fakeGateway({
      'GET /bff/v1/teacher/dashboard': () =>
        json(200, dashboard((view) => {
          const item = (view.needs_action as Record<string, unknown>[])[0]!
          view.needs_action = [
            { ...item, reason: 'unconfirmed_matches', batch_id: '00000000-0000-0000-0000-000000000007' },
            { ...item, reason: 'failed', batch_id: '00000000-0000-0000-0000-000000000008' },
          ]
        })),
    })
    app = await mountApp('/')

    const links = app.wrapper.findAll('.actions__item a.button').map((link) => link.attributes('href'))
    expect(links).toEqual(['/batches/00000000-0000-0000-0000-000000000007/setup', '/batches/00000000-0000-0000-0000-000000000008'])
    const newBatch = app.wrapper.findAll('a.button').find((link) => link.text().includes('New batch'))
    expect(newBatch?.attributes('href')).toBe('/batches/new')
  })

  it('lists recent batches with class, status, progress and reliability', async () => {
    fakeGateway({ 'GET /bff/v1/teacher/dashboard': () => json(200, dashboard()) })
    app = await mountApp('/')

    const row = app.wrapper.get('tbody tr')
    expect(row.get('th[scope="row"]').text()).toContain('Argumentative essays')
    expect(row.get('th a').attributes('href')).toBe('/batches/00000000-0000-0000-0000-000000000001')
    expect(row.text()).toContain('9B')
    expect(row.text()).toContain('Completed')
    expect(row.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('100')
    expect(row.text()).toContain('0.81')
    expect(row.text()).toContain('Rank order is reliable')
    expect(app.wrapper.findAll('th[scope="col"]').map((th) => th.text())).toContain('Reliability')
  })

  it("shows this month's spend and the gaps the BFF named", async () => {
    fakeGateway({ 'GET /bff/v1/teacher/dashboard': () => json(200, dashboard()) })
    app = await mountApp('/')

    const text = app.wrapper.text()
    expect(text).toContain('$1.50')
    expect(text).toContain('3 assessments')
    expect(text).toContain('40 model calls')
    expect(text).toContain('Not counted: 1 assessment without usage data.')
    expect(text).toContain('Class management did not answer; class names are left out.')
  })

  it('has empty states', async () => {
    fakeGateway({
      'GET /bff/v1/teacher/dashboard': () =>
        json(200, dashboard((view) => {
          view.needs_action = []
          view.recent_batches = []
          view.gaps = []
          view.summary.spend_this_month = null
        })),
    })
    app = await mountApp('/')

    const text = app.wrapper.text()
    expect(text).toContain('Nothing needs your attention right now.')
    expect(text).toContain('No batches yet.')
    expect(text).toContain('The spend could not be loaded.')
    expect(app.wrapper.find('table').exists()).toBe(false)
  })

  it('shows the error body with a retry that loads again', async () => {
    let failing = true
    fakeGateway({
      'GET /bff/v1/teacher/dashboard': () =>
        failing
          ? json(503, errorBody('SERVICE_UNAVAILABLE', 'Results could not be reached.', 'bff_teacher_service'))
          : json(200, dashboard()),
    })
    app = await mountApp('/')

    const alert = app.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('Results could not be reached.')
    expect(alert.text()).toContain('Reference: corr-1')

    failing = false
    await alert.get('button').trigger('click')
    await flushPromises()

    expect(app.wrapper.find('[role="alert"]').exists()).toBe(false)
    expect(app.wrapper.text()).toContain('Argumentative essays')
  })

  it('shows a loading state while the view is on its way', async () => {
    let answer: (response: Response) => void = () => undefined
    fakeGateway({ 'GET /bff/v1/teacher/dashboard': () => new Promise<Response>((resolve) => (answer = resolve)) })
    app = await mountApp('/')

    expect(app.wrapper.get('[role="status"]').text()).toContain('Loading')
    answer(json(200, dashboard()))
    await flushPromises()
    expect(app.wrapper.text()).toContain('Argumentative essays')
  })
})

describe('the dashboard after a batch was deleted in this tab', () => {
  const DELETED = '00000000-0000-0000-0000-0000000000aa'

  it('hides it while the read model still lists it, and reads the view again until it does not', async () => {
    rememberDeleted(DELETED)
    let reads = 0
    fakeGateway({
      'GET /bff/v1/teacher/dashboard': () => {
        reads += 1
        return json(200, dashboard((view) => {
          if (reads > 1) return
          view.recent_batches.push({ ...view.recent_batches[0]!, batch_id: DELETED, title: 'Deleted essays' })
          const item = (view.needs_action as Record<string, unknown>[])[0]!
          view.needs_action = [...(view.needs_action as unknown[]), { ...item, batch_id: DELETED, title: 'Deleted essays' }]
        }))
      },
    })
    app = await mountApp('/')

    expect(reads).toBe(1)
    expect(app.wrapper.text()).not.toContain('Deleted essays')
    expect(app.wrapper.text()).toContain('Argumentative essays')
    expect(app.wrapper.findAll('.actions__item')).toHaveLength(1)
    await vi.waitFor(() => expect(reads).toBe(2), { timeout: 5000 })
  })
})
