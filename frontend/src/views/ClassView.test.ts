import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { fakeGateway, mountApp, unmountApp, type MountedApp, type Route } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { byLabel, button, description } from '@/testing/forms'
import { errorBody, json, type RecordedCall } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const CLASS_ID = '0b7f2f55-2a0e-4c4c-8f0a-3f7b1d2c9e01'
const PAGE = `/classes/${CLASS_ID}`

type Student = { student_id: string; first_name: string; last_name: string; email: string | null; class_ids: string[] }

function student(id: string, first: string, last: string, inClass: boolean, email: string | null = null): Student {
  return {
    ...contractExample<Student>('StudentOut'),
    student_id: `00000000-0000-0000-0000-0000000000${id}`,
    first_name: first,
    last_name: last,
    email,
    class_ids: inClass ? [CLASS_ID] : [],
  }
}

const ASTRID = student('a1', 'Astrid', 'Lindqvist', true, 'astrid@example.se')
const BO = student('b1', 'Bo', 'Andersson', true)
const CELIA = student('c1', 'Celia', 'Berg', false)

/** A class management that keeps its state, so a re-read after a command shows the change. */
function classManagement(routes: Record<string, Route> = {}) {
  const state = { name: '9B English', course_code: 'ENG5', students: [ASTRID, BO, CELIA] }
  const commands: RecordedCall[] = []
  const roster = () => state.students.filter((s) => s.class_ids.includes(CLASS_ID))
  const record = (call: RecordedCall) => commands.push(call)
  const gateway = fakeGateway({
    [`GET /v1/classes/${CLASS_ID}`]: () =>
      json(200, {
        ...contractExample<object>('ClassDetail'),
        name: state.name,
        course_code: state.course_code,
        student_count: roster().length,
        students: roster(),
      }),
    'GET /v1/students': () => json(200, { students: state.students }),
    'GET /v1/classes': () => json(200, { classes: [] }),
    [`PATCH /v1/classes/${CLASS_ID}`]: (call) => {
      record(call)
      Object.assign(state, call.body)
      return json(200, { ...contractExample<object>('ClassOut'), name: state.name, course_code: state.course_code })
    },
    [`DELETE /v1/classes/${CLASS_ID}`]: (call) => {
      record(call)
      return new Response(null, { status: 204 })
    },
    'POST /v1/students': (call) => {
      record(call)
      const body = call.body as Student
      const created = { ...student('d1', body.first_name, body.last_name, true, body.email) }
      state.students = [...state.students, created]
      return json(201, created)
    },
    [`PUT /v1/classes/${CLASS_ID}/students/${CELIA.student_id}`]: (call) => {
      record(call)
      state.students = state.students.map((s) => (s === CELIA ? { ...s, class_ids: [CLASS_ID] } : s))
      return new Response(null, { status: 204 })
    },
    [`DELETE /v1/classes/${CLASS_ID}/students/${BO.student_id}`]: (call) => {
      record(call)
      state.students = state.students.map((s) => (s.student_id === BO.student_id ? { ...s, class_ids: [] } : s))
      return new Response(null, { status: 204 })
    },
    [`DELETE /v1/students/${BO.student_id}`]: (call) => {
      record(call)
      state.students = state.students.filter((s) => s.student_id !== BO.student_id)
      return new Response(null, { status: 204 })
    },
    [`PATCH /v1/students/${ASTRID.student_id}`]: (call) => {
      record(call)
      const change = call.body as Partial<Student>
      state.students = state.students.map((s) => (s.student_id === ASTRID.student_id ? { ...s, ...change } : s))
      return json(200, { ...ASTRID, ...change })
    },
    ...routes,
  })
  return { gateway, commands }
}

function section(mounted: MountedApp, heading: string) {
  const found = mounted.wrapper.findAll('section').find((item) => item.find('h2').text() === heading)
  if (!found) throw new Error(`no section "${heading}"`)
  return found
}

