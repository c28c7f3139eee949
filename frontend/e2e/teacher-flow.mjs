// A teacher's whole flow in a real browser against the running stack: Debian's chromium driven by
// playwright-core (no browser download). Run by tests/integration/test_dashboard_in_browser.py, which
// prepares a class, an assignment with anchors, the essay files and a second teacher, and passes in:
//   BASE_URL, TEACHER_EMAIL, TEACHER_PASSWORD, OTHER_EMAIL, OTHER_PASSWORD, BATCH_TITLE, CLASS_NAME,
//   ASSIGNMENT_TITLE, ESSAY_DIR (the files to upload), BAD_FILE (the one the platform must refuse),
//   STUDENTS (how many essays the class roster should match), CHROMIUM (the executable),
//   SCREENSHOTS and DOWNLOADS (folders).
// Every screen is checked with axe-core (no serious or critical WCAG 2.1 AA violation) and saved as
// a screenshot. Steps depend on each other, so the first failure ends the run; the process exits
// non-zero naming the step, and prints {"batch_id": ...} on stdout when it gets that far. Near the
// end the account page is read, a student added to the class is exported and erased, the access log
// is read, and a second, small batch is created and deleted from its page (the flow's batch stays for
// the checks the test makes afterwards).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { chromium } from 'playwright-core'

import { createFlow, env } from './flow.mjs'
import { submitSignIn } from './session.mjs'

const base = env('BASE_URL')
const shots = env('SCREENSHOTS')
const downloads = env('DOWNLOADS')
mkdirSync(downloads, { recursive: true })
const title = env('BATCH_TITLE')
const essayFiles = readdirSync(env('ESSAY_DIR')).sort().map((name) => join(env('ESSAY_DIR'), name))
const students = Number(env('STUDENTS'))

const browser = await chromium.launch({ executablePath: env('CHROMIUM'), args: ['--no-sandbox'] })
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', acceptDownloads: true })
const page = await context.newPage()
const pageErrors = []
page.on('pageerror', (error) => pageErrors.push(String(error)))
let batchId = null
// One page runs the whole flow: it is the one a failure shows.
const { step, screen } = createFlow({ browser, shots, failurePage: () => page })

async function signIn(target, email, password, path = '/') {
  await target.goto(`${base}${path}`)
  await submitSignIn(target, email, password)
  // Signed in once the header shows the account menu; by then the profile's language is set, so a
  // language chosen after this stays.
  await target.getByRole('button', { name: /account menu|kontomeny/i }).waitFor({ timeout: 15000 })
}

async function openAccountMenu(target) {
  const toggle = target.getByRole('button', { name: /account menu|kontomeny/i })
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click()
}

async function chooseLanguage(target, code) {
  await openAccountMenu(target)
  await target.getByRole('combobox', { name: /language|språk/i }).selectOption(code)
  // Close the menu again so that it covers nothing.
  await target.keyboard.press('Escape')
}

/** The option of a select whose text starts with `text` (options carry extra facts after the name). */
async function selectByText(select, text) {
  const options = await select.locator('option').allInnerTexts()
  const label = options.find((option) => option.trim().startsWith(text))
  if (!label) throw new Error(`no option starting "${text}" among: ${options.join(' | ')}`)
  await select.selectOption({ label: label.trim() })
}

const rankedTable = () => page.getByRole('table', { name: /student essays, best first|elevtexter, bästa först/i })

async function download(buttonName, file) {
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: buttonName }).click()])
  const path = join(downloads, file)
  await saved.saveAs(path)
  return path
}

await step('sign in and see the dashboard', async () => {
  await page.goto(`${base}/`)
  await page.getByLabel(/e-?mail/i).waitFor()
  await screen(page, 'sign-in')
  await signIn(page, env('TEACHER_EMAIL'), env('TEACHER_PASSWORD'))
  // The profile's locale may be Swedish: the checks below read English, so switch first.
  await chooseLanguage(page, 'en')
  await page.getByRole('heading', { name: /needs your attention/i }).waitFor({ timeout: 15000 })
  await screen(page, 'dashboard')
})

