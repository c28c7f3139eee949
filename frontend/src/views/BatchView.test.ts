import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

import { setLocale } from '@/i18n'
import { BATCH_ID, fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { installDialogMethods } from '@/testing/dialog'
import { errorBody, eventStream, json } from '@/testing/http'

// jsdom has no canvas, so the charts fall back to their tables here (as in a browser that cannot
// draw): their data are checked through those tables; EChart.test.ts covers the drawing.

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

  it('says why the assessment stopped in the teacher’s language, with the engine’s own sentence beside it', async () => {
    const stoppedView = view((value) => {
      value.job!.stop_reason = 'reliability_reached'
      value.job!.stop_detail = 'reliability 0.872 >= target 0.80 for 2 wave(s)'
      value.job!.grade_projection_note = 'no anchor for F+: that cut point is interpolated'
    })
    const mounted = await openBatch(stoppedView)
    expect(mounted.wrapper.get('.outcome dl').text()).toContain('The rank order reached the reliability target')
    expect(mounted.wrapper.get('.outcome__detail').attributes('lang')).toBe('en')

    setLocale('sv')
    await flushPromises()
    expect(mounted.wrapper.get('.outcome dl').text()).toContain('Rangordningen nådde målet för reliabilitet')
    const note = mounted.wrapper.get('p[lang="en"]')
    expect(note.text()).toBe('no anchor for F+: that cut point is interpolated')
    expect(mounted.wrapper.text()).toContain('Bedömningsmotorns förklaring (på engelska)')
  })

  it('shows an unknown stop reason as its code', async () => {
    const mounted = await openBatch(view((value) => (value.job!.stop_reason = 'something_new')))
    expect(mounted.wrapper.get('.outcome dl').text()).toContain('something_new')
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

  it('downloads the agreement report as its own CSV once the assessment has completed', async () => {
    Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:x'), revokeObjectURL: vi.fn() })
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    const mounted = await openBatch(view(), {
      [`GET /bff/v1/teacher/batches/${BATCH_ID}/export-agreement.csv`]: () =>
        new Response('\uFEFFPart,Name,Value\n', { status: 200, headers: { 'Content-Type': 'text/csv' } }),
    })
    await button(mounted, 'Download agreement report (CSV)').trigger('click')
    await flushPromises()
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe('Argumentative essays.csv')

    // Without an assessment job there is no report to download.
    await unmountApp(mounted)
    const again = await openBatch(view((value) => (value.job = null)))
    expect(again.wrapper.get('.export').text()).not.toContain('agreement report')
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

  it('right after the wizard starts it, waits for the read model to show the run instead of saying "not assessed"', async () => {
    let views = 0
    fakeGateway({
      [VIEW]: () => {
        views += 1
        // The read model has not heard of the start on the first two reads.
        return json(200, views <= 2 ? view((value) => {
          value.batch.status = 'draft'
          value.job = null
          value.essays = value.essays.map((essay) => ({ ...essay, rank: null, bt_score: null }))
          value.anchors = value.anchors.map((anchor) => ({ ...anchor, bt_score: null }))
        }) : view((value) => {
          // No scores, so no charts: ECharts is not needed to see that the run is shown.
          value.essays = value.essays.map((essay) => ({ ...essay, bt_score: null }))
          value.anchors = value.anchors.map((anchor) => ({ ...anchor, bt_score: null }))
        }))
      },
    })
    app = await mountApp(`${PAGE}?started=1`)
    await flushPromises()
    expect(app.wrapper.text()).toContain('The assessment has been requested and is about to start')
    expect(app.wrapper.text()).not.toContain('This batch has not been assessed yet.')
    await vi.waitFor(() => expect(views).toBe(3), { timeout: 5000 })
    await flushPromises()
    expect(app.wrapper.text()).not.toContain('about to start')
    expect(app.wrapper.get('.outcome dl').text()).toContain('Rank order is reliable')
  })

  it('offers a draft’s setup, where the teacher left it', async () => {
    const mounted = await openBatch(view((value) => {
      value.batch.status = 'draft'
      value.job = null
    }))
    const link = mounted.wrapper.findAll('a').find((item) => item.text() === 'Continue setting up the batch')
    expect(link?.attributes('href')).toBe(`/batches/${BATCH_ID}/setup`)
  })

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

describe('the batch page: when the read model lags the stream', () => {
  it('reads the view again until it has the results the completion announced', async () => {
    let views = 0
    const completed = contractExample('LiveBatchCompleted')
    const stillRunning = (value: View) => {
      value.batch.status = 'assessing'
      value.job!.status = 'assessing'
      value.essays = value.essays.map((essay) => ({ ...essay, rank: null, bt_score: null }))
      value.anchors = value.anchors.map((anchor) => ({ ...anchor, bt_score: null }))
    }
    const mounted = await openBatch(
      () => {
        views += 1
        // The first read and the one right after the completion still say "assessing"; the next has
        // the job completed but not yet its essays' results (they come from another event).
        if (views <= 2) return json(200, view(stillRunning))
        if (views === 3) return json(200, view((value) => (value.essays = value.essays.map((e) => ({ ...e, rank: null })))))
        return json(200, view())
      },
      {
        [`GET /bff/v1/teacher/batches/${BATCH_ID}/events`]: () =>
          eventStream([`id: a-1\nevent: completed\ndata: ${JSON.stringify(completed)}\n\n`]),
      },
    )

    await vi.waitFor(() => expect(views).toBe(4), { timeout: 5000 })
    await flushPromises()
    expect(mounted.wrapper.find('.outcome').exists()).toBe(true)
    expect(rowNames(mounted)).toEqual(['anna.docx', 'Tuva Karlsson', 'late.txt'])
    expect(mounted.wrapper.find('[role="progressbar"]').exists()).toBe(false)
  })
})

// --- results: charts, probabilities, links and the batch's commands ---------------------------------

function byLabel(mounted: MountedApp, text: string) {
  const label = mounted.wrapper.findAll('label').find((item) => item.text() === text)
  if (!label) throw new Error(`no label "${text}"`)
  return mounted.wrapper.get(`#${label.attributes('for')}`)
}

function button(mounted: MountedApp, text: string) {
  const found = mounted.wrapper.findAll('button').find((item) => item.text() === text)
  if (!found) throw new Error(`no button "${text}"`)
  return found
}

function calls(path: string, method = 'POST') {
  return vi.mocked(globalThis.fetch).mock.calls.filter(([url, init]) => url === path && (init?.method ?? 'GET') === method)
}

describe('the batch page: charts', () => {
  it('shows the essays on the score scale, with a summary for screen readers and the same data as a table', async () => {
    const mounted = await openBatch(view())

    const card = mounted.wrapper.get('.scale-chart')
    expect(card.get('h2').text()).toBe('Essays on the score scale')
    const label = card.get('[role="img"]').attributes('aria-label')
    expect(label).toContain('2 student essays and one anchor on the score scale, from -1.30 to 1.20')
    expect(label).toContain('F below -2.60; E from -2.60 to -2.00')
    expect(label).toContain('A from 1.00 up')
    expect(card.text()).toContain('95 % interval (score ± 1.96 SE)')

    const details = card.get('details')
    expect(details.get('summary').text()).toBe('Show the scale as a table')
    const rows = details.findAll('table')[0]!.findAll('tbody tr').map((tr) => tr.findAll('th, td').map((cell) => cell.text()))
    expect(rows).toEqual([
      ['anna.docx', '1.20', '0.42 to 1.98', 'A (70%)', '–'],
      ['Anchor C1 Anchor', '0.10', '-0.88 to 1.08', 'C (90%)', 'C'],
      ['Tuva Karlsson', '-1.30', '-2.08 to -0.52', 'C (60%)', '–'],
    ])
    const bands = details.findAll('table')[1]!.findAll('tbody tr').map((tr) => tr.findAll('th, td').map((cell) => cell.text()))
    expect(bands[0]).toEqual(['A', 'from 1.00 up', 'fitted from the anchors'])
    expect(bands.at(-1)).toEqual(['F', 'below -2.60', 'extrapolated beyond the anchors'])
  })

  it('shows the grade distribution in the scale’s order, with its table', async () => {
    const mounted = await openBatch(view())

    const card = mounted.wrapper.get('.distribution-chart')
    expect(card.get('[role="img"]').attributes('aria-label')).toContain('F 0, E 0, D 0, C 1, B 0, A 1')
    const rows = card.findAll('tbody tr').map((tr) => tr.findAll('th, td').map((cell) => cell.text()))
    expect(rows).toEqual([
      ['F', '0', '0%'],
      ['E', '0', '0%'],
      ['D', '0', '0%'],
      ['C', '1', '50%'],
      ['B', '0', '0%'],
      ['A', '1', '50%'],
    ])
    expect(card.text()).toContain('One essay has no grade yet and is not counted.')
  })

  it('shows no charts before there are scores', async () => {
    const mounted = await openBatch(
      view((value) => {
        value.essays = value.essays.map((essay) => ({ ...essay, bt_score: null, rank: null, grade: null }))
      }),
    )
    expect(mounted.wrapper.find('.scale-chart').exists()).toBe(false)
    expect(mounted.wrapper.find('.distribution-chart').exists()).toBe(false)
  })
})

describe('the batch page: each essay’s probabilities and page', () => {
  it('draws each essay’s grade probabilities as a stacked bar that says them in words', async () => {
    const mounted = await openBatch(view())

    const rows = mounted.wrapper.findAll('.essay-table tbody tr')
    const bar = rows[0]!.get('.probability-bar')
    expect(bar.attributes('role')).toBe('img')
    expect(bar.attributes('aria-label')).toBe('Grade probabilities: A 70%, B 30%')
    // Scale order, lowest first: B then A.
    expect(bar.findAll('.probability-bar__segment').map((segment) => segment.attributes('data-label'))).toEqual(['B', 'A'])
    expect(bar.findAll('.probability-bar__segment')[1]!.attributes('style')).toContain('width: 70%')
    // Not assessed: no bar.
    expect(rows[2]!.find('.probability-bar').exists()).toBe(false)
  })

  it('links each essay to its page by the student’s name', async () => {
    const mounted = await openBatch(view())

    const link = mounted.wrapper.findAll('.essay-table tbody th[scope="row"] a')[1]!
    expect(link.text()).toBe('Tuva Karlsson')
    expect(link.attributes('href')).toBe(`/batches/${BATCH_ID}/essays/00000000-0000-0000-0000-000000000005`)
  })

  it('sums up the uncertain grades and takes partial results from the batch summary too', async () => {
    const mounted = await openBatch(
      view((value) => {
        value.essays[1]!.grade_probability = 0.45
        ;(value.batch.result_summary as Row).partial = true
      }),
    )
    const text = mounted.wrapper.text()
    expect(text).toContain('One essay has an uncertain grade')
    expect(text).toContain('These results are partial')
    expect(text).toContain('Some comparisons never got an answer')
  })
})

describe('the batch page: cancelling', () => {
  const CANCEL = `/v1/batches/${BATCH_ID}/cancel`

  function running(value: View) {
    value.batch.status = 'assessing'
    value.job!.status = 'assessing'
    value.job!.state = 'comparing'
  }
  const holdStream = {
    [`GET /bff/v1/teacher/batches/${BATCH_ID}/events`]: () => eventStream([], { hold: true }),
  }

  it('asks first, then cancels at the gateway and reads the batch again', async () => {
    let views = 0
    const mounted = await openBatch(
      () => {
        views += 1
        return json(200, views === 1 ? view(running) : view((value) => (value.batch.status = 'failed')))
      },
      { ...holdStream, [`POST ${CANCEL}`]: () => json(200, contractExample('CancelJobResponse')) },
    )

    await button(mounted, 'Cancel the assessment').trigger('click')
    const group = mounted.wrapper.get('[role="group"]')
    expect(group.get('h3').text()).toBe('Cancel this assessment?')
    expect(document.activeElement?.textContent?.trim()).toBe('No, keep it running')
    expect(calls(CANCEL)).toHaveLength(0)

    await button(mounted, 'Yes, cancel it').trigger('click')
    await flushPromises()

    expect(calls(CANCEL)).toHaveLength(1)
    expect(new Headers(calls(CANCEL)[0]![1]?.headers).get('Authorization')).toBe('Bearer access-1')
    await vi.waitFor(() => expect(views).toBe(2))
    expect(mounted.wrapper.text()).toContain('The assessment was cancelled.')
    expect(mounted.wrapper.find('[role="group"]').exists()).toBe(false)
  })

  it('keeps the assessment running when the teacher says no', async () => {
    const mounted = await openBatch(view(running), holdStream)

    await button(mounted, 'Cancel the assessment').trigger('click')
    await button(mounted, 'No, keep it running').trigger('click')

    expect(calls(CANCEL)).toHaveLength(0)
    expect(document.activeElement?.textContent?.trim()).toBe('Cancel the assessment')
  })

  it('shows the gateway’s reason when there is nothing to cancel', async () => {
    const mounted = await openBatch(view(running), {
      ...holdStream,
      [`POST ${CANCEL}`]: () =>
        json(409, errorBody('CONFLICT', 'This batch has no assessment to cancel (none was started, or CJ has not taken it up yet)')),
    })

    await button(mounted, 'Cancel the assessment').trigger('click')
    await button(mounted, 'Yes, cancel it').trigger('click')
    await flushPromises()

    const alert = mounted.wrapper.get('.cancel-assessment [role="alert"]')
    expect(alert.text()).toContain('The assessment could not be cancelled')
    expect(alert.text()).toContain('CJ has not taken it up yet')
    expect(mounted.wrapper.find('[role="group"]').exists()).toBe(false)
  })

  it('offers no cancel button once the batch has finished', async () => {
    const mounted = await openBatch(view())
    expect(mounted.wrapper.findAll('button').some((item) => item.text() === 'Cancel the assessment')).toBe(false)
  })
})

describe('the batch page: assessing again with another model', () => {
  const ESTIMATE = `/v1/batches/${BATCH_ID}/estimate`
  const START = `/v1/batches/${BATCH_ID}/assessments`

  function catalogue() {
    type Provider = { configured: boolean; circuit_breaker: string; models: Record<string, unknown>[] }
    const value = contractExample<{ providers: Record<string, Provider> }>('ModelCatalogue')
    value.providers['anthropic'] = {
      configured: true,
      circuit_breaker: 'closed',
      models: [
        { ...value.providers['openai']!.models[0]!, model: 'claude-haiku', default: false, batching_modes: ['per_request'] },
        { ...value.providers['openai']!.models[0]!, model: 'claude-sonnet', default: true },
      ],
    }
    return value
  }

  const routes = (overrides = {}) => ({
    'GET /v1/models': () => json(200, catalogue()),
    [`POST ${ESTIMATE}`]: () => json(200, contractExample('AssessmentEstimate')),
    [`POST ${START}`]: () => json(202, contractExample('AssessmentAccepted')),
    [`GET /bff/v1/teacher/batches/${BATCH_ID}/events`]: () => eventStream([], { hold: true }),
    ...overrides,
  })

  async function openForm(mounted: MountedApp) {
    await button(mounted, 'Assess again with another model').trigger('click')
    await flushPromises()
  }

  it('offers the catalogue’s configured providers, the earlier run’s first', async () => {
    const mounted = await openBatch(view(), routes())
    await openForm(mounted)

    const provider = byLabel(mounted, 'Provider')
    expect((provider.element as HTMLSelectElement).value).toBe('mock')
    const options = provider.findAll('option').map((option) => [option.text(), option.attributes('disabled') !== undefined])
    expect(options).toContainEqual(['OpenAI (not set up on this server)', true])
    expect(options).toContainEqual(['Mock judge (for testing)', false])
    expect(mounted.wrapper.text()).toContain('The current results come from Mock judge (for testing) / mock-judge.')

    await provider.setValue('anthropic')
    expect((byLabel(mounted, 'Model').element as HTMLSelectElement).value).toBe('claude-sonnet')
    expect(byLabel(mounted, 'How comparisons are sent').findAll('option').map((option) => option.text())).toEqual([
      'One comparison per call',
      'Several comparisons per call',
      "The provider’s batch service",
    ])
    await byLabel(mounted, 'Model').setValue('claude-haiku')
    expect(byLabel(mounted, 'How comparisons are sent').findAll('option')).toHaveLength(1)
  })

  it('shows the estimate for exactly the settings chosen, then starts with an idempotency key and follows the new run', async () => {
    let views = 0
    let starts = 0
    const mounted = await openBatch(
      () => {
        views += 1
        return json(
          200,
          views === 1
            ? view()
            : view((value) => {
                value.batch.status = 'assessment_requested'
              }),
        )
      },
      routes({
        [`POST ${START}`]: () => {
          starts += 1
          return starts === 1
            ? json(503, errorBody('SERVICE_UNAVAILABLE', 'The content service did not answer.'))
            : json(202, contractExample('AssessmentAccepted'))
        },
      }),
    )
    await openForm(mounted)
    await byLabel(mounted, 'How comparisons are sent').setValue('serial_bundle')
    await byLabel(mounted, 'Language of the essays').setValue('sv')
    expect(mounted.wrapper.findAll('button').some((item) => item.text() === 'Start the new assessment')).toBe(false)

    await mounted.wrapper.get('.reassess form').trigger('submit')
    await flushPromises()

    const body = { language: 'sv', llm: { provider: 'mock', model: 'mock-judge', batching_mode: 'serial_bundle' } }
    expect(calls(ESTIMATE)).toHaveLength(1)
    expect(JSON.parse(String(calls(ESTIMATE)[0]![1]?.body))).toEqual(body)
    const estimate = mounted.wrapper.get('.reassess__estimate').text()
    expect(estimate).toContain('Estimate for Mock judge (for testing) / mock-judge')
    expect(estimate).toContain('72 (between 54 and 90)')
    expect(estimate).toContain('12 student essays and 6 anchors')
    expect(estimate).toContain('$0.00')

    await button(mounted, 'Start the new assessment').trigger('click')
    await flushPromises()
    expect(mounted.wrapper.get('.reassess [role="alert"]').text()).toContain('The content service did not answer.')

    await mounted.wrapper.get('.reassess [role="alert"] button').trigger('click')
    await flushPromises()

    const [first, second] = calls(START)
    const key = new Headers(first![1]?.headers).get('Idempotency-Key')
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    // The retry is the same request: same key, same body.
    expect(new Headers(second![1]?.headers).get('Idempotency-Key')).toBe(key)
    expect(JSON.parse(String(second![1]?.body))).toEqual(body)
    await vi.waitFor(() => expect(views).toBe(2))
    expect(mounted.wrapper.text()).toContain('The new assessment has been requested.')
    expect(mounted.wrapper.find('[role="progressbar"]').exists()).toBe(true)
    expect(mounted.wrapper.find('.reassess').exists()).toBe(false)
  })

  it('drops the estimate when a setting changes, and makes a new key for the next confirmation', async () => {
    const mounted = await openBatch(view(), routes({ [`POST ${START}`]: () => json(409, errorBody('CONFLICT', 'Busy.')) }))
    await openForm(mounted)
    await mounted.wrapper.get('.reassess form').trigger('submit')
    await flushPromises()
    await button(mounted, 'Start the new assessment').trigger('click')
    await flushPromises()

    await byLabel(mounted, 'Language of the essays').setValue('sv')
    expect(mounted.wrapper.find('.reassess__estimate').exists()).toBe(false)

    await mounted.wrapper.get('.reassess form').trigger('submit')
    await flushPromises()
    await button(mounted, 'Start the new assessment').trigger('click')
    await flushPromises()

    const [first, second] = calls(START)
    expect(new Headers(first![1]?.headers).get('Idempotency-Key')).not.toBe(new Headers(second![1]?.headers).get('Idempotency-Key'))
  })

  it('shows why an estimate is refused, and refuses to start a provider without a key', async () => {
    const mounted = await openBatch(
      view(),
      routes({
        [`POST ${ESTIMATE}`]: () =>
          json(409, errorBody('CONFLICT', 'A batch needs at least 2 essays to be assessed; this one has 1', 'content_service')),
      }),
    )
    await openForm(mounted)
    await mounted.wrapper.get('.reassess form').trigger('submit')
    await flushPromises()
    expect(mounted.wrapper.get('.reassess [role="alert"]').text()).toContain('A batch needs at least 2 essays')

    await unmountApp(mounted)
    const estimate = { ...contractExample<Record<string, unknown>>('AssessmentEstimate'), provider_configured: false }
    const again = await openBatch(view(), routes({ [`POST ${ESTIMATE}`]: () => json(200, estimate) }))
    await openForm(again)
    await again.wrapper.get('.reassess form').trigger('submit')
    await flushPromises()
    expect(again.wrapper.get('.reassess__estimate [role="alert"]').text()).toContain('no API key on this server')
    expect(again.wrapper.findAll('button').some((item) => item.text() === 'Start the new assessment')).toBe(false)
  })

  it('asks for the model’s name when the provider takes any model', async () => {
    const any = catalogue()
    any.providers['openai_compatible'] = { ...any.providers['mock']!, models: [{ ...any.providers['mock']!.models[0]!, model: '*' }] }
    const mounted = await openBatch(view(), routes({ 'GET /v1/models': () => json(200, any) }))
    await openForm(mounted)
    await byLabel(mounted, 'Provider').setValue('openai_compatible')
    expect(byLabel(mounted, 'Model').text()).toContain('Another model (enter its name)')

    await mounted.wrapper.get('.reassess form').trigger('submit')
    await flushPromises()
    const input = byLabel(mounted, 'Model name')
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(mounted.wrapper.text()).toContain('Enter the name of the model to use.')
    expect(calls(ESTIMATE)).toHaveLength(0)

    await input.setValue('llama-3.1-8b')
    await mounted.wrapper.get('.reassess form').trigger('submit')
    await flushPromises()
    expect(JSON.parse(String(calls(ESTIMATE)[0]![1]?.body)).llm.model).toBe('llama-3.1-8b')
  })

  it('offers a retry when the catalogue cannot be loaded', async () => {
    let answers = 0
    const mounted = await openBatch(
      view(),
      routes({
        'GET /v1/models': () => {
          answers += 1
          return answers === 1 ? json(503, errorBody('SERVICE_UNAVAILABLE', 'The LLM provider service is down.')) : json(200, catalogue())
        },
      }),
    )
    await openForm(mounted)
    expect(mounted.wrapper.get('.reassess [role="alert"]').text()).toContain('The LLM provider service is down.')

    await mounted.wrapper.get('.reassess [role="alert"] button').trigger('click')
    await flushPromises()
    expect((byLabel(mounted, 'Provider').element as HTMLSelectElement).value).toBe('mock')
  })

  it('is offered for a failed batch too, but not while it runs', async () => {
    const failed = await openBatch(view((value) => (value.batch.status = 'failed')), routes())
    expect(failed.wrapper.find('.reassess').exists()).toBe(true)
    await unmountApp(failed)
    const running = await openBatch(view((value) => (value.batch.status = 'assessing')), routes())
    expect(running.wrapper.find('.reassess').exists()).toBe(false)
  })
})

describe('the batch page: deleting the batch', () => {
  const DELETE = `/v1/batches/${BATCH_ID}`
  const DASHBOARD = 'GET /bff/v1/teacher/dashboard'

  beforeAll(installDialogMethods)

  const dialog = (mounted: MountedApp) => mounted.wrapper.get<HTMLDialogElement>('dialog')

  async function ask(mounted: MountedApp) {
    await button(mounted, 'Delete the batch').trigger('click')
    await flushPromises()
    return dialog(mounted)
  }

  it('asks in a modal dialog that says what is erased, deletes at the gateway and shows the dashboard without it', async () => {
    // The read model still lists the batch on the dashboard's first read after the deletion.
    let dashboards = 0
    const mounted = await openBatch(view(), {
      [`DELETE ${DELETE}`]: () => new Response(null, { status: 204 }),
      [DASHBOARD]: () => {
        dashboards += 1
        const value = contractExample<{ recent_batches: Row[] }>('TeacherDashboard')
        if (dashboards > 1) value.recent_batches = []
        return json(200, value)
      },
    })

    const question = await ask(mounted)
    expect(question.element.open).toBe(true)
    expect(question.get('h2').text()).toBe('Delete “Argumentative essays”?')
    const text = question.text()
    expect(text).toContain('Its essays, their texts, the grades and the judges’ reasons are erased from every part of the platform.')
    expect(text).toContain('This cannot be undone.')
    expect(text).not.toContain('is stopped')
    expect(document.activeElement?.textContent?.trim()).toBe('No, keep it')
    expect(calls(DELETE, 'DELETE')).toHaveLength(0)

    await button(mounted, 'Yes, delete the batch').trigger('click')
    await vi.waitFor(() => expect(mounted.router.currentRoute.value.name).toBe('dashboard'))
    await flushPromises()

    expect(calls(DELETE, 'DELETE')).toHaveLength(1)
    expect(new Headers(calls(DELETE, 'DELETE')[0]![1]?.headers).get('Authorization')).toBe('Bearer access-1')
    expect(mounted.wrapper.get('.dashboard [role="status"]').text()).toBe('The batch “Argumentative essays” was deleted.')
    // The first read still lists it; the dashboard does not show it.
    expect(dashboards).toBe(1)
    expect(mounted.wrapper.findAll('.dashboard a').map((link) => link.text())).not.toContain('Argumentative essays')
    expect(mounted.wrapper.text()).toContain('No batches yet.')
    // It reads the view again until the read model has heard of the deletion, then stops.
    await vi.waitFor(() => expect(dashboards).toBe(2), { timeout: 5000 })
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect(dashboards).toBe(2)
  }, 15_000)

  it('says a running assessment is stopped too', async () => {
    const mounted = await openBatch(view((value) => (value.batch.status = 'assessing')), {
      [`GET /bff/v1/teacher/batches/${BATCH_ID}/events`]: () => eventStream([], { hold: true }),
    })
    expect((await ask(mounted)).text()).toContain('The assessment that is running now is stopped.')
  })

  it('keeps the batch on Escape, and gives the focus back to the button', async () => {
    const mounted = await openBatch(view())
    const question = await ask(mounted)

    question.element.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
    await flushPromises()

    expect(question.element.open).toBe(false)
    expect(document.activeElement?.textContent?.trim()).toBe('Delete the batch')
    expect(calls(DELETE, 'DELETE')).toHaveLength(0)
  })

  it('stays on the batch page and shows the gateway’s reason when the deletion is refused', async () => {
    const mounted = await openBatch(view(), {
      [`DELETE ${DELETE}`]: () => json(503, errorBody('SERVICE_UNAVAILABLE', 'The content service is not available.')),
    })
    await ask(mounted)
    await button(mounted, 'Yes, delete the batch').trigger('click')
    await flushPromises()

    expect(mounted.wrapper.find('dialog').exists()).toBe(false)
    const alert = mounted.wrapper.get('.delete-batch [role="alert"]')
    expect(alert.text()).toContain('The batch was not deleted')
    expect(alert.text()).toContain('The content service is not available.')
    expect(alert.text()).toContain('Reference: corr-1')
    expect(mounted.router.currentRoute.value.name).toBe('batch')
    expect(mounted.wrapper.get('h1').text()).toBe('Argumentative essays')
  })
})
