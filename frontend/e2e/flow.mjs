// What every browser flow needs besides signing in (session.mjs): its settings from the environment, steps
// that end the run at the first failure with a screenshot of the page in use, and screens that are saved
// and checked with axe-core.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { checkAccessibility } from './axe.mjs'

/** A setting the test that runs the flow must pass in. */
export function env(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

/**
 * The flow's `step` and `screen`, saving into `shots` (created if missing).
 *
 * Steps depend on each other, so the first failure closes `browser` and exits non-zero, naming the step,
 * after a full-page screenshot `<prefix>failed-step-<n>.png` of `failurePage()`: the page in use at that
 * moment (a flow with several teachers' pages says which).
 */
export function createFlow({ browser, shots, failurePage, prefix = '' }) {
  mkdirSync(shots, { recursive: true })
  let count = 0

  async function step(name, body) {
    count += 1
    try {
      await body()
      console.warn(`ok   ${name}`)
    } catch (error) {
      console.error(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`)
      const page = failurePage()
      await page?.screenshot({ path: join(shots, `${prefix}failed-step-${count}.png`), fullPage: true }).catch(() => {})
      await browser.close()
      process.exit(1)
    }
  }

  /**
   * Saves the screen as `<name>.png` and checks its accessibility. The whole page by default; the viewport
   * for a modal dialog over a long page (a full-page picture shows the backdrop over the viewport only).
   */
  async function screen(page, name, { fullPage = true } = {}) {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage })
    await checkAccessibility(page, name)
  }

  return { step, screen }
}