function status(mounted: MountedApp): string {
  return mounted.wrapper.get('[role="status"][aria-live="polite"]').text()
}

describe('a class page: the roster', () => {
  it('shows the class with its students by last name', async () => {
    classManagement()
    app = await mountApp(PAGE)

    expect(app.wrapper.get('h1').text()).toBe('9B English')
    expect(app.wrapper.text()).toContain('ENG5 · 2 students')
    const rows = section(app, 'Students in this class').findAll('tbody tr')
    expect(rows.map((row) => row.get('th').text())).toEqual(['Bo Andersson', 'Astrid Lindqvist'])
    expect(rows[1]!.text()).toContain('astrid@example.se')
  })

  it('removes a student from the class after asking, and reads the class again', async () => {
    const { commands } = classManagement()
    app = await mountApp(PAGE)
    const roster = section(app, 'Students in this class')

    await button(roster, 'Remove from class: Bo Andersson').trigger('click')
    const question = roster.get('[role="group"]')
    expect(question.text()).toContain('Remove Bo Andersson from this class?')
    // Focus goes to "Cancel", so a second Enter does not remove anyone.
    expect(document.activeElement?.textContent?.trim()).toBe('Cancel')
    expect(commands).toHaveLength(0)

    await button(question, 'Yes, remove').trigger('click')
    await flushPromises()

    expect(commands.map((call) => `${call.method} ${call.path}`)).toEqual([
      `DELETE /v1/classes/${CLASS_ID}/students/${BO.student_id}`,
    ])
    expect(section(app, 'Students in this class').findAll('tbody th').map((cell) => cell.text())).toEqual([
      'Astrid Lindqvist',
    ])
    expect(status(app)).toBe('Bo Andersson removed from the class.')
  })

  it('deletes a student for good after asking', async () => {
    const { commands } = classManagement()
    app = await mountApp(PAGE)
    const roster = section(app, 'Students in this class')

    await button(roster, 'Delete student: Bo Andersson').trigger('click')
    await button(roster, 'Yes, delete the student').trigger('click')
    await flushPromises()

    expect(commands.map((call) => `${call.method} ${call.path}`)).toEqual([`DELETE /v1/students/${BO.student_id}`])
    expect(status(app)).toBe('Bo Andersson deleted.')
  })

  it("edits a student's name and removes the email with an explicit null", async () => {
    const { commands } = classManagement()
    app = await mountApp(PAGE)

    await button(app.wrapper, 'Edit Astrid Lindqvist').trigger('click')
    const form = app.wrapper.get('form.subform')
    expect(document.activeElement?.textContent).toBe('Edit Astrid Lindqvist')
    await byLabel(form, 'First name').setValue('Astrid Maria')
    await byLabel(form, 'Email').setValue('')
    await form.trigger('submit')
    await flushPromises()

    expect(commands[0]!.body).toEqual({ first_name: 'Astrid Maria', email: null })
    expect(app.wrapper.find('form.subform').exists()).toBe(false)
    expect(section(app, 'Students in this class').text()).toContain('Astrid Maria Lindqvist')
  })

  it('checks an email address before sending it', async () => {
    const { commands } = classManagement()
    app = await mountApp(PAGE)

    await button(app.wrapper, 'Edit Astrid Lindqvist').trigger('click')
    const form = app.wrapper.get('form.subform')
    const email = byLabel(form, 'Email')
    await email.setValue('astrid.example.se')
    await form.trigger('submit')

    expect(description(form, email)).toContain("Enter an email address such as name@school.se.")
    expect(commands).toHaveLength(0)
  })
})

