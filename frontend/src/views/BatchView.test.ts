import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { BATCH_ID, fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { errorBody, eventStream, json } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const VIEW = `GET /bff/v1/teacher/batches/${BATCH_ID}`
const PAGE = `/batches/${BATCH_ID}`

type Row = Record<string, unknown>
type View = { batch: Row; job: Row | null; essays: Row[]; anchors: Row[]; gaps: Row[] }

function view(change: (value: View) => void = () => undefined): View {
  const value = contractExample<View>('BatchResultsView')
  change(value)
  return value
}

async function openBatch(answer: View | (() => Response), routes = {}) {
  fakeGateway({ [VIEW]: typeof answer === 'function' ? answer : () => json(200, answer), ...routes })
  app = await mountApp(PAGE)
  await vi.waitFor(() => expect(app?.wrapper.find('.batch').exists()).toBe(true))
  await flushPromises()
  return app
}

function rowNames(mounted: MountedApp): string[] {
  return mounted.wrapper
    .findAll('.essay-table tbody th[scope="row"]')
    .map((cell) => (cell.element.firstChild?.textContent ?? '').trim())
}

describe('the batch page: outcome and banners', () => {
  it('reads the marginal reliability in plain words and keeps SSR inside the details', async () => {
    const mounted = await openBatch(view())

    const outcome = mounted.wrapper.get('.outcome')
    const facts = outcome.get('dl').text()
    expect(facts).toContain('0.81')
    expect(facts).toContain('Rank order is reliable')
    expect(facts).not.toContain('0.84')
    const details = outcome.get('details')
    expect(details.get('summary').text()).toBe('Why the SSR figure is not used')
    expect(details.text()).toContain('0.84')
    expect(details.text()).toContain('reported only')
  })

  it.each([
    [0.75, 'Fairly reliable'],
    [0.62, 'Treat as provisional'],
  ])('reads %s as "%s"', async (reliability, reading) => {
    const mounted = await openBatch(view((value) => (value.job!.reliability = reliability)))
    expect(mounted.wrapper.get('.outcome dl').text()).toContain(reading)
  })

  it('shows banners for partial results and inconsistent anchors, with the reasons', async () => {
    const mounted = await openBatch(
      view((value) => {
        value.job!.partial = true
        value.job!.partial_reason = '12 comparisons never got an answer.'
        value.anchors[0]!.anchor_inconsistent = true
        value.anchors[0]!.grade = 'E'
      }),
    )

    const text = mounted.wrapper.text()
    expect(text).toContain('These results are partial')
    expect(text).toContain('12 comparisons never got an answer.')
    expect(text).toContain('Some anchor essays do not fit their known grade')
    expect(text).toContain('Anchor C1: known grade C, placed at E')
  })

  it('shows a failed assessment with its reason', async () => {
    const mounted = await openBatch(
      view((value) => {
        value.batch.status = 'failed'
        value.job!.status = 'failed'
        value.job!.failure = { code: 'JUDGE_DOWN', message: 'The judge could not be reached.' }
      }),
    )
    expect(mounted.wrapper.get('[role="alert"]').text()).toContain('The judge could not be reached.')
  })

  it('says a batch is not there, without a pointless retry', async () => {
    const mounted = await openBatch(() => json(404, errorBody('NOT_FOUND', 'No such batch.', 'bff_teacher_service')))

    const alert = mounted.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('This batch does not exist, or it belongs to another teacher.')
    expect(alert.find('button').exists()).toBe(false)
  })
})

describe('the batch page: ranked essays', () => {
  it('lists every student essay with grade, probability, score ± SE, comparisons and flags', async () => {
    const mounted = await openBatch(view())

    const headers = mounted.wrapper.findAll('.essay-table thead th').map((th) => th.text().replace(/[▲▼↕]/g, '').trim())
    expect(headers.map((text) => text.split('(')[0]!.trim())).toEqual([
      'Rank',
      'Student',
      'Grade',
      'Probability of grade',
      'Score ± SE',
      'Comparisons',
      'Flags',
    ])
    expect(mounted.wrapper.get('.essay-table thead th').attributes('aria-sort')).toBe('ascending')
    expect(rowNames(mounted)).toEqual(['anna.docx', 'Tuva Karlsson', 'late.txt'])
    const first = mounted.wrapper.findAll('.essay-table tbody tr')[0]!.findAll('td').map((td) => td.text())
    expect(first).toEqual(['1', 'A', '70%', '1.20 ± 0.40', '9', 'Student not confirmed'])
    expect(mounted.wrapper.findAll('.essay-table tbody tr')[1]!.text()).toContain('File: bo.pdf')
  })

  it('flags an essay whose grade has a probability below 0.5 as uncertain', async () => {
    const mounted = await openBatch(view((value) => (value.essays[1]!.grade_probability = 0.45)))

    const rows = mounted.wrapper.findAll('.essay-table tbody tr')
    expect(rows[1]!.classes()).toContain('uncertain')
    expect(rows[1]!.text()).toContain('Uncertain grade')
    expect(rows[0]!.text()).not.toContain('Uncertain grade')
    expect(mounted.wrapper.get('.essay-table__legend').text()).toContain('below 50 %')
  })

  it('sorts by a column from its heading button, and back the other way', async () => {
    const mounted = await openBatch(view())
    const gradeHeader = () => mounted.wrapper.findAll('.essay-table thead th')[2]!

    await gradeHeader().get('button').trigger('click')
    expect(gradeHeader().attributes('aria-sort')).toBe('descending')
    expect(rowNames(mounted)).toEqual(['anna.docx', 'Tuva Karlsson', 'late.txt'])

    await gradeHeader().get('button').trigger('click')
    expect(gradeHeader().attributes('aria-sort')).toBe('ascending')
    expect(rowNames(mounted)).toEqual(['Tuva Karlsson', 'anna.docx', 'late.txt'])
  })

  it('searches by student or file name', async () => {
    const mounted = await openBatch(view())
    const search = mounted.wrapper.get('.essay-table input[type="search"]')
    expect(mounted.wrapper.get(`label[for="${search.attributes('id')}"]`).text()).toBe('Search by student or file name')

    await search.setValue('BO.PDF')
    expect(rowNames(mounted)).toEqual(['Tuva Karlsson'])
    expect(mounted.wrapper.text()).toContain('1 of 3 essays')

    await search.setValue('nobody')
    expect(rowNames(mounted)).toEqual([])
    expect(mounted.wrapper.text()).toContain('No essay matches “nobody”.')
  })
})

describe('the batch page: exports', () => {
  it('downloads the CSV with the bearer token and saves it under the name the BFF gives', async () => {
    const create = vi.fn(() => 'blob:x')
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() })
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    const mounted = await openBatch(view(), {
      [`GET /bff/v1/teacher/batches/${BATCH_ID}/export.csv`]: () =>
        new Response('\uFEFFStudent,Grade\n', {
          status: 200,
          headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="Argumentative essays.csv"' },
        }),
    })
    const gateway = vi.mocked(globalThis.fetch)

    await mounted.wrapper.findAll('.export button')[0]!.trigger('click')
    await flushPromises()

    const call = gateway.mock.calls.find(([path]) => String(path).endsWith('/export.csv'))!
    expect(new Headers(call[1]?.headers).get('Authorization')).toBe('Bearer access-1')
    expect(create).toHaveBeenCalledOnce()
    expect(click).toHaveBeenCalledOnce()
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe('Argumentative essays.csv')
  })

  it('shows a failed download with the error body and a retry', async () => {
    const mounted = await openBatch(view(), {
      [`GET /bff/v1/teacher/batches/${BATCH_ID}/export.xlsx`]: () =>
        json(503, errorBody('SERVICE_UNAVAILABLE', 'CJ could not be reached.', 'bff_teacher_service')),
    })

    await mounted.wrapper.findAll('.export button')[1]!.trigger('click')
    await flushPromises()

    const alert = mounted.wrapper.get('.export [role="alert"]')
    expect(alert.text()).toContain('The download failed')
    expect(alert.text()).toContain('CJ could not be reached.')
    expect(alert.find('button').text()).toBe('Try again')
  })
})