await step('create a batch: title, class and assignment, with the assignment’s anchors shown', async () => {
  await page.getByRole('main').getByRole('link', { name: 'New batch' }).click()
  await page.getByLabel('Title').fill(title)
  await selectByText(page.getByLabel('Class'), env('CLASS_NAME'))
  await selectByText(page.getByLabel('Assignment'), env('ASSIGNMENT_TITLE'))
  await page.getByRole('heading', { name: `About this assignment: ${env('ASSIGNMENT_TITLE')}` }).waitFor()
  await screen(page, 'wizard-details')
  await page.getByRole('button', { name: 'Create the batch and continue' }).click()
  await page.getByLabel('Choose essay files').waitFor({ timeout: 15000 })
  batchId = new URL(page.url()).pathname.split('/')[2] ?? null
  if (!batchId || !/^[0-9a-f-]{36}$/.test(batchId)) throw new Error(`no batch id in ${page.url()}`)
})

await step('upload the essays: progress, then each file’s outcome, the bad file refused with its reason', async () => {
  await page.getByLabel('Choose essay files').setInputFiles(essayFiles)
  await page.getByRole('button', { name: `Upload ${essayFiles.length} files` }).click()
  const accepted = essayFiles.length - 1
  const round = page.getByRole('table', { name: `Round 1: accepted ${accepted}, rejected 1, duplicates 0` })
  await round.waitFor({ timeout: 60000 })
  const refused = round.locator('tr', { hasText: env('BAD_FILE') })
  const text = (await refused.innerText()).replace(/\s+/g, ' ')
  if (!/rejected/i.test(text) || text.length < env('BAD_FILE').length + 15) {
    throw new Error(`the bad file's row gives no reason: "${text}"`)
  }
  await screen(page, 'wizard-essays')
  await page.getByRole('button', { name: 'Continue' }).click()
})

await step('confirm the detected student names', async () => {
  const confirmAll = page.getByRole('button', { name: 'Confirm all suggestions' })
  await confirmAll.waitFor({ timeout: 30000 })
  // Names are matched from an event after the upload: wait until every roster student is suggested.
  await page.waitForFunction(
    (expected) => document.body.innerText.split('Suggested').length - 1 >= expected,
    students,
    { timeout: 45000 },
  )
  await screen(page, 'wizard-names')
  await confirmAll.click()
  await page.waitForFunction(
    (expected) => document.body.innerText.split('Confirmed').length - 1 >= expected,
    students,
    { timeout: 15000 },
  )
  await page.getByRole('button', { name: 'Continue' }).click()
})

await step('see the estimate of comparisons, time and cost, then start', async () => {
  await page.getByLabel('Model', { exact: true }).waitFor({ timeout: 15000 })
  await page.getByRole('radio', { name: 'One comparison per call' }).check()
  const comparisons = page.locator('[data-figure=comparisons]')
  await comparisons.waitFor({ timeout: 30000 })
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-figure=comparisons]')?.textContent ?? ''))
  await page.locator('[data-figure=cost]').waitFor()
  await page.locator('[data-figure=duration]').waitFor()
  await screen(page, 'wizard-estimate')
  const start = page.getByRole('button', { name: 'Start the assessment' })
  await start.click()
  await page.waitForURL((url) => url.pathname === `/batches/${batchId}`, { timeout: 15000 })
})

await step('watch the progress reach 100 % without reloading, then read the ranked table and the scale chart', async () => {
  // A reload would lose this mark (and sign the teacher out: tokens live in memory).
  await page.evaluate(() => {
    window.__sameDocument = true
  })
  // The progress section while it runs (the mock judge may finish within a second: then it is gone).
  await page.getByRole('progressbar').or(page.getByText('Outcome', { exact: true })).first().waitFor({ timeout: 30000 })
  // Done once the ranked table's first row has rank 1.
  await page.waitForFunction(
    () => {
      const table = [...document.querySelectorAll('table')].find((t) => /best first/i.test(t.caption?.textContent ?? ''))
      return table?.querySelector('tbody tr td')?.textContent?.trim() === '1'
    },
    null,
    { timeout: 240000 },
  )
  if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error('the page was reloaded')
  const rows = await rankedTable().locator('tbody tr').count()
  if (rows !== essayFiles.length - 1) throw new Error(`expected ${essayFiles.length - 1} ranked essays, found ${rows}`)
  await page.getByText(/rank order is reliable|fairly reliable|treat as provisional/i).first().waitFor()
  await page.getByRole('img', { name: /^Chart of \d+ student essays/ }).waitFor()
  await page.waitForTimeout(800) // the chart's entry animation
  await screen(page, 'batch')
})

