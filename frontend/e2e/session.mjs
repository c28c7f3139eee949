// Signing in on the app's sign-in page, as the browser scripts do it.

/**
 * Fills the sign-in form and submits it. The gateway allows ten sign-ins a minute per address, and
 * the test suite signs in often: when it answers 429, wait the Retry-After it names (the page shows
 * it too) and submit again, up to four times.
 */
export async function submitSignIn(page, email, password, { timeout = 15000 } = {}) {
  await page.getByLabel(/e-?mail/i).fill(email)
  await page.getByLabel(/password|lösenord/i).fill(password)
  for (let attempt = 1; ; attempt += 1) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/auth/login'), { timeout }),
      page.keyboard.press('Enter'),
    ])
    if (response.status() !== 429 || attempt >= 4) return
    const wait = Number(response.headers()['retry-after'] ?? '60')
    await page.waitForTimeout((Number.isFinite(wait) ? wait + 1 : 61) * 1000)
  }
}