describe('the batch page: live progress', () => {
  function running(value: View) {
    value.batch.status = 'assessing'
    value.batch.progress_percentage = 10
    value.job!.status = 'assessing'
    value.job!.state = 'comparing'
    value.job!.progress_percentage = 10
    value.essays = value.essays.map((essay) => ({ ...essay, rank: null }))
  }

  it('follows the event stream while the batch runs', async () => {
    const progress = contractExample('LiveBatchProgress')
    const mounted = await openBatch(view(running), {
      [`GET /bff/v1/teacher/batches/${BATCH_ID}/events`]: () =>
        eventStream([`id: a-1\nevent: progress\ndata: ${JSON.stringify(progress)}\n\n`], { hold: true }),
    })

    await vi.waitFor(() => expect(mounted.wrapper.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('60'))
    const request = vi.mocked(globalThis.fetch).mock.calls.find(([path]) => String(path).endsWith('/events'))!
    const headers = new Headers(request[1]?.headers)
    expect(headers.get('Authorization')).toBe('Bearer access-1')
    expect(headers.get('Accept')).toBe('text/event-stream')
    const text = mounted.wrapper.text()
    expect(text).toContain('Wave 3')
    expect(text).toContain('72 of 120 comparisons')
    expect(text).toContain('0.74')
    expect(text).toContain('Fairly reliable')
    expect(text).toContain('Live')
    expect(mounted.wrapper.find('.outcome').exists()).toBe(false)
    expect(mounted.wrapper.find('.export').exists()).toBe(false)
  })

  it('says it polls when the stream is refused', async () => {
    const mounted = await openBatch(view(running), {
      [`GET /bff/v1/teacher/batches/${BATCH_ID}/events`]: () =>
        json(429, errorBody('TOO_MANY_STREAMS', 'Too many live views are open.', 'bff_teacher_service')),
    })

    await vi.waitFor(() => expect(mounted.wrapper.text()).toContain('Updating every 5 seconds'))
  })

  it('shows progress and fetches the results when a completion arrives', async () => {
    let views = 0
    const completed = contractExample('LiveBatchCompleted')
    const mounted = await openBatch(
      () => {
        views += 1
        return json(200, views === 1 ? view(running) : view())
      },
      {
        [`GET /bff/v1/teacher/batches/${BATCH_ID}/events`]: () =>
          eventStream([`id: a-1\nevent: completed\ndata: ${JSON.stringify(completed)}\n\n`]),
      },
    )

    await vi.waitFor(() => expect(mounted.wrapper.find('.outcome').exists()).toBe(true))
    expect(views).toBe(2)
    expect(mounted.wrapper.find('.export').exists()).toBe(true)
    expect(rowNames(mounted)).toEqual(['anna.docx', 'Tuva Karlsson', 'late.txt'])
  })
})