await step('open an essay and read the judges’ justifications', async () => {
  await rankedTable().locator('tbody tr').first().getByRole('link').click()
  await page.getByRole('heading', { name: 'Comparisons' }).waitFor({ timeout: 15000 })
  const comparisons = page.getByRole('table', { name: /every comparison of this essay/i }).locator('tbody tr')
  if ((await comparisons.count()) < 1) throw new Error('the essay page lists no comparison')
  const justification = (await comparisons.first().innerText()).trim()
  if (justification.length < 20) throw new Error(`no justification in "${justification}"`)
  await screen(page, 'essay')
  await page.getByRole('link', { name: new RegExp(`Back to ${title}`) }).click()
  await rankedTable().waitFor({ timeout: 15000 })
})

await step('export CSV and XLSX', async () => {
  const csv = readFileSync(await download('Download CSV', 'results.csv'), 'utf-8')
  if (!csv.startsWith('\ufeffStudent,File,Rank')) throw new Error(`unexpected CSV start: ${csv.slice(0, 40)}`)
  const xlsx = readFileSync(await download('Download Excel (XLSX)', 'results.xlsx'))
  if (xlsx.subarray(0, 2).toString() !== 'PK') throw new Error('the XLSX download is not a zip file')
})

await step('switch to Swedish and see the page translated', async () => {
  await chooseLanguage(page, 'sv')
  await page.getByText('Rangordnade texter').waitFor()
  await screen(page, 'batch-sv')
  await chooseLanguage(page, 'en')
})

await step('the batch page fits a tablet (768 px) without sideways scrolling', async () => {
  await page.setViewportSize({ width: 768, height: 1024 })
  await page.waitForTimeout(300)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  if (overflow > 1) throw new Error(`the page is ${overflow} px wider than the tablet screen`)
  await screen(page, 'batch-tablet')
  await page.setViewportSize({ width: 1280, height: 900 })
})

await step('classes, the roster, assignments and their anchors', async () => {
  const nav = page.getByRole('navigation', { name: 'Main' })
  await nav.getByRole('link', { name: 'Classes' }).click()
  await page.getByRole('link', { name: env('CLASS_NAME') }).waitFor({ timeout: 15000 })
  await screen(page, 'classes')
  await page.getByRole('link', { name: env('CLASS_NAME') }).click()
  await page.getByRole('heading', { name: env('CLASS_NAME') }).waitFor({ timeout: 15000 })
  await screen(page, 'class')
  await nav.getByRole('link', { name: 'Assignments' }).click()
  await page.getByRole('link', { name: env('ASSIGNMENT_TITLE') }).first().waitFor({ timeout: 15000 })
  await screen(page, 'assignments')
  await page.getByRole('link', { name: env('ASSIGNMENT_TITLE') }).first().click()
  await page.getByRole('heading', { name: /anchors in the last batch/i }).waitFor({ timeout: 15000 })
  await screen(page, 'assignment')
})

await step('the password change in the account menu', async () => {
  await openAccountMenu(page)
  await page.getByRole('link', { name: 'Change password' }).click()
  await page.getByLabel('Current password').waitFor({ timeout: 15000 })
  await screen(page, 'account-password')
})

await step('the account page: what deleting the account erases (nothing is deleted here)', async () => {
  await openAccountMenu(page)
  await page.locator('#account-menu').getByRole('link', { name: 'Your account', exact: true }).click()
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor({ timeout: 15000 })
  const section = page.getByRole('region', { name: 'Delete your account' })
  const text = await section.innerText()
  for (const expected of ['your classes and your students', 'Assignments you share with colleagues']) {
    if (!text.includes(expected)) throw new Error(`the account page does not say "${expected}": ${text}`)
  }
  await screen(page, 'account')
})

