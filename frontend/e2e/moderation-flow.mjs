// Teacher moderation (issue 24) in a real browser against the running stack: Debian's chromium driven by
// playwright-core (no browser download). Run by tests/integration/test_moderation_in_browser.py, which
// assesses a demo batch with the mock judge as the demo teacher and makes two more teachers, and passes in:
//   BASE_URL, TEACHER_EMAIL, TEACHER_PASSWORD, BATCH_ID, BATCH_TITLE, COLLEAGUE_EMAIL, COLLEAGUE_PASSWORD,
//   STRANGER_EMAIL, STRANGER_PASSWORD, CHROMIUM, SCREENSHOTS.
// The teacher opens the report (no teacher judgement yet), moderates ten pairs with the keyboard, undoes the
// last and judges it again, reads the report (10 teacher judgements, the agreement changed), sees the line on
// the batch page, and invites a colleague by email (an unknown email first), then invites the third teacher
// and removes them from the list again. The colleague finds the batch under "Batches to moderate", moderates a
// pair and reads the report, but cannot open the batch page; the third teacher sees none of it. Screens are
// checked with axe-core and saved; the first failure ends the run.
import { join } from 'node:path'

import { chromium } from 'playwright-core'

import { createFlow, env } from './flow.mjs'
import { submitSignIn } from './session.mjs'

const base = env('BASE_URL')
const shots = env('SCREENSHOTS')
const batchId = env('BATCH_ID')
const title = env('BATCH_TITLE')

const browser = await chromium.launch({ executablePath: env('CHROMIUM'), args: ['--no-sandbox'] })
let current = null
// Each teacher has a page of their own: a failure shows the one opened last.
const { step, screen } = createFlow({ browser, shots, failurePage: () => current, prefix: 'moderation-' })

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })
  const page = await context.newPage()
  current = page
  return page
}

async function signIn(page, email, password, path = '/') {
  await page.goto(`${base}${path}`)
  await submitSignIn(page, email, password)
  await page.getByRole('button', { name: /account menu|kontomeny/i }).waitFor({ timeout: 15000 })
  // English whatever the account's language, so that the checks below read one language.
  // The page that loads after signing in may move the focus, which closes an open menu: open it again
  // until its language field is there.
  await page.waitForLoadState('networkidle')
  const toggle = page.getByRole('button', { name: /account menu|kontomeny/i })
  const language = page.locator('#account-menu').getByRole('combobox', { name: /language|språk/i })
  for (let attempt = 1; ; attempt += 1) {
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click()
    try {
      await language.waitFor({ timeout: 5000 })
      await language.selectOption('en', { timeout: 5000 })
      break
    } catch (error) {
      if (attempt >= 4) throw error
    }
  }
  await page.keyboard.press('Escape')
}

const progress = (page) => page.getByTestId('moderation-progress')

/** Waits until the progress reads "Verdict <given> of ..."; returns the budget. */
async function progressIs(page, given) {
  await progress(page).getByText(new RegExp(`^Verdict ${given} of \\d+$`)).waitFor({ timeout: 60000 })
  const text = await progress(page).locator('strong').innerText()
  return Number(text.split(' of ')[1])
}

const teacher = await newPage()
let agreementBefore = ''

await step('the teacher opens the report before moderating: no teacher judgement yet', async () => {
  await signIn(teacher, env('TEACHER_EMAIL'), env('TEACHER_PASSWORD'), `/batches/${batchId}/moderation-report`)
  await teacher.getByTestId('teacher-judgements').getByText('Results include 0 teacher judgements').waitFor({ timeout: 60000 })
  agreementBefore = await teacher.getByTestId('agreement').innerText()
})

