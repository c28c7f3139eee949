import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { byLabel, button, description } from '@/testing/forms'
import { errorBody, json, type RecordedCall } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const SHARED = [
  { assignment_id: '00000000-0000-0000-0000-000000000005', title: 'Argumentative essay, year 9' },
  { assignment_id: '00000000-0000-0000-0000-000000000006', title: 'Letters to the council' },
]

function refusal(status: number, code: string, message: string, details: object) {
  const body = errorBody(code, message, 'class_management_service')
  return () => json(status, { error: { ...body.error, details } })
}

function section(mounted: MountedApp) {
  return mounted.wrapper.get('.delete-account')
}

async function deleteWith(mounted: MountedApp, password: string) {
  await byLabel(section(mounted), 'Your password').setValue(password)
  await button(section(mounted), 'Delete my account…').trigger('click')
  await flushPromises()
  const question = mounted.wrapper.find('[role="alertdialog"]')
  if (question.exists()) {
    await button(question, 'Yes, delete my account').trigger('click')
    await flushPromises()
  }
}

describe('the account page', () => {
  it('links the password change and the access log, and says what deleting the account erases', async () => {
    fakeGateway()
    app = await mountApp('/account')

    expect(app.wrapper.get('h1').text()).toBe('Your account')
    expect(document.title).toBe('Your account · HuleEdu')
    const links = app.wrapper.findAll('main a').map((link) => [link.text(), link.attributes('href')])
    expect(links).toContainEqual(['Change password', '/account/password'])
    expect(links).toContainEqual(['Open the access log', '/account/access-log'])
    const text = section(app).text()
    expect(text).toContain('your classes and your students')
    expect(text).toContain('every batch, with its essays, their texts, the grades and the judges’ reasons')
    expect(text).toContain('your assignments and their anchor essays')
  })

  it('asks for the password before it asks anything else', async () => {
    const gateway = fakeGateway()
    app = await mountApp('/account')

    await button(section(app), 'Delete my account…').trigger('click')
    await flushPromises()

    expect(app.wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(description(section(app), byLabel(section(app), 'Your password'))).toContain('Fill in this field.')
    expect(gateway.calls.filter((call) => call.path === '/v1/account')).toHaveLength(0)
  })

  it('deletes the account after the question, then shows the sign-in page with a notice', async () => {
    const sent: RecordedCall[] = []
    fakeGateway({
      'DELETE /v1/account': (call) => {
        sent.push(call)
        return new Response(null, { status: 204 })
      },
    })
    app = await mountApp('/account')

    await byLabel(section(app), 'Your password').setValue('correct horse')
    await button(section(app), 'Delete my account…').trigger('click')
    await flushPromises()
    const question = app.wrapper.get('[role="alertdialog"]')
    expect(question.get('h2').text()).toBe('Delete your account and everything in it?')
    expect(question.text()).toContain('This cannot be undone.')
    expect(document.activeElement?.textContent?.trim()).toBe('No, keep it')
    expect(sent).toHaveLength(0)

    await button(question, 'Yes, delete my account').trigger('click')
    await vi.waitFor(() => expect(app?.router.currentRoute.value.name).toBe('sign-in'))
    await flushPromises()

    expect(sent[0]!.body).toEqual({ password: 'correct horse' })
    expect(sent[0]!.headers.get('Authorization')).toBe('Bearer access-1')
    expect(app.wrapper.get('[role="status"]').text()).toBe('Your account and everything it held were deleted.')
    expect(app.wrapper.find('[aria-controls="account-menu"]').exists()).toBe(false)
  })

  it('lists the shared assignments that must be handed over first, with links to them', async () => {
    fakeGateway({
      'DELETE /v1/account': refusal(409, 'CONFLICT', 'The account shares 2 assignment(s) with colleagues', {
        reason: 'shared_assignments',
        shared_assignments: SHARED,
      }),
    })
    app = await mountApp('/account')

    await deleteWith(app, 'correct horse')

    expect(app.wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    const alert = section(app).get('[role="alert"]')
    expect(alert.text()).toContain('Your account was not deleted: you share these assignments with colleagues.')
    expect(alert.findAll('a').map((link) => [link.text(), link.attributes('href')])).toEqual([
      ['Argumentative essay, year 9', '/assignments/00000000-0000-0000-0000-000000000005'],
      ['Letters to the council', '/assignments/00000000-0000-0000-0000-000000000006'],
    ])
    expect(app.router.currentRoute.value.name).toBe('account')
  })

  it('marks a wrong password beside the field and keeps the teacher signed in', async () => {
    fakeGateway({
      'DELETE /v1/account': refusal(403, 'FORBIDDEN', 'The password is not correct; the account was not deleted', {
        reason: 'wrong_password',
        fields: [{ field: 'password', message: 'not correct' }],
      }),
    })
    app = await mountApp('/account')

    await deleteWith(app, 'wrong one')

    const field = byLabel(section(app), 'Your password')
    expect(field.attributes('aria-invalid')).toBe('true')
    expect(description(section(app), field)).toContain('The password is not correct.')
    expect(app.router.currentRoute.value.name).toBe('account')
    expect(app.wrapper.find('[aria-controls="account-menu"]').exists()).toBe(true)
  })

  it('shows any other refusal beside the button, with its reason', async () => {
    fakeGateway({
      'DELETE /v1/account': refusal(503, 'SERVICE_UNAVAILABLE', 'Assessment could not be reached; nothing was deleted', {}),
    })
    app = await mountApp('/account')

    await deleteWith(app, 'correct horse')

    const alert = section(app).get('[role="alert"]')
    expect(alert.text()).toContain('The account was not deleted')
    expect(alert.text()).toContain('Assessment could not be reached; nothing was deleted')
  })
})
