import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { BATCH_ID, fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { errorBody, json } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

async function fillAndSubmit(mounted: MountedApp, email: string, password: string) {
  await mounted.wrapper.get('#sign-in-email').setValue(email)
  await mounted.wrapper.get('#sign-in-password').setValue(password)
  await mounted.wrapper.get('form').trigger('submit')
  await flushPromises()
}

describe('signing in', () => {
  it('sends a teacher who is not signed in to the sign-in page, with labelled fields and no hints', async () => {
    fakeGateway()
    app = await mountApp('/', { signedIn: false })

    expect(app.router.currentRoute.value.name).toBe('sign-in')
    expect(app.wrapper.get('h1').text()).toBe('Sign in')
    expect(app.wrapper.get('label[for="sign-in-email"]').text()).toBe('Email')
    expect(app.wrapper.get('label[for="sign-in-password"]').text()).toBe('Password')
    expect(app.wrapper.findAll('input[placeholder]')).toHaveLength(0)
    expect(app.wrapper.text()).not.toContain('huleedu-demo-password')
    expect(app.wrapper.find('.app-header').exists()).toBe(false)
  })

  it('asks for both fields before calling the gateway', async () => {
    const gateway = fakeGateway()
    app = await mountApp('/', { signedIn: false })

    await fillAndSubmit(app, '', '')

    expect(app.wrapper.get('[role="alert"]').text()).toContain('Enter both your email and your password.')
    expect(gateway.calls).toHaveLength(0)
  })

  it('shows the platform message when the sign-in is refused', async () => {
    fakeGateway({
      'POST /v1/auth/login': () =>
        json(401, errorBody('INVALID_CREDENTIALS', 'Wrong email or password.', 'class_management_service')),
    })
    app = await mountApp('/', { signedIn: false })

    await fillAndSubmit(app, 'teacher@school.se', 'wrong')

    const alert = app.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('Signing in failed')
    expect(alert.text()).toContain('Wrong email or password.')
    expect(app.wrapper.get('#sign-in-email').attributes('aria-describedby')).toBe('sign-in-error')
    expect(app.router.currentRoute.value.name).toBe('sign-in')
  })

  it('says when to try again once the account is locked', async () => {
    fakeGateway({
      'POST /v1/auth/login': () => json(429, errorBody('ACCOUNT_LOCKED', 'Too many attempts.'), { 'Retry-After': '60' }),
    })
    app = await mountApp('/', { signedIn: false })

    await fillAndSubmit(app, 'teacher@school.se', 'wrong')

    expect(app.wrapper.get('[role="alert"]').text()).toContain('You can try again in 60 seconds.')
  })

  it('signs in, opens the dashboard in the profile\'s language and names the teacher', async () => {
    const gateway = fakeGateway({
      'GET /v1/me': () => json(200, { ...contractExample<object>('UserProfile'), locale: 'sv-SE' }),
    })
    app = await mountApp('/', { signedIn: false })

    await fillAndSubmit(app, 'demo@huleedu.local', 'secret')

    expect(app.router.currentRoute.value.name).toBe('dashboard')
    expect(app.wrapper.get('h1').text()).toBe('Översikt')
    expect(app.wrapper.get('.app-header').text()).toContain('Inloggad som Demo Teacher')
    expect(document.documentElement.lang).toBe('sv')
    expect(document.title).toBe('Översikt · HuleEdu')
    // Focus moves to the new page's heading, for screen readers and keyboard users.
    expect(document.activeElement).toBe(app.wrapper.get('h1').element)
    expect(gateway.calls[0]?.body).toEqual({ email: 'demo@huleedu.local', password: 'secret' })
  })

  it('returns to the page that was asked for', async () => {
    fakeGateway()
    app = await mountApp(`/batches/${BATCH_ID}`, { signedIn: false })
    expect(app.router.currentRoute.value.query.redirect).toBe(`/batches/${BATCH_ID}`)

    await fillAndSubmit(app, 'demo@huleedu.local', 'secret')

    await vi.waitFor(() => expect(app?.router.currentRoute.value.fullPath).toBe(`/batches/${BATCH_ID}`))
  })
})

describe('the app shell', () => {
  it('switches between English and Swedish', async () => {
    fakeGateway()
    app = await mountApp('/')
    expect(app.wrapper.get('h1').text()).toBe('Dashboard')

    // The language is in the account menu.
    await app.wrapper.get('.app-header [aria-controls="account-menu"]').trigger('click')
    await app.wrapper.get('#account-menu select').setValue('sv')

    expect(app.wrapper.get('h1').text()).toBe('Översikt')
    expect(app.wrapper.findAll('#account-menu button').map((button) => button.text())).toContain('Logga ut')
    expect(document.documentElement.lang).toBe('sv')
  })

  it('signs out at the gateway and shows the sign-in page', async () => {
    const gateway = fakeGateway()
    app = await mountApp('/')

    await app.wrapper.get('.app-header [aria-controls="account-menu"]').trigger('click')
    const signOut = app.wrapper.findAll('#account-menu button').find((button) => button.text() === 'Sign out')
    await signOut!.trigger('click')
    await flushPromises()

    expect(gateway.calls.at(-1)).toMatchObject({ path: '/v1/auth/logout', body: { refresh_token: 'refresh-1' } })
    expect(app.router.currentRoute.value.name).toBe('sign-in')
    expect(app.wrapper.text()).toContain('You have signed out.')
  })

  it('lands on the sign-in page, saying why, when the session ends on its own', async () => {
    fakeGateway({
      'GET /bff/v1/teacher/dashboard': () => json(401, errorBody('TOKEN_REVOKED', 'Session ended.')),
    })
    app = await mountApp('/')
    await flushPromises()

    expect(app.router.currentRoute.value.name).toBe('sign-in')
    expect(app.wrapper.text()).toContain('Your session has ended. Sign in again to continue.')
  })
})