await step('the batch page offers Moderate once the assessment is complete', async () => {
  // In the app (a reload signs out): the report's link to the screen, the screen's link to the batch.
  await teacher.getByRole('link', { name: '← Moderate' }).click()
  await teacher.getByRole('link', { name: '← Back to the batch' }).click()
  await teacher.getByRole('heading', { name: title }).waitFor({ timeout: 30000 })
  await teacher.getByRole('heading', { name: 'Teacher moderation' }).waitFor()
  await teacher.getByRole('link', { name: 'Moderate', exact: true }).click()
  await teacher.getByRole('heading', { name: 'Moderate', level: 1 }).waitFor()
  const budget = await progressIs(teacher, 0)
  if (budget < 11) throw new Error(`the moderation budget is ${budget}: too small for this flow`)
  await teacher.getByRole('heading', { name: 'Essay A' }).waitFor()
  await teacher.getByRole('heading', { name: 'Essay B' }).waitFor()
  await teacher.getByText('Keyboard: A or ← for Essay A, B or → for Essay B, U to undo').waitFor()
  const text = await teacher.locator('main').innerText()
  if (/\.txt|\.docx/.test(text)) throw new Error('a file name is shown on the moderation screen')
  await screen(teacher, 'moderation-screen')
})

await step('the teacher moderates ten pairs with the keyboard, with a reason on one', async () => {
  const keys = ['a', 'ArrowRight', 'b', 'ArrowLeft', 'a', 'b', 'ArrowLeft', 'ArrowRight', 'a', 'b']
  for (const [index, key] of keys.entries()) {
    await progressIs(teacher, index)
    if (index === 2) {
      await teacher.getByLabel('Reason (optional, one line)').fill('Clearer structure and argument')
      await teacher.getByRole('heading', { name: 'Essay A' }).click() // out of the field: the keys judge again
    }
    await teacher.keyboard.press(key)
    await progressIs(teacher, index + 1)
  }
})

await step('undo takes back the last verdict, and the pair is judged again', async () => {
  await teacher.keyboard.press('u')
  await teacher.getByText('Your last verdict was taken back.').waitFor()
  await progressIs(teacher, 9)
  await teacher.keyboard.press('a')
  await progressIs(teacher, 10)
})

await step('the report shows 10 teacher judgements and the agreement has changed', async () => {
  await teacher.getByRole('link', { name: 'Agreement report' }).first().click()
  await teacher.getByTestId('teacher-judgements').getByText('Results include 10 teacher judgements').waitFor({ timeout: 60000 })
  const agreement = await teacher.getByTestId('agreement').innerText()
  if (agreement === agreementBefore) throw new Error(`the agreement did not change: ${agreement}`)
  await teacher.getByRole('heading', { name: 'Moderated ranking' }).waitFor()
  await teacher.getByRole('heading', { name: 'Judges' }).waitFor()
  await screen(teacher, 'moderation-report')
  console.warn(`     agreement before: ${agreementBefore} | after: ${agreement}`)
})

await step('the batch page says the results include 10 teacher judgements', async () => {
  await teacher.getByRole('link', { name: '← Moderate' }).click()
  await teacher.getByRole('link', { name: '← Back to the batch' }).click()
  const line = teacher.getByTestId('batch-teacher-judgements')
  await line.getByText('Results include 10 teacher judgements').waitFor({ timeout: 60000 })
  await line.getByRole('link', { name: 'See the agreement report' }).waitFor()
})

/** Invites by email on the batch page; whether the invitation was accepted. */
async function invite(email) {
  await teacher.getByLabel('Colleague’s email').fill(email)
  const [answer] = await Promise.all([
    teacher.waitForResponse((r) => r.url().endsWith('/moderation/moderators') && r.request().method() === 'POST'),
    teacher.getByRole('button', { name: 'Invite', exact: true }).click(),
  ])
  return answer.ok()
}

// The list shows each colleague by their account's email as class management stores it (trimmed, lower case).
const colleagueName = (email) => email.trim().toLowerCase()
const colleagues = () => teacher.getByRole('list', { name: 'Colleagues who moderate' }).getByRole('listitem')

await step('the teacher invites a colleague by email (an unknown one first)', async () => {
  await invite('nobody-here@example.org')
  await teacher.getByText('No teacher account uses this email address.').waitFor()
  if (!(await invite(env('COLLEAGUE_EMAIL')))) throw new Error('the colleague was not invited')
  await teacher.getByText(`${env('COLLEAGUE_EMAIL')} can now moderate this batch`).waitFor()
  await colleagues().getByText(colleagueName(env('COLLEAGUE_EMAIL')), { exact: true }).waitFor()
})

