import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { BATCH_ID, fakeGateway, mountApp, unmountApp, type MountedApp, type Route } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { errorBody, json } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const ESSAY_ID = '00000000-0000-0000-0000-000000000003'
const TUVA_ID = '00000000-0000-0000-0000-000000000005'
const ANCHOR_ID = '00000000-0000-0000-0000-000000000004'
const ESSAY_VIEW = (essayId = ESSAY_ID) => `GET /bff/v1/teacher/batches/${BATCH_ID}/essays/${essayId}`
const BATCH_VIEW = `GET /bff/v1/teacher/batches/${BATCH_ID}`

type Row = Record<string, unknown>
type Detail = { batch_title: string; essay: Row; text: string | null; comparisons: Row[]; gaps: Row[] }

function detail(change: (value: Detail) => void = () => undefined): Detail {
  const value = contractExample<Detail>('EssayDetailView')
  change(value)
  return value
}

function comparison(change: Row): Row {
  return { ...contractExample<Detail>('EssayDetailView').comparisons[0]!, pair_id: crypto.randomUUID(), ...change }
}

async function openEssay(answer: Detail | Route, routes: Record<string, Route> = {}, essayId = ESSAY_ID) {
  fakeGateway({ [ESSAY_VIEW(essayId)]: typeof answer === 'function' ? answer : () => json(200, answer), ...routes })
  app = await mountApp(`/batches/${BATCH_ID}/essays/${essayId}`)
  await vi.waitFor(() => expect(app?.wrapper.find('.essay-page').exists()).toBe(true))
  await flushPromises()
  return app
}

function cells(mounted: MountedApp, selector: string): string[][] {
  return mounted.wrapper.findAll(`${selector} tbody tr`).map((tr) => tr.findAll('th, td').map((cell) => cell.text()))
}

