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
  return { gateway, commands, state }
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
    const question = roster.get('[role="alertdialog"]')
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

/** A blob's text (jsdom's Blob has no text()). */
function readText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result))
    reader.onerror = () => reject(reader.error)
    reader.readAsText(blob)
  })
}

describe('a class page: a student’s data', () => {
  const EXPORT = `/v1/students/${BO.student_id}/export`
  const ERASURE = `/v1/students/${BO.student_id}/erasure`
  const BATCH_A = '3c9d5e1f-6a2b-4d7c-9e8f-0a1b2c3d4e5f'
  const BATCH_B = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'

  function preview(token: string, files: [string, string][]) {
    return {
      student_id: BO.student_id,
      first_name: 'Bo',
      last_name: 'Andersson',
      essays: files.map(([batch, filename], index) => ({
        batch_id: batch,
        essay_id: `00000000-0000-0000-0000-0000000000e${index}`,
        filename,
      })),
      confirmation_token: token,
      expires_at: '2026-12-07T04:00:00Z',
    }
  }

  /** Class management that erases Bo on the right token, and refuses `refusals` first (409). */
  function erasure(refusals: { reason: string }[] = []) {
    const previews: string[] = []
    const posted: unknown[] = []
    const made = classManagement({
      [`GET ${ERASURE}`]: () => {
        previews.push('read')
        // The second look finds a third essay confirmed meanwhile.
        return previews.length === 1
          ? json(200, preview('token-1', [[BATCH_A, 'bo_andersson.docx'], [BATCH_B, 'bo-letter.pdf']]))
          : json(200, preview('token-2', [[BATCH_A, 'bo_andersson.docx'], [BATCH_B, 'bo-letter.pdf'], [BATCH_B, 'bo2.txt']]))
      },
      [`POST ${ERASURE}`]: (call) => {
        posted.push(call.body)
        const refusal = refusals.shift()
        if (refusal) {
          const body = errorBody('CONFLICT', 'The student’s essays changed; nothing was erased.', 'class_management_service')
          return json(409, { error: { ...body.error, details: refusal } })
        }
        made.state.students = made.state.students.filter((s) => s.student_id !== BO.student_id)
        return new Response(null, { status: 204 })
      },
    })
    return { previews, posted, commands: made.commands }
  }

  async function openErasure(mounted: MountedApp) {
    const roster = section(mounted, 'Students in this class')
    await button(roster, 'Erase student: Bo Andersson').trigger('click')
    await flushPromises()
    return mounted.wrapper.get('[role="alertdialog"]')
  }

  it('downloads the student’s data export with the bearer token, under the gateway’s file name', async () => {
    const create = vi.fn(() => 'blob:x')
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() })
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    const exported = contractExample<object>('StudentDataExport')
    const { gateway } = classManagement({
      [`GET ${EXPORT}`]: () =>
        json(200, exported, { 'Content-Disposition': 'attachment; filename="student-bo-andersson.json"' }),
    })
    app = await mountApp(PAGE)

    await button(section(app, 'Students in this class'), 'Export data: Bo Andersson').trigger('click')
    await flushPromises()

    const call = gateway.calls.find((item) => item.path === EXPORT)!
    expect(call.method).toBe('GET')
    expect(call.headers.get('Authorization')).toBe('Bearer access-1')
    expect(create).toHaveBeenCalledOnce()
    const saved = (create.mock.calls[0] as unknown as [Blob])[0]
    expect(JSON.parse(await readText(saved))).toEqual(exported)
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe('student-bo-andersson.json')
    expect(status(app)).toBe('The data of Bo Andersson was downloaded as a JSON file.')
    click.mockRestore()
  })

  it('saves no file when the export is refused or is not an export, and says why', async () => {
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    let answer = json(503, errorBody('SERVICE_UNAVAILABLE', 'Content could not be reached.', 'bff_teacher_service'))
    classManagement({ [`GET ${EXPORT}`]: () => answer })
    app = await mountApp(PAGE)
    const roster = section(app, 'Students in this class')

    await button(roster, 'Export data: Bo Andersson').trigger('click')
    await flushPromises()
    expect(roster.get('[role="alert"]').text()).toContain('The export failed')
    expect(roster.get('[role="alert"]').text()).toContain('Content could not be reached.')

    answer = json(200, { student: 'nobody' })
    await button(roster, 'Export data: Bo Andersson').trigger('click')
    await flushPromises()
    expect(roster.get('[role="alert"]').text()).toContain('does not understand')
    expect(click).not.toHaveBeenCalled()
    click.mockRestore()
  })

  it('erases a student: shows what goes, asks for an explicit yes, sends the token, and the student leaves the roster', async () => {
    const { previews, posted, commands } = erasure()
    app = await mountApp(PAGE)
    const question = await openErasure(app)

    expect(previews).toHaveLength(1)
    expect(question.get('h2').text()).toBe('Erase Bo Andersson and their essays?')
    const text = question.text()
    expect(text).toContain('every essay confirmed as theirs, in every batch')
    expect(text).toContain('The 2 essays confirmed as theirs:')
    expect(question.findAll('li').map((item) => item.text())).toEqual([
      'bo_andersson.docx (batch 3c9d5e1f)',
      'bo-letter.pdf (batch 9a8b7c6d)',
    ])
    expect(text).toContain('This cannot be undone.')
    expect(document.activeElement?.textContent?.trim()).toBe('No, keep them')

    // Not before the teacher has ticked that they understand.
    const confirm = button(question, 'Yes, erase the student')
    expect(confirm.attributes('aria-disabled')).toBe('true')
    await confirm.trigger('click')
    await flushPromises()
    expect(posted).toHaveLength(0)

    await question.get('input[type="checkbox"]').setValue(true)
    expect(confirm.attributes('aria-disabled')).toBeUndefined()
    await confirm.trigger('click')
    await flushPromises()

    expect(posted).toEqual([{ confirmation_token: 'token-1' }])
    expect(app.wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(status(app)).toBe('Bo Andersson was erased, with 2 essays.')
    expect(section(app, 'Students in this class').findAll('tbody th').map((cell) => cell.text())).toEqual([
      'Astrid Lindqvist',
    ])
    // Erasing is its own command: no roster removal or student delete was sent.
    expect(commands).toHaveLength(0)
  })

  it('on a 409 erases nothing, reads the list again and asks once more with the new token', async () => {
    const { previews, posted } = erasure([{ reason: 'confirmation_stale' }])
    app = await mountApp(PAGE)
    const question = await openErasure(app)

    await question.get('input[type="checkbox"]').setValue(true)
    await button(question, 'Yes, erase the student').trigger('click')
    await flushPromises()

    // Still asking, with the list as it is now and the box to tick again.
    const again = app.wrapper.get('[role="alertdialog"]')
    expect(previews).toHaveLength(2)
    expect(again.get('[role="alert"]').text()).toContain('The student’s essays changed since this list was made, so nothing was erased.')
    expect(again.text()).toContain('The 3 essays confirmed as theirs:')
    expect(again.findAll('li')).toHaveLength(3)
    expect((again.get('input[type="checkbox"]').element as HTMLInputElement).checked).toBe(false)
    expect(button(again, 'Yes, erase the student').attributes('aria-disabled')).toBe('true')

    await again.get('input[type="checkbox"]').setValue(true)
    await button(again, 'Yes, erase the student').trigger('click')
    await flushPromises()

    expect(posted).toEqual([{ confirmation_token: 'token-1' }, { confirmation_token: 'token-2' }])
    expect(app.wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(status(app)).toBe('Bo Andersson was erased, with 3 essays.')
  })

  it('says when the confirmation expired', async () => {
    erasure([{ reason: 'confirmation_expired' }])
    app = await mountApp(PAGE)
    const question = await openErasure(app)
    await question.get('input[type="checkbox"]').setValue(true)
    await button(question, 'Yes, erase the student').trigger('click')
    await flushPromises()
    expect(app.wrapper.get('[role="alertdialog"] [role="alert"]').text()).toContain('The confirmation expired')
  })

  it('shows a refused preview beside the button and opens nothing', async () => {
    classManagement({
      [`GET ${ERASURE}`]: () => json(503, errorBody('SERVICE_UNAVAILABLE', 'Class management is busy.', 'class_management_service')),
    })
    app = await mountApp(PAGE)
    await button(section(app, 'Students in this class'), 'Erase student: Bo Andersson').trigger('click')
    await flushPromises()

    expect(app.wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    const alert = app.wrapper.get('.erase-student [role="alert"]')
    expect(alert.text()).toContain('Nothing was erased')
    expect(alert.text()).toContain('Class management is busy.')
  })
})
