// The dashboard in a real browser against the running stack: Debian's chromium driven by
// playwright-core (no browser download). Run by tests/integration/test_dashboard_in_browser.py,
// which prepares the stack, an assessed batch and a second teacher, and passes them in:
//   BASE_URL, TEACHER_EMAIL, TEACHER_PASSWORD, BATCH_ID, BATCH_TITLE, OTHER_EMAIL, OTHER_PASSWORD,
//   CHROMIUM (the executable), SCREENSHOTS (a folder).
// Every step that fails throws, and the process exits non-zero with the step's name.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { chromium } from 'playwright-core'

const env = (name) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}
const base = env('BASE_URL')
const shots = env('SCREENSHOTS')
mkdirSync(shots, { recursive: true })

const browser = await chromium.launch({ executablePath: env('CHROMIUM'), args: ['--no-sandbox'] })
const failures = []
const pageErrors = []

let stepCount = 0

async function step(name, body) {
  stepCount += 1
  try {
    await body()
    console.warn(`ok   ${name}`)
  } catch (error) {
    failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
    console.error(`FAIL ${name}: ${error}`)
    // What the page showed when the step failed, beside the screens of the steps that passed.
    await page.screenshot({ path: join(shots, `failed-step-${stepCount}.png`), fullPage: true }).catch(() => {})
  }
}

async function signIn(page, email, password, path = '/') {
  await page.goto(`${base}${path}`)
  await page.getByLabel(/e-?mail/i).fill(email)
  await page.getByLabel(/password|lösenord/i).fill(password)
  // The gateway allows ten sign-ins a minute per address, and the suite signs in often: when it
  // answers 429, wait the Retry-After it names (the page shows it too) and try again.
  for (let attempt = 1; ; attempt += 1) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/auth/login'), { timeout: 15000 }),
      page.keyboard.press('Enter'),
    ])
    if (response.status() !== 429 || attempt >= 4) break
    const wait = Number(response.headers()['retry-after'] ?? '60')
    await page.waitForTimeout((Number.isFinite(wait) ? wait + 1 : 61) * 1000)
  }
  // Signed in once the header offers to sign out (the sign-in page has a heading too); by then the
  // profile's language is set, so a language chosen after this stays.
  await page.getByRole('button', { name: /sign out|logga ut/i }).waitFor({ timeout: 15000 })
}

const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })
const page = await context.newPage()
page.on('pageerror', (error) => pageErrors.push(String(error)))

await step('sign in and see the dashboard with the assessed batch', async () => {
  await signIn(page, env('TEACHER_EMAIL'), env('TEACHER_PASSWORD'))
  // The profile's locale may be Swedish: the checks below read English, so switch first.
  await page.getByRole('combobox').selectOption('en')
  await page.getByRole('link', { name: env('BATCH_TITLE') }).first().waitFor({ timeout: 15000 })
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true })
})

await step('open the batch: outcome, reliability in words, the ranked table', async () => {
  // A click, not page.goto: a reload starts signed out (the tokens live in memory only).
  await page.getByRole('link', { name: env('BATCH_TITLE') }).first().click()
  await page.getByRole('heading', { name: env('BATCH_TITLE') }).waitFor({ timeout: 15000 })
  await page.getByText(/rank order is reliable|fairly reliable|treat as provisional/i).first().waitFor()
  const rows = await page.locator('table tbody tr').count()
  if (rows < 2) throw new Error(`expected the ranked essays, found ${rows} rows`)
  const firstRank = (await page.locator('table tbody tr').first().locator('td').first().innerText()).trim()
  if (firstRank !== '1') throw new Error(`the first row's rank is ${firstRank}, not 1`)
  await page.screenshot({ path: join(shots, 'batch.png'), fullPage: true })
})

await step('download the CSV export', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /csv/i }).click(),
  ])
  const path = await download.path()
  if (!path) throw new Error('the download has no file')
  const { readFileSync } = await import('node:fs')
  const text = readFileSync(path, 'utf-8')
  if (!text.startsWith('\ufeffStudent,File,Rank')) throw new Error(`unexpected CSV start: ${text.slice(0, 40)}`)
})

await step('switch to Swedish and see the page translated', async () => {
  await page.getByRole('combobox').selectOption('sv')
  await page.getByText('Rangordnade texter').waitFor()
  await page.screenshot({ path: join(shots, 'batch-sv.png'), fullPage: true })
  await page.getByRole('combobox').selectOption('en')
})

await step('sign out', async () => {
  await page.getByRole('button', { name: /sign out/i }).click()
  await page.getByLabel(/e-?mail/i).waitFor()
})

await step('another teacher sees none of it', async () => {
  const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })
  const otherPage = await other.newPage()
  await signIn(otherPage, env('OTHER_EMAIL'), env('OTHER_PASSWORD'))
  await otherPage.getByRole('combobox').selectOption('en')
  await otherPage.waitForLoadState('networkidle')
  if ((await otherPage.getByText(env('BATCH_TITLE')).count()) !== 0) throw new Error('the batch is on their dashboard')
  // Straight to the batch's address, signed in again there (a reload starts signed out).
  await signIn(otherPage, env('OTHER_EMAIL'), env('OTHER_PASSWORD'), `/batches/${env('BATCH_ID')}`)
  await otherPage.waitForLoadState('networkidle')
  if ((await otherPage.getByRole('heading', { name: env('BATCH_TITLE') }).count()) !== 0) {
    throw new Error('they can open the batch')
  }
  await otherPage.screenshot({ path: join(shots, 'other-teacher-batch.png'), fullPage: true })
  await other.close()
})

await browser.close()
if (pageErrors.length) failures.push(`errors in the page: ${pageErrors.join(' | ')}`)
if (failures.length) {
  console.error(`\n${failures.length} failed:\n- ${failures.join('\n- ')}`)
  process.exit(1)
}