describe('the essay page', () => {
  it('shows the essay’s result, its grade probabilities in the scale’s order and a way back to the batch', async () => {
    const mounted = await openEssay(detail())

    expect(mounted.wrapper.get('h1').text()).toBe('anna.docx')
    const back = mounted.wrapper.get('.essay-page__back a')
    expect(back.text()).toBe('← Back to Argumentative essays')
    expect(back.attributes('href')).toBe(`/batches/${BATCH_ID}`)

    const facts = mounted.wrapper.get('.essay-page dl').text()
    expect(facts).toContain('1 of 2')
    expect(facts).toContain('A (70%)')
    expect(facts).toContain('1.20 ± 0.40 (95 % interval 0.42 to 1.98)')
    expect(facts).toContain('412')
    expect(mounted.wrapper.text()).toContain('Student not confirmed')

    const bar = mounted.wrapper.get('.probability-bar')
    expect(bar.attributes('aria-label')).toBe('Grade probabilities: A 70%, B 30%')
    expect(bar.findAll('.probability-bar__segment').map((segment) => segment.attributes('data-label'))).toEqual([
      'B 30%',
      'A 70%',
    ])
    expect(cells(mounted, '.essay-page__probabilities')).toEqual([
      ['A', '70%'],
      ['B', '30%'],
    ])
  })

  it('keeps the text’s paragraphs', async () => {
    const mounted = await openEssay(
      detail((value) => (value.text = 'Skoluniformer är en dålig idé.\n\nFörst och främst\nkostar de pengar.\r\n\r\nSlutsats.')),
    )

    const paragraphs = mounted.wrapper.findAll('.essay-page__text p').map((p) => p.text())
    expect(paragraphs).toEqual(['Skoluniformer är en dålig idé.', 'Först och främst\nkostar de pengar.', 'Slutsats.'])
  })

  it('lists every comparison: opponent and grade, who was shown first, the verdict, confidence, reasons and model', async () => {
    const mounted = await openEssay(
      detail((value) => {
        value.comparisons.push(
          comparison({
            wave: 1,
            opponent_essay_id: TUVA_ID,
            opponent_name: 'Tuva Karlsson',
            opponent_is_anchor: false,
            opponent_known_grade: null,
            shown_first: false,
            outcome: 'lost',
            confidence: 2,
            justification: 'Essay B is better organised.',
          }),
          comparison({ wave: 2, outcome: 'pending', confidence: null, justification: null, model: null, provider: null }),
        )
      }),
    )

    expect(mounted.wrapper.text()).toContain('Won 1 and lost 1 of 2 answered comparisons.')
    expect(mounted.wrapper.text()).toContain('One is still waiting for the judge.')
    const rows = cells(mounted, '.essay-page__comparisons')
    expect(rows[0]).toEqual([
      '0',
      'Anchor C1Anchor · known grade C',
      'This essay',
      'Won',
      '4 of 5',
      'Essay A develops its argument further.',
      'mock / mock-judge',
    ])
    // A student opponent's grade comes from the batch view.
    expect(rows[1]!.slice(0, 6)).toEqual(['1', 'Tuva Karlssongrade C', 'The opponent', 'Lost', '2 of 5', 'Essay B is better organised.'])
    expect(rows[2]!.slice(3)).toEqual(['Waiting', '–', 'Waiting for the judge.', '–'])
    const link = mounted.wrapper.findAll('.essay-page__opponent a')[1]!
    expect(link.attributes('href')).toBe(`/batches/${BATCH_ID}/essays/${TUVA_ID}`)
  })

  it('sorts the comparisons from their column headings', async () => {
    const mounted = await openEssay(
      detail((value) => {
        value.comparisons.push(
          comparison({ opponent_name: 'Bo', confidence: 5, outcome: 'lost' }),
          comparison({ opponent_name: 'Cleo', confidence: 2, outcome: 'won' }),
        )
      }),
    )
    const opponents = () => mounted.wrapper.findAll('.essay-page__opponent a').map((link) => link.text())
    const header = (text: string) => mounted.wrapper.findAll('.essay-page__comparisons thead th').find((th) => th.text().startsWith(text))!

    expect(header('Wave').attributes('aria-sort')).toBe('ascending')
    await header('Confidence').get('button').trigger('click')
    expect(header('Confidence').attributes('aria-sort')).toBe('descending')
    expect(opponents()).toEqual(['Bo', 'Anchor C1', 'Cleo'])

    await header('Result').get('button').trigger('click')
    expect(opponents()).toEqual(['Anchor C1', 'Cleo', 'Bo'])
    expect(header('Shown first').find('button').exists()).toBe(false)
  })

  it('opens an opponent’s page from its link', async () => {
    const anchor = detail((value) => {
      value.essay = { ...contractExample<{ anchors: Row[] }>('BatchResultsView').anchors[0]! }
      value.text = null
      value.comparisons = []
    })
    const mounted = await openEssay(detail(), { [ESSAY_VIEW(ANCHOR_ID)]: () => json(200, anchor) })

    await mounted.wrapper.get('.essay-page__opponent a').trigger('click')
    await vi.waitFor(() => expect(mounted.wrapper.get('h1').text()).toBe('Anchor C1'))
    await flushPromises()
    expect(mounted.router.currentRoute.value.params['essayId']).toBe(ANCHOR_ID)
    expect(mounted.wrapper.text()).toContain('Known grade')
    expect(mounted.wrapper.text()).toContain('An anchor’s text belongs to its assignment and is not shown here.')
    expect(mounted.wrapper.text()).toContain('No comparisons yet.')
  })

  it('names the parts the BFF could not load and shows the rest', async () => {
    const mounted = await openEssay(
      detail((value) => {
        value.text = null
        value.comparisons = []
        value.gaps = [
          { part: 'text', reason: 'The content service did not answer.' },
          { part: 'comparisons', reason: 'CJ did not answer.' },
        ]
      }),
    )
    const text = mounted.wrapper.text()
    expect(text).toContain('Some information could not be loaded')
    expect(text).toContain('The content service did not answer.')
    expect(text).toContain('The text could not be loaded.')
    expect(text).toContain('The comparisons could not be loaded.')
    expect(mounted.wrapper.find('.probability-bar').exists()).toBe(true)
  })

  it('orders the grades by probability when the batch view cannot be read', async () => {
    const mounted = await openEssay(
      detail((value) => (value.essay.grade_probabilities = { C: 0.2, A: 0.5, B: 0.3 })),
      { [BATCH_VIEW]: () => json(503, errorBody('SERVICE_UNAVAILABLE', 'Down.', 'bff_teacher_service')) },
    )

    expect(cells(mounted, '.essay-page__probabilities').map(([grade]) => grade)).toEqual(['A', 'B', 'C'])
    expect(mounted.wrapper.find('[role="alert"]').exists()).toBe(false)
    expect(mounted.wrapper.get('.essay-page dl').text()).not.toContain(' of ')
  })

  it('flags an uncertain grade', async () => {
    const mounted = await openEssay(
      detail((value) => {
        value.essay.grade_probability = 0.45
        value.essay.grade_probabilities = { A: 0.45, B: 0.35, C: 0.2 }
      }),
    )
    expect(mounted.wrapper.text()).toContain('Uncertain grade')
    expect(mounted.wrapper.get('.essay-page__uncertain').text()).toBe('The most likely grade has a probability below 50 %.')
  })

  it('says an essay is not there, without a pointless retry', async () => {
    const mounted = await openEssay(() => json(404, errorBody('NOT_FOUND', 'Essay not found in this batch', 'bff_teacher_service')))

    const alert = mounted.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('This essay is not in this batch, or the batch belongs to another teacher.')
    expect(alert.find('button').exists()).toBe(false)
    expect(mounted.wrapper.get('.essay-page__back a').text()).toBe('← Back to the batch')
  })

  it('shows a failure with the error body and loads again on retry', async () => {
    let answers = 0
    const mounted = await openEssay(() => {
      answers += 1
      return answers === 1
        ? json(503, errorBody('SERVICE_UNAVAILABLE', 'The result aggregator did not answer.', 'bff_teacher_service'))
        : json(200, detail())
    })

    const alert = mounted.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('The result aggregator did not answer.')
    await alert.get('button').trigger('click')
    await flushPromises()
    expect(mounted.wrapper.get('h1').text()).toBe('anna.docx')
  })
})
