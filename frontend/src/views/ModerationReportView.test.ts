import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

import { setLocale } from '@/i18n'

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
const REPORT = () => json(200, contractExample('ModerationReport'))

const tableRows = (mounted: MountedApp, heading: string) => {
  const section = mounted.wrapper.findAll('section').find((s) => s.find('h2').exists() && s.get('h2').text() === heading)
  if (!section) throw new Error(`no section "${heading}"`)
  return section.findAll('tbody tr').map((row) => row.findAll('th, td').map((cell) => cell.text().replace(/\s+/g, ' ')))
}

describe('the agreement report', () => {
  it('shows agreement with its interval, disagreements, misfits, judges and the moderated ranking by name', async () => {
    fakeGateway({ [`GET ${BASE}/report`]: REPORT })
    app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
    expect(app.wrapper.get('[data-testid="teacher-judgements"]').text()).toBe('Results include 2 teacher judgements')
    expect(app.wrapper.get('[data-testid="agreement"]').text()).toBe('50% agreement on 2 shared pairs (95 % interval 9%–91%)')
    expect(tableRows(app, 'Disagreements')).toEqual([
      ['Anchor C1 / Tuva Karlsson', 'teacher-', 'Tuva Karlsson', 'Anchor C1', '0.42'],
    ])
    expect(tableRows(app, 'Misfitting essays')).toEqual([['Tuva Karlsson', '11', '2.10', '3.40']])
    expect(tableRows(app, 'Judges')).toEqual([
      ['AI judge (mock-judge)', '40', '1.00', '0.05', '0.95', '0.90'],
      ['teacher-', '2', 'from 20 decisions'],
    ])
    expect(tableRows(app, 'Moderated ranking')).toEqual([
      ['1', 'Tuva Karlsson', '1.20 ± 0.40', '11', '1'],
      ['2', 'Anchor C1', '-1.20 ± 0.45', '10', '1'],
    ])
  })

  it('shows a colleague short essay ids only: the batch page is not theirs', async () => {
    const batchCalls: RecordedCall[] = []
    fakeGateway({
      [`GET ${BASE}/report`]: REPORT,
      [`GET /bff/v1/teacher/batches/${BATCH_ID}`]: (call) => {
        batchCalls.push(call)
        return json(404, errorBody('NOT_FOUND', 'Batch not found', 'bff_teacher_service'))
      },
    })
    app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
    expect(batchCalls).toHaveLength(1)
    expect(tableRows(app, 'Moderated ranking').map((row) => row[1])).toEqual(['Essay 00000000', 'Essay 00000000'])
    expect(app.wrapper.text()).not.toContain('Tuva')
    expect(app.wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('says what the AI’s checks of moderation pairs cost, in English and Swedish', async () => {
    fakeGateway({ [`GET ${BASE}/report`]: REPORT })
    app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
    const line = () => app!.wrapper.get('[data-testid="llm-checks"]').text()
    expect(line()).toBe('AI checks of moderation pairs: 12 answered, 0 failed, 1 pending – 3,400 tokens, $0.004')
    setLocale('sv')
    await flushPromises()
    expect(line()).toBe('AI-kontroller av modereringspar: 12 besvarade, 0 misslyckade, 1 väntar – 3\u00a0400 token, 0,004\u00a0US$')
  })

  it('says when the checks reported no usage, and shows no line before any check or from an older CJ', async () => {
    const report = contractExample<Record<string, unknown>>('ModerationReport')
    const unreported = { answered: 2, failed: 1, pending: 0, tokens: null, cost_usd: null, unreported: 2 }
    fakeGateway({ [`GET ${BASE}/report`]: () => json(200, { ...report, llm_usage: unreported }) })
    app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
    expect(app.wrapper.get('[data-testid="llm-checks"]').text()).toBe(
      'AI checks of moderation pairs: 2 answered, 1 failed, 0 pending – tokens not reported, cost not reported ' +
        '(2 answers without usage data are not counted)',
    )
    await unmountApp(app)

    const none = { answered: 0, failed: 0, pending: 0, tokens: null, cost_usd: null, unreported: 0 }
    const { llm_usage: _dropped, ...older } = report
    for (const body of [{ ...report, llm_usage: none }, older]) {
      fakeGateway({ [`GET ${BASE}/report`]: () => json(200, body) })
      app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
      expect(app.wrapper.find('[data-testid="teacher-judgements"]').exists()).toBe(true)
      expect(app.wrapper.find('[data-testid="llm-checks"]').exists()).toBe(false)
      await unmountApp(app)
    }
    app = undefined
  })

  it('says how the AI’s length preference differs from the teachers’, in English and Swedish', async () => {
    fakeGateway({ [`GET ${BASE}/report`]: REPORT })
    app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
    const line = () => app!.wrapper.get('[data-testid="length-bias"]').text()
    expect(line()).toBe(
      'Length: the AI favours longer essays by 0.42 logits per SD of length (± 0.20) compared with the teachers',
    )
    setLocale('sv')
    await flushPromises()
    expect(line()).toBe(
      'Längd: AI:n gynnar längre texter med 0,42 logit per standardavvikelse i längd (± 0,20) jämfört med lärarna',
    )
  })

  it('calls a bias within two standard errors no clear preference, and shows none without teachers or length', async () => {
    const report = contractExample<Record<string, unknown>>('ModerationReport')
    const cases: [Record<string, unknown>, string][] = [
      [
        { logits_per_sd: -0.9, standard_error: 0.3 },
        'Length: the AI favours shorter essays by 0.90 logits per SD of length (± 0.30) compared with the teachers',
      ],
      [
        { logits_per_sd: 0.39, standard_error: 0.2 },
        'Length: no clear length preference of the AI compared with the teachers (0.39 ± 0.20 logits per SD of length)',
      ],
    ]
    for (const [bias, expected] of cases) {
      fakeGateway({ [`GET ${BASE}/report`]: () => json(200, { ...report, llm_length_bias: bias }) })
      app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
      expect(app.wrapper.get('[data-testid="length-bias"]').text()).toBe(expected)
      await unmountApp(app)
    }
    // No teacher verdict yet (the bias is its prior), no length declared, or an older CJ: no line.
    const { llm_length_bias: _dropped, ...older } = report
    for (const body of [{ ...report, teacher_judgements: 0 }, { ...report, llm_length_bias: null }, older]) {
      fakeGateway({ [`GET ${BASE}/report`]: () => json(200, body) })
      app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
      expect(app.wrapper.find('[data-testid="teacher-judgements"]').exists()).toBe(true)
      expect(app.wrapper.find('[data-testid="length-bias"]').exists()).toBe(false)
      await unmountApp(app)
    }
    app = undefined
  })

  it('says when no pair is shared yet', async () => {
    const report = contractExample<Record<string, unknown>>('ModerationReport')
    fakeGateway({
      [`GET ${BASE}/report`]: () =>
        json(200, { ...report, teacher_judgements: 0, agreement: { shared_verdicts: 0, agreeing: 0, rate: null, low: 0, high: 1 } }),
    })
    app = await mountApp(`/batches/${BATCH_ID}/moderation-report`)
    expect(app.wrapper.get('[data-testid="agreement"]').text()).toBe('No pair has been judged by both a teacher and the AI yet.')
    expect(app.wrapper.get('[data-testid="teacher-judgements"]').text()).toBe('Results include 0 teacher judgements')
  })
})

describe('moderation on the batch page', () => {
  it('offers Moderate, says how many teacher judgements the results include, and invites by email', async () => {
    const invites: RecordedCall[] = []
    fakeGateway({
      [`GET ${BASE}/report`]: REPORT,
      [`GET ${BASE}/moderators`]: () => json(200, { ...contractExample<object>('ModeratorList'), moderators: [] }),
      [`POST ${COMMANDS}/moderators`]: (call) => {
        invites.push(call)
        const email = (call.body as { email: string }).email
        if (email === 'nobody@skola.se') {
          return json(404, errorBody('NOT_FOUND', 'No teacher account uses this email address', 'bff_teacher_service'))
        }
        return json(200, contractExample('ModeratorList'))
      },
    })
    app = await mountApp(`/batches/${BATCH_ID}`)
    const panel = app.wrapper.get('.moderation-panel')
    expect(panel.get('a.button').text()).toBe('Moderate')
    expect(panel.get('a.button').attributes('href')).toBe(`/batches/${BATCH_ID}/moderate`)
    const line = panel.get('[data-testid="batch-teacher-judgements"]')
    expect(line.text()).toContain('Results include 2 teacher judgements')
    expect(line.get('a').attributes('href')).toBe(`/batches/${BATCH_ID}/moderation-report`)

    await byLabel(app.wrapper, 'Colleague’s email').setValue('nobody@skola.se')
    await button(app.wrapper, 'Invite').trigger('submit')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(panel.text()).toContain('No teacher account uses this email address.')

    await byLabel(app.wrapper, 'Colleague’s email').setValue('kollega@skola.se')
    await panel.get('form').trigger('submit')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(invites.map((call) => call.body)).toEqual([{ email: 'nobody@skola.se' }, { email: 'kollega@skola.se' }])
    expect(panel.text()).toContain('kollega@skola.se can now moderate this batch')
    expect(panel.text()).not.toContain('No teacher account uses this email address.')
  })

  it('hides the line while no teacher has judged', async () => {
    const report = contractExample<Record<string, unknown>>('ModerationReport')
    fakeGateway({ [`GET ${BASE}/report`]: () => json(200, { ...report, teacher_judgements: 0 }) })
    app = await mountApp(`/batches/${BATCH_ID}`)
    expect(app.wrapper.find('[data-testid="batch-teacher-judgements"]').exists()).toBe(false)
    expect(app.wrapper.get('.moderation-panel a.button').text()).toBe('Moderate')
  })
})

describe('batches to moderate on the dashboard', () => {
  it('lists a colleague’s invitations with Moderate and the report', async () => {
    fakeGateway({ 'GET /bff/v1/teacher/moderation/invitations': () => json(200, contractExample('ModerationInvitations')) })
    app = await mountApp('/')
    const section = app.wrapper.get('[aria-labelledby="invitations-title"]')
    expect(section.get('h2').text()).toBe('Batches to moderate')
    expect(section.text()).toContain('Batch 00000000')
    const links = section.findAll('a').map((link) => [link.text(), link.attributes('href')])
    expect(links).toEqual([
      ['Moderate', `/batches/${BATCH_ID}/moderate`],
      ['Report', `/batches/${BATCH_ID}/moderation-report`],
    ])
  })

  it('shows nothing without invitations', async () => {
    fakeGateway({ 'GET /bff/v1/teacher/moderation/invitations': () => json(200, { invitations: [] }) })
    app = await mountApp('/')
    expect(app.wrapper.find('[aria-labelledby="invitations-title"]').exists()).toBe(false)
  })
})
