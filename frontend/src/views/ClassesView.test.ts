import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

import { fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { errorBody, json, type RecordedCall } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

type ClassOut = Record<string, unknown> & { name: string }

function classOut(name: string, id: string, students = 0): ClassOut {
  return { ...contractExample<ClassOut>('ClassOut'), class_id: id, name, student_count: students }
}

const NINE_B = classOut('9B English', '00000000-0000-0000-0000-0000000000b9', 24)
const SEVEN_A = classOut('7A English', '00000000-0000-0000-0000-0000000000a7', 1)

function field(mounted: MountedApp, label: string) {
  const target = mounted.wrapper.findAll('label').find((item) => item.text().startsWith(label))
  if (!target) throw new Error(`no field labelled ${label}`)
  return mounted.wrapper.get(`#${target.attributes('for')}`)
}

describe('the classes page', () => {
  it('lists the classes by name, each a link to its page with its student count', async () => {
    fakeGateway({ 'GET /v1/classes': () => json(200, { classes: [NINE_B, SEVEN_A] }) })
    app = await mountApp('/classes')

    expect(app.wrapper.get('h1').text()).toBe('Classes')
    const rows = app.wrapper.findAll('tbody tr')
    expect(rows.map((row) => row.get('th').text())).toEqual(['7A English', '9B English'])
    expect(rows[1]!.get('a').attributes('href')).toBe(`/classes/${NINE_B.class_id}`)
    expect(rows[1]!.text()).toContain('24')
  })

  it('has an empty state and a retry when the list cannot be loaded', async () => {
    let failing = true
    fakeGateway({
      'GET /v1/classes': () =>
        failing
          ? json(503, errorBody('SERVICE_UNAVAILABLE', 'Class management could not be reached.'))
          : json(200, { classes: [] }),
    })
    app = await mountApp('/classes')

    const alert = app.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('Class management could not be reached.')
    failing = false
    await alert.get('button').trigger('click')
    await flushPromises()
    expect(app.wrapper.text()).toContain('No classes yet. Create your first class above.')
  })

  it('checks the fields before sending, in the teacher’s language', async () => {
    const gateway = fakeGateway({ 'GET /v1/classes': () => json(200, { classes: [] }) })
    app = await mountApp('/classes')

    await field(app, 'Course code').setValue('ENG5')
    await app.wrapper.get('form').trigger('submit')

    const name = field(app, 'Class name')
    expect(name.attributes('aria-invalid')).toBe('true')
    const described = app.wrapper.get(`#${name.attributes('aria-describedby')!.split(' ')[0]}`)
    expect(described.text()).toBe('Fill in this field.')
    expect(gateway.calls.some((call) => call.method === 'POST' && call.path === '/v1/classes')).toBe(false)
  })

  it('creates a class, reads the list again and says so', async () => {
    let listed: ClassOut[] = [NINE_B]
    const posted: RecordedCall[] = []
    const gateway = fakeGateway({
      'GET /v1/classes': () => json(200, { classes: listed }),
      'POST /v1/classes': (call) => {
        posted.push(call)
        const created = classOut('8C English', '00000000-0000-0000-0000-0000000000c8')
        listed = [...listed, created]
        return json(201, created)
      },
    })
    app = await mountApp('/classes')

    await field(app, 'Class name').setValue('  8C English ')
    await field(app, 'Course code').setValue('ENG5')
    await app.wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(posted[0]!.body).toEqual({ name: '8C English', course_code: 'ENG5' })
    expect(gateway.calls.filter((call) => call.path === '/v1/classes' && call.method === 'GET')).toHaveLength(2)
    expect(app.wrapper.findAll('tbody th').map((cell) => cell.text())).toContain('8C English')
    expect(app.wrapper.get('[role="status"]').text()).toBe('Class 8C English created.')
    expect((field(app, 'Class name').element as HTMLInputElement).value).toBe('')
  })

  it('shows a refused field beside it and keeps what was typed', async () => {
    fakeGateway({
      'GET /v1/classes': () => json(200, { classes: [] }),
      'POST /v1/classes': () =>
        json(400, {
          error: {
            ...errorBody('VALIDATION_ERROR', 'Invalid request: body.course_code: too long').error,
            details: { fields: [{ field: 'body.course_code', message: 'String should have at most 50 characters' }] },
          },
        }),
    })
    app = await mountApp('/classes')

    await field(app, 'Class name').setValue('9B')
    await field(app, 'Course code').setValue('ENG')
    await app.wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(app.wrapper.get('[role="alert"]').text()).toContain('Check the fields marked below.')
    const course = field(app, 'Course code')
    expect(course.attributes('aria-invalid')).toBe('true')
    expect(app.wrapper.text()).toContain('String should have at most 50 characters')
    expect((course.element as HTMLInputElement).value).toBe('ENG')
    expect((field(app, 'Class name').element as HTMLInputElement).value).toBe('9B')
  })
})