// The next step needs the student export of issue 23 (GET /v1/students/{id}/export at the gateway and
// the BFF's composition); the erasure after it is served by class management and the gateway.
const erased = `Erasa Flow${Date.now() % 100000}`
await step('a student’s data: export it as JSON from the class page', async () => {
  // A student of their own, with no essay: the flow's batch keeps every essay for the checks afterwards.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Classes' }).click()
  await page.getByRole('link', { name: env('CLASS_NAME') }).click()
  await page.getByRole('heading', { level: 1, name: env('CLASS_NAME') }).waitFor({ timeout: 15000 })
  const add = page.getByRole('form', { name: 'A new student' })
  await add.getByLabel('First name').fill('Erasa')
  await add.getByLabel('Last name').fill(erased.slice('Erasa '.length))
  await add.getByRole('button', { name: 'Add student' }).click()
  await page.getByRole('rowheader', { name: erased }).waitFor({ timeout: 15000 })

  const exported = JSON.parse(readFileSync(await download(`Export data: ${erased}`, 'student-export.json'), 'utf-8'))
  if (`${exported.student?.first_name} ${exported.student?.last_name}` !== erased || !Array.isArray(exported.essays)) {
    throw new Error(`the export is not this student's: ${JSON.stringify(exported).slice(0, 200)}`)
  }
})

await step('erase that student: the preview, an explicit yes, and the roster without them', async () => {
  await page.getByRole('button', { name: `Erase student: ${erased}` }).click()
  const dialog = page.getByRole('alertdialog', { name: `Erase ${erased} and their essays?` })
  await dialog.waitFor({ timeout: 15000 })
  const text = await dialog.innerText()
  if (!text.includes('No essay is confirmed as theirs')) throw new Error(`the preview lists essays: ${text}`)
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '')
  if (focused !== 'No, keep them') throw new Error(`the question opened with the focus on "${focused}"`)
  await screen(page, 'student-erase-dialog')
  await dialog.getByRole('checkbox').check()
  await dialog.getByRole('button', { name: 'Yes, erase the student' }).click()
  await page.getByRole('status').filter({ hasText: `${erased} was erased.` }).waitFor({ timeout: 15000 })
  // The notice comes first, then the roster is read again: give the row the time of that read to go.
  try {
    await page.getByRole('rowheader', { name: erased }).waitFor({ state: 'detached', timeout: 15000 })
  } catch {
    throw new Error('the roster still lists the erased student')
  }
})

// Needs the access log of issue 23 (each owner's list route and the BFF's merged view).
await step('the access log in the account menu lists the reads of the flow’s batch', async () => {
  await openAccountMenu(page)
  await page.locator('#account-menu').getByRole('link', { name: 'Access log', exact: true }).click()
  const table = page.getByRole('table', { name: 'Reads and exports of your data, newest first' })
  await table.waitFor({ timeout: 15000 })
  await table.getByRole('link', { name: `Batch ${batchId.slice(0, 8)}` }).first().waitFor()
  await screen(page, 'access-log')
})

