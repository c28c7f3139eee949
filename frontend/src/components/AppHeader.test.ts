import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { errorBody, json } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

function navLinks(mounted: MountedApp) {
  return mounted.wrapper.findAll('nav a').map((link) => ({
    name: link.text(),
    href: link.attributes('href'),
    current: link.attributes('aria-current') ?? null,
  }))
}

describe('the header', () => {
  it('links the main sections and marks the current one, also on a page inside it', async () => {
    fakeGateway({
      'GET /v1/classes/0b7f2f55-2a0e-4c4c-8f0a-3f7b1d2c9e01': () => json(404, errorBody('NOT_FOUND', 'No class')),
      'GET /v1/students': () => json(200, { students: [] }),
    })
    app = await mountApp('/')

    expect(navLinks(app)).toEqual([
      { name: 'Dashboard', href: '/', current: 'page' },
      { name: 'New batch', href: '/batches/new', current: null },
      { name: 'Classes', href: '/classes', current: null },
      { name: 'Assignments', href: '/assignments', current: null },
    ])

    await app.router.push('/classes/0b7f2f55-2a0e-4c4c-8f0a-3f7b1d2c9e01')
    await vi.waitFor(() => expect(app?.wrapper.find('.class-page').exists()).toBe(true))
    expect(navLinks(app).filter((link) => link.current).map((link) => link.name)).toEqual(['Classes'])
  })

  it('opens the account menu with the name, the account pages, language and sign-out; Escape closes it', async () => {
    fakeGateway()
    app = await mountApp('/')
    const toggle = app.wrapper.get('[aria-controls="account-menu"]')
    const panel = app.wrapper.get('#account-menu')

    expect(toggle.text()).toContain('Account menu: Demo Teacher')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    expect(panel.isVisible()).toBe(false)

    await toggle.trigger('click')
    expect(toggle.attributes('aria-expanded')).toBe('true')
    expect(panel.isVisible()).toBe(true)
    expect(panel.text()).toContain('Signed in as Demo Teacher')
    expect(panel.text()).toContain('demo@huleedu.local')
    expect(panel.findAll('a').map((link) => [link.text(), link.attributes('href')])).toEqual([
      ['Your account', '/account'],
      ['Access log', '/account/access-log'],
      ['Change password', '/account/password'],
    ])
    expect(panel.get('label').text()).toBe('Language')
    expect(panel.get('button').text()).toBe('Sign out')

    await panel.get('select').trigger('keydown', { key: 'Escape' })
    expect(toggle.attributes('aria-expanded')).toBe('false')
    expect(document.activeElement).toBe(toggle.element)
  })

  it('goes to the password page from the menu and closes it', async () => {
    fakeGateway()
    app = await mountApp('/')
    await app.wrapper.get('[aria-controls="account-menu"]').trigger('click')
    await app.wrapper.findAll('#account-menu a').find((link) => link.text() === 'Change password')!.trigger('click')
    await vi.waitFor(() => expect(app?.wrapper.find('.password-page').exists()).toBe(true))
    await flushPromises()

    expect(app.wrapper.get('h1').text()).toBe('Change password')
    expect(app.wrapper.get('[aria-controls="account-menu"]').attributes('aria-expanded')).toBe('false')
    expect(document.title).toBe('Change password · HuleEdu')
  })
})