await step('the teacher invites the third teacher by mistake and removes them again', async () => {
  const before = await colleagues().count()
  if (!(await invite(env('STRANGER_EMAIL')))) throw new Error('the third teacher was not invited')
  const stranger = colleagueName(env('STRANGER_EMAIL'))
  await colleagues().getByText(stranger, { exact: true }).waitFor()
  if ((await colleagues().count()) !== before + 1) throw new Error('the new colleague is not listed')
  await teacher.getByRole('button', { name: `Remove ${stranger}` }).click()
  const question = teacher.getByRole('alertdialog', { name: `Stop ${stranger} moderating this batch?` })
  await question.getByText('The verdicts they have given stay in the results.').waitFor()
  await screen(teacher, 'moderation-remove', { fullPage: false })
  await question.getByRole('button', { name: 'Yes, remove' }).click()
  await teacher.getByText(`${stranger} can no longer moderate this batch.`).waitFor()
  if ((await colleagues().count()) !== before) throw new Error('the removed colleague is still listed')
  await teacher.locator('.moderation-panel').screenshot({ path: join(shots, 'moderation-invite.png') })
})

const colleague = await newPage()

await step('the colleague finds the batch under "Batches to moderate" and moderates a pair', async () => {
  await signIn(colleague, env('COLLEAGUE_EMAIL'), env('COLLEAGUE_PASSWORD'))
  const list = colleague.getByRole('region', { name: 'Batches to moderate' })
  await list.waitFor({ timeout: 30000 })
  await list.getByText(`Batch ${batchId.slice(0, 8)}`).waitFor()
  await screen(colleague, 'moderation-invitations')
  await list.getByRole('link', { name: 'Moderate', exact: true }).click()
  await progressIs(colleague, 10) // the ten verdicts the teacher gave; the budget is shared
  await colleague.getByRole('heading', { name: 'Essay A' }).waitFor()
  const essay = (await colleague.locator('article').first().innerText()).trim()
  if (essay.length < 40) throw new Error(`the colleague does not see the essay's text: ${essay}`)
  await colleague.keyboard.press('ArrowRight')
  await progressIs(colleague, 11)
  await colleague.getByText('You have given one verdict on this batch.').waitFor()
})

await step('the colleague reads the report, without names', async () => {
  await colleague.getByRole('link', { name: 'Agreement report' }).first().click()
  await colleague.getByText('Results include 11 teacher judgements').first().waitFor({ timeout: 60000 })
  const text = await colleague.locator('main').innerText()
  if (text.includes('.txt')) throw new Error('the report shows the colleague a file name')
})

await step('the colleague cannot open the batch page', async () => {
  // A typed address: the app loads afresh, so they sign in on the way (tokens live in memory only).
  await signIn(colleague, env('COLLEAGUE_EMAIL'), env('COLLEAGUE_PASSWORD'), `/batches/${batchId}`)
  await colleague.getByText('This batch does not exist, or it belongs to another teacher.').waitFor({ timeout: 30000 })
  if ((await colleague.getByRole('heading', { name: title }).count()) !== 0) throw new Error('they see the batch')
})

const stranger = await newPage()

await step('a third teacher sees none of it', async () => {
  await signIn(stranger, env('STRANGER_EMAIL'), env('STRANGER_PASSWORD'))
  await stranger.waitForLoadState('networkidle')
  if ((await stranger.getByRole('region', { name: 'Batches to moderate' }).count()) !== 0) {
    throw new Error('they have batches to moderate')
  }
  await signIn(stranger, env('STRANGER_EMAIL'), env('STRANGER_PASSWORD'), `/batches/${batchId}/moderate`)
  await stranger.getByText('This batch does not exist, or it belongs to another teacher.').waitFor({ timeout: 30000 })
  if ((await stranger.getByRole('heading', { name: 'Essay A' }).count()) !== 0) throw new Error('they see the pair')
  await signIn(stranger, env('STRANGER_EMAIL'), env('STRANGER_PASSWORD'), `/batches/${batchId}/moderation-report`)
  await stranger.getByText('This batch does not exist, or it belongs to another teacher.').waitFor({ timeout: 30000 })
})

await browser.close()
console.log(JSON.stringify({ batch_id: batchId }))