await step('delete a second, small batch from its page: a modal question, then the dashboard without it', async () => {
  const doomed = `${title} to delete`
  const nav = page.getByRole('navigation', { name: 'Main' })
  await nav.getByRole('link', { name: 'New batch' }).click()
  await page.getByLabel('Title').fill(doomed)
  await page.getByLabel('Course code').fill('ENG5')
  await page.getByRole('button', { name: 'Create the batch and continue' }).click()
  await page.getByLabel('Choose essay files').waitFor({ timeout: 15000 })
  // Two essays of their own (a marker line makes them differ from the first batch's texts).
  const folder = join(downloads, 'batch-to-delete')
  mkdirSync(folder, { recursive: true })
  const files = essayFiles
    .filter((path) => !path.endsWith(env('BAD_FILE')))
    .slice(0, 2)
    .map((path, index) => {
      const copy = join(folder, `to-delete-${index + 1}.txt`)
      writeFileSync(copy, `${readFileSync(path, 'utf-8')}\n\nA copy for the deletion check, number ${index + 1}.\n`)
      return copy
    })
  await page.getByLabel('Choose essay files').setInputFiles(files)
  await page.getByRole('button', { name: 'Upload 2 files' }).click()
  await page.getByRole('table', { name: /^Round 1: accepted 2,/ }).waitFor({ timeout: 60000 })

  // Its page, through the dashboard once the read model lists the new draft.
  const listed = page.getByRole('link', { name: doomed, exact: true })
  for (let attempt = 1; ; attempt += 1) {
    await nav.getByRole('link', { name: 'Classes' }).click()
    await page.locator('a.brand').click()
    try {
      await listed.waitFor({ timeout: 3000 })
      break
    } catch (error) {
      if (attempt >= 10) throw error
    }
  }
  await listed.click()
  await page.getByRole('heading', { level: 1, name: doomed }).waitFor({ timeout: 15000 })

  const deleteButton = page.getByRole('button', { name: 'Delete the batch' })
  const dialog = page.getByRole('alertdialog', { name: `Delete “${doomed}”?` })
  const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '')
  const focusInDialog = () => page.evaluate(() => document.activeElement?.closest('dialog[open]') !== null)
  await deleteButton.click()
  await dialog.waitFor()
  if ((await focused()) !== 'No, keep it') throw new Error(`the dialog opened with the focus on "${await focused()}"`)
  const text = await dialog.innerText()
  for (const expected of ['erased from every part of the platform', 'This cannot be undone.']) {
    if (!text.includes(expected)) throw new Error(`the dialog does not say "${expected}": ${text}`)
  }
  for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key)
    if (!(await focusInDialog())) throw new Error(`${key} moved the focus out of the dialog`)
  }
  await screen(page, 'batch-delete-dialog')
  await page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'hidden' })
  if ((await focused()) !== 'Delete the batch') throw new Error(`Escape left the focus on "${await focused()}"`)

  await deleteButton.click()
  await dialog.getByRole('button', { name: 'Yes, delete the batch' }).click()
  await page.waitForURL((url) => url.pathname === '/', { timeout: 15000 })
  await page.getByRole('status').filter({ hasText: `The batch “${doomed}” was deleted.` }).waitFor()
  await page.getByRole('heading', { name: 'Recent batches' }).waitFor()
  if ((await listed.count()) !== 0) throw new Error('the dashboard still lists the deleted batch')
  await screen(page, 'dashboard-after-delete')
})

await step('sign out', async () => {
  await openAccountMenu(page)
  await page.getByRole('button', { name: /sign out/i }).click()
  await page.getByLabel(/e-?mail/i).waitFor()
})

await step('another teacher sees none of it', async () => {
  const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })
  const otherPage = await other.newPage()
  await signIn(otherPage, env('OTHER_EMAIL'), env('OTHER_PASSWORD'))
  await chooseLanguage(otherPage, 'en')
  await otherPage.waitForLoadState('networkidle')
  if ((await otherPage.getByText(title).count()) !== 0) throw new Error('the batch is on their dashboard')
  await otherPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Classes' }).click()
  await otherPage.waitForLoadState('networkidle')
  if ((await otherPage.getByText(env('CLASS_NAME')).count()) !== 0) throw new Error('they see the class')
  // Straight to the batch's address, signed in again there (a reload starts signed out).
  await signIn(otherPage, env('OTHER_EMAIL'), env('OTHER_PASSWORD'), `/batches/${batchId}`)
  await otherPage.waitForLoadState('networkidle')
  if ((await otherPage.getByRole('heading', { name: title }).count()) !== 0) throw new Error('they can open the batch')
  await otherPage.screenshot({ path: join(shots, 'other-teacher-batch.png'), fullPage: true })
  await other.close()
})

await browser.close()
if (pageErrors.length) {
  console.error(`errors in the page: ${pageErrors.join(' | ')}`)
  process.exit(1)
}
console.log(JSON.stringify({ batch_id: batchId }))
