import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

import { fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { byLabel, description } from '@/testing/forms'
import { errorBody, json, type RecordedCall } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

async function fill(mounted: MountedApp, current: string, next: string, repeat = next) {
  await byLabel(mounted.wrapper, 'Current password').setValue(current)
  await byLabel(mounted.wrapper, 'New password').setValue(next)
  await byLabel(mounted.wrapper, 'Repeat the new password').setValue(repeat)
  await mounted.wrapper.get('form').trigger('submit')
  await flushPromises()
}

function refusal(status: number, code: string, message: string, details: object, headers: Record<string, string> = {}) {
  const body = errorBody(code, message, 'class_management_service')
  return () => json(status, { error: { ...body.error, details } }, headers)
}

describe('changing the password', () => {
  it('checks the rules first: length, the repeat, not the current one', async () => {
    const gateway = fakeGateway()
    app = await mountApp('/account/password')
    const sent = () => gateway.calls.filter((call) => call.path === '/v1/auth/password')

    await fill(app, 'old-password-1', 'short')
    expect(description(app.wrapper, byLabel(app.wrapper, 'New password'))).toContain(
      'The new password needs at least 10 characters.',
    )
    await fill(app, 'old-password-1', 'a-long-new-password', 'a-long-new-passw0rd')
    expect(description(app.wrapper, byLabel(app.wrapper, 'Repeat the new password'))).toBe(
      'The two new passwords are not the same.',
    )
    await fill(app, 'old-password-1', 'old-password-1')
    expect(description(app.wrapper, byLabel(app.wrapper, 'New password'))).toContain(
      'The new password must differ from the current one.',
    )
    expect(sent()).toHaveLength(0)
  })

  it('changes it, clears the fields and says the other sessions were signed out', async () => {
    const sent: RecordedCall[] = []
    fakeGateway({
      'POST /v1/auth/password': (call) => {
        sent.push(call)
        return new Response(null, { status: 204 })
      },
    })
    app = await mountApp('/account/password')

    await fill(app, 'old-password-1', 'a-long-new-password')

    expect(sent[0]!.body).toEqual({ old_password: 'old-password-1', new_password: 'a-long-new-password' })
    expect(sent[0]!.headers.get('Authorization')).toBe('Bearer access-1')
    expect(app.wrapper.get('[role="status"]').text()).toContain('Your password has been changed.')
    expect(byLabel(app.wrapper, 'Current password').element.value).toBe('')
    expect(app.router.currentRoute.value.name).toBe('account-password')
  })

  it('marks a wrong current password beside it and keeps what was typed', async () => {
    fakeGateway({
      'POST /v1/auth/password': refusal(403, 'FORBIDDEN', 'The current password is not correct', {
        reason: 'wrong_old_password',
        fields: [{ field: 'old_password', message: 'not correct' }],
      }),
    })
    app = await mountApp('/account/password')

    await fill(app, 'old-password-X', 'a-long-new-password')

    const current = byLabel(app.wrapper, 'Current password')
    expect(current.attributes('aria-invalid')).toBe('true')
    expect(description(app.wrapper, current)).toBe('The current password is not correct.')
    expect(app.wrapper.get('[role="alert"]').text()).toContain('The password was not changed')
    expect(current.element.value).toBe('old-password-X')
    expect(byLabel(app.wrapper, 'New password').element.value).toBe('a-long-new-password')
  })

  it("shows the platform's rule for a refused new password beside it", async () => {
    fakeGateway({
      'POST /v1/auth/password': refusal(400, 'VALIDATION_ERROR', 'new_password: too weak', {
        fields: [{ field: 'body.new_password', message: 'String should have at least 10 characters' }],
      }),
    })
    app = await mountApp('/account/password')
    await fill(app, 'old-password-1', 'a-long-new-password')
    expect(description(app.wrapper, byLabel(app.wrapper, 'New password'))).toContain(
      'String should have at least 10 characters',
    )
  })

  it('says when to try again once the account is locked', async () => {
    fakeGateway({
      'POST /v1/auth/password': refusal(
        429,
        'RATE_LIMITED',
        'Too many password attempts; try again in 5 minutes',
        {},
        { 'Retry-After': '300' },
      ),
    })
    app = await mountApp('/account/password')
    await fill(app, 'old-password-1', 'a-long-new-password')

    const alert = app.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('Too many password attempts; try again in 5 minutes')
    expect(alert.text()).toContain('you can try again in 300 seconds')
  })

  it('returns to the sign-in page when the session has ended', async () => {
    fakeGateway({ 'POST /v1/auth/password': () => json(401, errorBody('TOKEN_REVOKED', 'Session ended.')) })
    app = await mountApp('/account/password')
    await fill(app, 'old-password-1', 'a-long-new-password')

    expect(app.router.currentRoute.value.name).toBe('sign-in')
    expect(app.wrapper.text()).toContain('Your session has ended. Sign in again to continue.')
  })
})
