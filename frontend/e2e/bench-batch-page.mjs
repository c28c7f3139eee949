// How long the batch page of a large batch takes to become usable in a real browser (Debian's
// chromium through playwright-core). Run by scripts/bench/bench_dashboard.py, which passes:
//   BASE_URL, TEACHER_EMAIL, TEACHER_PASSWORD, BATCH_ID, CHROMIUM, ROUNDS.
// Each round leaves the batch page for the dashboard and comes back with the browser's Back button
// (an in-app navigation: a reload would start signed out), then times two things:
//   shown:  from Back to every essay row of the ranked table rendered;
//   usable: from typing in the table's search box to the filtered rows on screen.
// Figures are printed as JSON on stdout, nothing is asserted: the machine is shared and noisy.
import { chromium } from 'playwright-core'

import { submitSignIn } from './session.mjs'

const env = (name) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}
const base = env('BASE_URL')
const rounds = Number(process.env.ROUNDS ?? '5')

const browser = await chromium.launch({ executablePath: env('CHROMIUM'), args: ['--no-sandbox'] })
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })

async function signIn() {
  await page.goto(`${base}/batches/${env('BATCH_ID')}`)
  await submitSignIn(page, env('TEACHER_EMAIL'), env('TEACHER_PASSWORD'), { timeout: 30000 })
}

/** The ranked table's rows now (the page has other tables: the charts' table alternatives). */
function rankedRows() {
  const table = [...document.querySelectorAll('table')].find((t) =>
    /best first|bästa först/i.test(t.caption?.textContent ?? ''),
  )
  return table ? table.querySelectorAll('tbody tr').length : 0
}

/** Resolves when the ranked table shows `count` rows (checked every animation frame). */
function rowsShown(count) {
  return page.waitForFunction(
    ([source, expected]) => new Function(`return (${source})()`)() >= expected,
    [rankedRows.toString(), count],
    { polling: 'raf', timeout: 60000 },
  )
}

await signIn()
const essays = Number(process.env.ESSAYS)
await rowsShown(essays)

const shown = []
const usable = []
for (let round = 0; round < rounds; round += 1) {
  await page.getByRole('link', { name: /dashboard|översikt/i }).first().click()
  await page.waitForURL((url) => url.pathname === '/')
  await page.waitForLoadState('networkidle')
  const started = Date.now()
  await page.goBack()
  await rowsShown(essays)
  shown.push(Date.now() - started)

  const search = page.getByRole('searchbox').first()
  const typed = Date.now()
  await search.fill('zzzz-no-such-student')
  await page.waitForFunction((source) => new Function(`return (${source})()`)() <= 1, rankedRows.toString(), {
    polling: 'raf',
  })
  usable.push(Date.now() - typed)
  await search.fill('')
}
await browser.close()
console.log(JSON.stringify({ essays, shown_ms: shown, search_ms: usable }))