describe('a class page: adding students', () => {
  it('adds a new student straight onto the roster', async () => {
    const { commands } = classManagement()
    app = await mountApp(PAGE)
    const add = section(app, 'Add a student')
    const form = add.findAll('form')[0]!

    await byLabel(form, 'First name').setValue(' Dana ')
    await byLabel(form, 'Last name').setValue('Ek')
    await form.trigger('submit')
    await flushPromises()

    expect(commands[0]!.body).toEqual({ first_name: 'Dana', last_name: 'Ek', email: null, class_ids: [CLASS_ID] })
    expect(section(app, 'Students in this class').text()).toContain('Dana Ek')
    expect(status(app)).toBe('Dana Ek added to the class.')
    expect((byLabel(form, 'First name').element as HTMLInputElement).value).toBe('')
  })

  it('adds a student the teacher already has, offering only those not in the class', async () => {
    const { commands } = classManagement()
    app = await mountApp(PAGE)
    const form = section(app, 'Add a student').findAll('form')[1]!
    const select = byLabel(form, 'Student')

    expect(select.findAll('option').map((option) => option.text())).toEqual(['Choose a student', 'Celia Berg'])
    await form.trigger('submit')
    expect(form.text()).toContain('Choose a student first.')
    expect(commands).toHaveLength(0)

    await select.setValue(CELIA.student_id)
    await form.trigger('submit')
    await flushPromises()

    expect(commands.map((call) => `${call.method} ${call.path}`)).toEqual([
      `PUT /v1/classes/${CLASS_ID}/students/${CELIA.student_id}`,
    ])
    expect(section(app, 'Students in this class').text()).toContain('Celia Berg')
    expect(section(app, 'Add a student').text()).toContain('All your students are in this class already.')
  })

  it('keeps what was typed when the platform refuses it, with its reason', async () => {
    classManagement({
      'POST /v1/students': () => json(503, errorBody('SERVICE_UNAVAILABLE', 'Class management could not be reached.')),
    })
    app = await mountApp(PAGE)
    const form = section(app, 'Add a student').findAll('form')[0]!

    await byLabel(form, 'First name').setValue('Dana')
    await byLabel(form, 'Last name').setValue('Ek')
    await form.trigger('submit')
    await flushPromises()

    expect(form.get('[role="alert"]').text()).toContain('Class management could not be reached.')
    expect((byLabel(form, 'First name').element as HTMLInputElement).value).toBe('Dana')
    expect((byLabel(form, 'Last name').element as HTMLInputElement).value).toBe('Ek')
  })
})

describe('a class page: the class itself', () => {
  it('renames the class, sending only what changed', async () => {
    const { commands } = classManagement()
    app = await mountApp(PAGE)
    const details = section(app, 'Name and course')

    await byLabel(details, 'Class name').setValue('9B English (spring)')
    await details.get('form').trigger('submit')
    await flushPromises()

    expect(commands[0]).toMatchObject({ method: 'PATCH', body: { name: '9B English (spring)' } })
    expect(app.wrapper.get('h1').text()).toBe('9B English (spring)')
    expect(status(app)).toBe('Changes saved.')
  })

  it('deletes the class after asking and says so on the class list', async () => {
    const { commands } = classManagement()
    app = await mountApp(PAGE)
    const danger = section(app, 'Delete the class')

    await button(danger, 'Delete class').trigger('click')
    expect(danger.text()).toContain('Delete the class 9B English? This cannot be undone.')
    await button(danger, 'Yes, delete the class').trigger('click')
    await flushPromises()

    expect(commands.map((call) => call.method)).toEqual(['DELETE'])
    await vi.waitFor(() => expect(app?.wrapper.find('.classes').exists()).toBe(true))
    await flushPromises()
    expect(app.router.currentRoute.value.name).toBe('classes')
    expect(app.wrapper.get('[role="status"]').text()).toBe('Class 9B English deleted.')
  })

  it('says a class is not there, without a pointless retry', async () => {
    classManagement({
      [`GET /v1/classes/${CLASS_ID}`]: () => json(404, errorBody('NOT_FOUND', `No class ${CLASS_ID}`)),
    })
    app = await mountApp(PAGE)

    const alert = app.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('This class does not exist, or it belongs to another teacher.')
    expect(alert.find('button').exists()).toBe(false)
  })
})
