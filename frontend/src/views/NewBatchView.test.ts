import { flushPromises, type DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { fakeGateway, mountApp, unmountApp, type MountedApp, type Route } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { errorBody, json, type RecordedCall } from '@/testing/http'
import { fakeXhr } from '@/testing/xhr'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const BATCH = '11111111-1111-4111-8111-111111111111'
const CLASS = '0b7f2f55-2a0e-4c4c-8f0a-3f7b1d2c9e01'
const ASSIGNMENT = '00000000-0000-0000-0000-000000000001'
const ASTRID = '6f1c1e1a-8a44-4b7e-9c35-1a6f7f0e2b11'
const BERTIL = '6f1c1e1a-8a44-4b7e-9c35-1a6f7f0e2b12'
const ESSAY_1 = '3d0c8a52-64f1-4f0e-9a2b-5f2d8f6b7c10'
const ESSAY_2 = '3d0c8a52-64f1-4f0e-9a2b-5f2d8f6b7c11'

type Json = Record<string, unknown>

function batchView(change: Json = {}): Json {
  return { ...contractExample<Json>('BatchView'), batch_id: BATCH, class_id: CLASS, assignment_id: ASSIGNMENT, essay_count: 0, ...change }
}

function essayList(ids: string[]): Json {
  const example = contractExample<{ items: Json[] }>('EssayList')
  return { batch_id: BATCH, items: ids.map((essay_id, i) => ({ ...example.items[0], essay_id, filename: `essay-${i + 1}.docx` })) }
}

function association(essay_id: string, change: Json = {}): Json {
  return {
    essay_id,
    filename: 'astrid_lindqvist.docx',
    author_hint: 'Astrid Lindqvist',
    status: 'suggested',
    student_id: ASTRID,
    suggested_student_id: ASTRID,
    confidence: 0.92,
    evidence: 'filename',
    confirmed_at: null,
    ...change,
  }
}

function associations(...essays: Json[]): Json {
  return { batch_id: BATCH, class_id: CLASS, essays }
}

const ROSTER = {
  students: [
    { ...contractExample<{ students: Json[] }>('StudentList').students[0], student_id: ASTRID },
    {
      ...contractExample<{ students: Json[] }>('StudentList').students[0],
      student_id: BERTIL,
      first_name: 'Bertil',
      last_name: 'Andersson',
      email: null,
    },
  ],
}

const SETUP = `/batches/${BATCH}/setup`

/** The gateway and BFF of a teacher with one class and one assignment; uploads go through a fake XHR. */
function wizardGateway(routes: Record<string, Route> = {}) {
  const fake = fakeGateway({
    'GET /bff/v1/teacher/new-batch/options': () => json(200, contractExample('NewBatchOptions')),
    'GET /bff/v1/teacher/grade-scales': () => json(200, contractExample('GradeScaleList')),
    [`GET /v1/assignments/${ASSIGNMENT}`]: () => json(200, contractExample('AssignmentView')),
    [`GET /v1/assignments/${ASSIGNMENT}/anchors`]: () =>
      json(200, {
        anchors: [
          { ...contractExample<{ anchors: Json[] }>('AnchorList').anchors[0], label: 'anchor-C-1', grade: 'C' },
          { ...contractExample<{ anchors: Json[] }>('AnchorList').anchors[0], anchor_id: '00000000-0000-0000-0000-000000000003', label: 'anchor-A-1', grade: 'A', word_count: 512 },
        ],
      }),
    'POST /v1/batches': () => json(201, batchView()),
    [`GET /v1/batches/${BATCH}`]: () => json(200, batchView()),
    [`GET /v1/batches/${BATCH}/essays`]: () => json(200, essayList([])),
    [`GET /v1/students?class_id=${CLASS}`]: () => json(200, ROSTER),
    // The batch page the start leads to stays loading: its own tests cover it.
    [`GET /bff/v1/teacher/batches/${BATCH}`]: () => new Promise<Response>(() => undefined),
    ...routes,
  })
  const xhr = fakeXhr({
    answer: (call) => fake.fetch(call.path, { method: call.method, headers: call.headers, body: call.body as BodyInit }),
  })
  xhr.install()
  return { fake, xhr }
}

/** The wizard at the batch's set-up, its uploads sent through a fake XMLHttpRequest the test answers. */
async function mountWithFakeUploads() {
  wizardGateway()
  const xhr = fakeXhr()
  xhr.install()
  app = await mountApp(SETUP)
  await flushPromises()
  return { xhr, wrapper: app.wrapper }
}

function calls(fake: { calls: RecordedCall[] }, key: string): RecordedCall[] {
  return fake.calls.filter((call) => `${call.method} ${call.path}` === key)
}

function control<T extends Element = HTMLElement>(wrapper: VueWrapper, labelText: string): Omit<DOMWrapper<T>, 'exists'> {
  const label = wrapper.findAll('label').find((item) => item.text().trim() === labelText)
  if (!label) throw new Error(`no label "${labelText}"`)
  return wrapper.get<T>(`[id="${label.attributes('for')}"]`)
}

function button(wrapper: VueWrapper, text: string | RegExp): DOMWrapper<HTMLButtonElement> {
  const found = wrapper
    .findAll<HTMLButtonElement>('button')
    .find((item) => (typeof text === 'string' ? item.text().trim() === text : text.test(item.text())))
  if (!found) throw new Error(`no button "${text}"`)
  return found
}

function stepHeading(wrapper: VueWrapper): string {
  return wrapper.get('.wizard-step__heading').text()
}

async function chooseFiles(wrapper: VueWrapper, files: File[]): Promise<void> {
  const input = control<HTMLInputElement>(wrapper, 'Choose essay files')
  Object.defineProperty(input.element, 'files', { value: files, configurable: true })
  await input.trigger('change')
}

describe('step 1: the details', () => {
  it('offers the classes and assignments, shows the grade scale and anchors, and creates the batch', async () => {
    const { fake } = wizardGateway()
    app = await mountApp('/batches/new')
    await flushPromises()
    const wrapper = app.wrapper

    expect(wrapper.get('h1').text()).toBe('New batch')
    const classSelect = control<HTMLSelectElement>(wrapper, 'Class')
    expect(classSelect.findAll('option').map((option) => option.text())).toEqual([
      'No class (essays are named by their file names)',
      '9B English (ENG5, one student)',
    ])
    await control<HTMLInputElement>(wrapper, 'Title').setValue('Argumentative essays 9B')
    await classSelect.setValue(CLASS)
    expect(control<HTMLInputElement>(wrapper, 'Course code').element.value).toBe('ENG5')

    await control<HTMLSelectElement>(wrapper, 'Assignment').setValue(ASSIGNMENT)
    await flushPromises()
    const preview = wrapper.get('.assignment-preview')
    expect(preview.text()).toContain('Climate essay')
    expect(preview.text()).toContain('Swedish F–A')
    expect(preview.text()).toContain('F, E, D, C, B, A')
    expect(preview.findAll('tbody th').map((cell) => cell.text())).toEqual(['anchor-A-1', 'anchor-C-1'])

    // Submitted twice in a row (a double click, Enter pressed twice): one batch.
    await wrapper.get('form').trigger('submit')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const created = calls(fake, 'POST /v1/batches')
    expect(created).toHaveLength(1)
    expect(created[0]!.body).toEqual({ title: 'Argumentative essays 9B', course_code: 'ENG5', class_id: CLASS, assignment_id: ASSIGNMENT })
    expect(app.router.currentRoute.value.fullPath).toBe(SETUP)
    expect(stepHeading(wrapper)).toBe('The essays')
    expect(document.activeElement?.textContent).toBe('The essays')
  })

  it('still shows the anchors when the grade scales cannot be loaded', async () => {
    wizardGateway({ 'GET /bff/v1/teacher/grade-scales': () => json(503, errorBody('SERVICE_UNAVAILABLE', 'BFF down')) })
    app = await mountApp('/batches/new')
    await flushPromises()

    await control<HTMLSelectElement>(app.wrapper, 'Assignment').setValue(ASSIGNMENT)
    await flushPromises()

    const preview = app.wrapper.get('.assignment-preview')
    expect(preview.text()).toContain('Swedish F–A')
    expect(preview.text()).toContain('The grades of this scale are not available right now.')
    expect(preview.findAll('tbody th')).toHaveLength(2)
  })

  it('says what is missing without sending anything, and keeps what was typed', async () => {
    const { fake } = wizardGateway()
    app = await mountApp('/batches/new')
    await flushPromises()
    const wrapper = app.wrapper

    await control<HTMLInputElement>(wrapper, 'Course code').setValue('ENG5')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const title = control<HTMLInputElement>(wrapper, 'Title')
    expect(title.attributes('aria-invalid')).toBe('true')
    expect(wrapper.text()).toContain('Enter a title.')
    expect(document.activeElement).toBe(title.element)
    expect(control<HTMLInputElement>(wrapper, 'Course code').element.value).toBe('ENG5')
    expect(calls(fake, 'POST /v1/batches')).toHaveLength(0)

    await title.setValue('Essays')
    expect(title.attributes('aria-invalid')).toBeUndefined()
    expect(wrapper.text()).not.toContain('Enter a title.')
  })

  it("shows the platform's refusal and keeps the form as it was", async () => {
    wizardGateway({ 'POST /v1/batches': () => json(404, errorBody('NOT_FOUND', 'No class 0b7f2f55 for this teacher.', 'content_service')) })
    app = await mountApp('/batches/new')
    await flushPromises()
    const wrapper = app.wrapper

    await control<HTMLInputElement>(wrapper, 'Title').setValue('Essays')
    await control<HTMLSelectElement>(wrapper, 'Class').setValue(CLASS)
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const alert = wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('The batch could not be created')
    expect(alert.text()).toContain('No class 0b7f2f55 for this teacher.')
    expect(control<HTMLInputElement>(wrapper, 'Title').element.value).toBe('Essays')
    expect(app.router.currentRoute.value.fullPath).toBe('/batches/new')
  })
})

describe('step 2: the essays', () => {
  it('queues dropped and chosen files, uploads them with progress, and lists every outcome in words', async () => {
    let uploaded = false
    const { xhr } = wizardGateway({
      [`GET /v1/batches/${BATCH}/essays`]: () => json(200, essayList(uploaded ? [ESSAY_1] : [])),
      [`POST /v1/batches/${BATCH}/essays`]: () => {
        uploaded = true
        return json(200, { ...contractExample<Json>('UploadResult'), batch_id: BATCH })
      },
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper
    expect(stepHeading(wrapper)).toBe('The essays')
    expect(button(wrapper, 'Continue').element.disabled).toBe(true)

    await wrapper.get('.dropzone').trigger('drop', {
      dataTransfer: { files: [new File(['Tuva Karlsson\n\nMy essay.'], 'tuva_karlsson.docx'), new File(['x'], 'photo.jpg')] },
    })
    await chooseFiles(wrapper, [new File(['Tuva Karlsson\n\nMy essay.'], 'copy.txt')])
    const queued = wrapper.findAll('.essays__file').map((item) => item.text())
    expect(queued).toHaveLength(3)
    expect(queued[1]).toContain('Not a supported type')

    await button(wrapper, 'Upload 3 files').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(wrapper.find('.upload-outcomes').exists()).toBe(true))

    const sent = xhr.calls[0]!
    expect(sent.headers.get('Authorization')).toBe('Bearer access-1')
    expect((sent.body as FormData).getAll('files').map((file) => (file as File).name)).toEqual([
      'tuva_karlsson.docx',
      'photo.jpg',
      'copy.txt',
    ])
    const rows = wrapper.findAll('.upload-outcomes tbody tr').map((row) => row.text())
    expect(rows[0]).toContain('Accepted')
    expect(rows[0]).toContain('412 words')
    expect(rows[1]).toContain('Duplicate')
    expect(rows[1]).toContain('same text as tuva_karlsson.docx')
    expect(rows[2]).toContain('Rejected')
    expect(rows[2]).toContain('not a supported type: upload .txt, .md, .docx or .pdf')
    expect(wrapper.get('.upload-outcomes caption').text()).toContain('Round 1: accepted 1, rejected 1, duplicates 1')
    expect(wrapper.text()).toContain('No files chosen yet.')
    expect(wrapper.text()).toContain('The batch has one essay.')
    expect(button(wrapper, 'Continue').element.disabled).toBe(false)
  })

  it('reports the upload as it goes and says when everything is sent', async () => {
    const { xhr, wrapper } = await mountWithFakeUploads()

    await chooseFiles(wrapper, [new File(['a'.repeat(1000)], 'a.txt')])
    await button(wrapper, 'Upload the file').trigger('click')
    await flushPromises()
    const request = xhr.calls[0]!.xhr
    request.progress(250, 1000)
    await flushPromises()
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('25')
    request.progress(1000, 1000)
    await flushPromises()
    expect(wrapper.text()).toContain('Everything is sent; the server is reading the files…')

    await button(wrapper, 'Cancel the upload').trigger('click')
    await flushPromises()
    expect(request.aborted).toBe(true)
    expect(wrapper.text()).toContain('The upload was cancelled. Your files are still in the list.')
    expect(wrapper.findAll('.essays__file')).toHaveLength(1)
  })

  it("shows a refused upload's message (413) and keeps the files queued", async () => {
    wizardGateway({
      [`POST /v1/batches/${BATCH}/essays`]: () =>
        json(413, errorBody('PAYLOAD_TOO_LARGE', 'Too many files in one upload: at most 50; upload the rest separately')),
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper

    await chooseFiles(wrapper, [new File(['a'], 'a.txt'), new File(['b'], 'b.txt')])
    await button(wrapper, 'Upload 2 files').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').exists()).toBe(true))

    expect(wrapper.get('[role="alert"]').text()).toContain('Too many files in one upload: at most 50; upload the rest separately')
    expect(wrapper.findAll('.essays__file')).toHaveLength(2)
    expect(wrapper.text()).toContain('Your files are still in the list')
  })

  /** `count` essay files of `size` bytes: essay-1.txt, essay-2.txt, … */
  function essayFiles(count: number, size = 10): File[] {
    return Array.from({ length: count }, (_, i) => new File(['x'.repeat(size)], `essay-${i + 1}.txt`))
  }

  const UNSUPPORTED = 'not a supported type: upload .txt, .md, .docx or .pdf'

  /** The content service's answer to one request: images rejected as unsupported, empty files as empty, the rest accepted. */
  function uploadAnswer(files: File[]): Json {
    const outcomes = files.map((file) => {
      if (/\.(jpg|png)$/.test(file.name)) return { filename: file.name, outcome: 'rejected', reason: UNSUPPORTED }
      if (file.size === 0) return { filename: file.name, outcome: 'rejected', reason: 'the file is empty' }
      return { filename: file.name, outcome: 'accepted', essay_id: ESSAY_1, word_count: 300 }
    })
    const count = (outcome: string) => outcomes.filter((item) => item.outcome === outcome).length
    return { batch_id: BATCH, accepted: count('accepted'), rejected: count('rejected'), duplicates: 0, files: outcomes }
  }

  function sentNames(call: RecordedCall): string[] {
    return (call.body as FormData).getAll('files').map((file) => (file as File).name)
  }

  it('sends more than 50 files in requests of at most 50 and lists them as one round, rejections counted by reason', async () => {
    const { xhr } = wizardGateway({
      [`POST /v1/batches/${BATCH}/essays`]: (call) => json(200, uploadAnswer((call.body as FormData).getAll('files') as File[])),
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper
    const files = essayFiles(57)
    files.splice(10, 0, new File(['x'], 'photo.jpg'))
    files.splice(30, 0, new File([], 'empty.txt'))
    files.push(new File(['x'], 'scan.png'))

    await chooseFiles(wrapper, files)
    await button(wrapper, 'Upload 60 files').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.upload-outcomes').exists()).toBe(true))

    expect(xhr.calls.map((call) => sentNames(call).length)).toEqual([50, 10])
    expect(xhr.calls.flatMap(sentNames)).toEqual(files.map((file) => file.name))
    expect(wrapper.findAll('.upload-outcomes caption').map((caption) => caption.text())).toEqual([
      'Round 1: accepted 57, rejected 3, duplicates 0',
    ])
    const rows = wrapper.findAll('.upload-outcomes tbody tr')
    expect(rows.map((row) => row.get('th').text())).toEqual(files.map((file) => file.name))
    expect(wrapper.get('.upload-outcomes__reasons-title').text()).toBe('Round 1: rejected files by reason')
    expect(wrapper.findAll('.upload-outcomes__reasons li').map((item) => item.text())).toEqual([
      `2 files: ${UNSUPPORTED}`,
      'One file: the file is empty',
    ])
    expect(wrapper.text()).toContain('No files chosen yet.')
  })

  it('keeps the outcomes sent before a failed request, says how many files were not sent, and sends just those again', async () => {
    let requests = 0
    const { xhr } = wizardGateway({
      [`POST /v1/batches/${BATCH}/essays`]: (call) => {
        requests += 1
        if (requests === 2) return json(503, errorBody('SERVICE_UNAVAILABLE', 'The content service is not answering'))
        return json(200, uploadAnswer((call.body as FormData).getAll('files') as File[]))
      },
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper
    const files = essayFiles(120)

    await chooseFiles(wrapper, files)
    await button(wrapper, 'Upload 120 files').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').exists()).toBe(true))

    expect(xhr.calls.map((call) => sentNames(call).length)).toEqual([50, 50])
    expect(wrapper.get('[role="alert"]').text()).toContain('The content service is not answering')
    expect(wrapper.text()).toContain(
      '50 of 120 files were sent before it failed: what happened to them is listed below. 70 files were not sent: they are still in the list, so trying again sends just those.',
    )
    expect(wrapper.findAll('.essays__file').map((item) => item.get('.essays__file-name').text())).toEqual(
      files.slice(50).map((file) => file.name),
    )
    expect(wrapper.get('.upload-outcomes caption').text()).toBe('Round 1: accepted 50, rejected 0, duplicates 0')
    expect(wrapper.findAll('.upload-outcomes tbody tr')).toHaveLength(50)

    await button(wrapper, 'Try again').trigger('click')
    await vi.waitFor(() => expect(wrapper.findAll('.upload-outcomes caption')).toHaveLength(2))

    expect(xhr.calls.slice(2).map((call) => sentNames(call))).toEqual([
      files.slice(50, 100).map((file) => file.name),
      files.slice(100).map((file) => file.name),
    ])
    expect(wrapper.findAll('.upload-outcomes caption').map((caption) => caption.text())).toEqual([
      'Round 2: accepted 70, rejected 0, duplicates 0',
      'Round 1: accepted 50, rejected 0, duplicates 0',
    ])
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('No files chosen yet.')
  })

  it('shows one progress across the requests, and a cancel keeps what was sent and the files not sent', async () => {
    const { xhr, wrapper } = await mountWithFakeUploads()
    const files = essayFiles(60) // 600 bytes: 500 in the first request, 100 in the second

    await chooseFiles(wrapper, files)
    await button(wrapper, 'Upload 60 files').trigger('click')
    await flushPromises()
    expect(wrapper.get('.essays__files-sent').text()).toBe('0 of 60 files sent')
    const first = xhr.calls[0]!.xhr
    first.progress(500, 1000) // half of the first request's body: 250 of the 600 bytes
    await flushPromises()
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('42')
    first.progress(1000, 1000)
    await flushPromises()
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('83')
    expect(wrapper.text()).not.toContain('Everything is sent')

    first.respond(200, uploadAnswer(files.slice(0, 50)))
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(2))
    await flushPromises()
    expect(wrapper.get('.essays__files-sent').text()).toBe('50 of 60 files sent')
    expect(sentNames(xhr.calls[1]!)).toEqual(files.slice(50).map((file) => file.name))

    await button(wrapper, 'Cancel the upload').trigger('click')
    await vi.waitFor(() =>
      expect(wrapper.text()).toContain(
        'The upload was cancelled after 50 of 60 files: what happened to them is listed below. The 10 files not sent are still in the list.',
      ),
    )
    expect(xhr.calls[1]!.xhr.aborted).toBe(true)
    expect(xhr.calls).toHaveLength(2)
    expect(wrapper.findAll('.essays__file')).toHaveLength(10)
    expect(wrapper.get('.upload-outcomes caption').text()).toBe('Round 1: accepted 50, rejected 0, duplicates 0')
    expect(wrapper.find('.upload-outcomes__reasons').exists()).toBe(false)
  })
})

describe('step 3: the names', () => {
  function namesGateway(state: { list: Json }, routes: Record<string, Route> = {}) {
    return wizardGateway({
      [`GET /v1/batches/${BATCH}`]: () => json(200, batchView({ essay_count: 2 })),
      [`GET /v1/batches/${BATCH}/essays`]: () => json(200, essayList([ESSAY_1, ESSAY_2])),
      [`GET /v1/batches/${BATCH}/associations`]: () => json(200, state.list),
      ...routes,
    })
  }

  it('shows each suggestion with its confidence, and confirms all of them in one request', async () => {
    const state = {
      list: associations(association(ESSAY_1), association(ESSAY_2, { filename: 'essay-2.docx', status: 'unmatched', student_id: null, suggested_student_id: null, confidence: null, evidence: null })),
    }
    const { fake } = namesGateway(state, {
      [`POST /v1/batches/${BATCH}/associations/confirm`]: () => {
        state.list = associations(association(ESSAY_1, { status: 'confirmed', confirmed_at: '2026-11-30T12:00:00Z' }), (state.list.essays as Json[])[1]!)
        return json(200, state.list)
      },
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper
    expect(stepHeading(wrapper)).toBe('Who wrote each essay')

    const rows = wrapper.findAll('.names__table tbody tr')
    expect(rows[0]!.text()).toContain('Astrid Lindqvist')
    expect(rows[0]!.text()).toContain('92% sure, found in the file name')
    expect(rows[0]!.text()).toContain('Suggested')
    expect(rows[1]!.text()).toContain('No match')
    expect(control<HTMLSelectElement>(wrapper, 'Student for astrid_lindqvist.docx').element.value).toBe(ASTRID)
    expect(control<HTMLSelectElement>(wrapper, 'Student for essay-2.docx').element.value).toBe('')

    await button(wrapper, 'Confirm all suggestions').trigger('click')
    await flushPromises()

    const sent = calls(fake, `POST /v1/batches/${BATCH}/associations/confirm`)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.body).toEqual({ associations: [{ essay_id: ESSAY_1, student_id: ASTRID }] })
    // Re-read after the command.
    expect(calls(fake, `GET /v1/batches/${BATCH}/associations`).length).toBeGreaterThanOrEqual(2)
    expect(wrapper.findAll('.names__table tbody tr')[0]!.text()).toContain('Confirmed')
    expect(wrapper.text()).toContain('One essay has no confirmed student')
  })

  it('lets the teacher pick another student of the class for one essay', async () => {
    const state = { list: associations(association(ESSAY_1), association(ESSAY_2, { filename: 'essay-2.docx', status: 'unmatched', student_id: null, suggested_student_id: null })) }
    const { fake } = namesGateway(state, {
      [`POST /v1/batches/${BATCH}/associations/confirm`]: () => json(200, state.list),
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper

    const select = control<HTMLSelectElement>(wrapper, 'Student for essay-2.docx')
    expect(select.findAll('option').map((option) => option.text())).toEqual(['No student', 'Bertil Andersson', 'Astrid Lindqvist'])
    await select.setValue(BERTIL)
    await button(wrapper, 'Confirm: essay-2.docx').trigger('click')
    await flushPromises()

    expect(calls(fake, `POST /v1/batches/${BATCH}/associations/confirm`)[0]!.body).toEqual({
      associations: [{ essay_id: ESSAY_2, student_id: BERTIL }],
    })
  })

  it('says when the matching has not seen every essay yet, and checks again', async () => {
    const state = { list: associations(association(ESSAY_1)) }
    const { fake } = namesGateway(state)
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper

    expect(wrapper.text()).toContain('Looking for names in one more essay…')
    state.list = associations(association(ESSAY_1), association(ESSAY_2, { filename: 'essay-2.docx' }))
    await button(wrapper, 'Check again').trigger('click')
    await flushPromises()

    expect(calls(fake, `GET /v1/batches/${BATCH}/associations`).length).toBeGreaterThanOrEqual(2)
    expect(wrapper.text()).not.toContain('Looking for names')
    expect(wrapper.findAll('.names__table tbody tr')).toHaveLength(2)
  })

  it('explains that a batch without a class skips the matching', async () => {
    const { fake } = wizardGateway({
      [`GET /v1/batches/${BATCH}`]: () => json(200, batchView({ class_id: null, essay_count: 1 })),
      [`GET /v1/batches/${BATCH}/essays`]: () => json(200, essayList([ESSAY_1])),
      [`POST /v1/batches/${BATCH}/estimate`]: () => json(200, contractExample('AssessmentEstimate')),
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper
    // Resumed at the start: nothing to match.
    expect(stepHeading(wrapper)).toBe('Model and start')
    await button(wrapper, /Names/).trigger('click')
    await flushPromises()

    expect(wrapper.text()).toContain('This batch has no class, so there are no students to match')
    expect(fake.calls.some((call) => call.path.includes('/associations'))).toBe(false)
  })
})

describe('step 4: the model, the estimate and the start', () => {
  function startGateway(routes: Record<string, Route> = {}) {
    return wizardGateway({
      [`GET /v1/batches/${BATCH}`]: () => json(200, batchView({ class_id: null, essay_count: 12 })),
      [`GET /v1/batches/${BATCH}/essays`]: () => json(200, essayList([ESSAY_1, ESSAY_2])),
      [`POST /v1/batches/${BATCH}/estimate`]: (call) => {
        const llm = (call.body as { llm: Json }).llm
        return json(200, { ...contractExample<Json>('AssessmentEstimate'), ...llm, provider_configured: llm.provider === 'mock' })
      },
      [`POST /v1/batches/${BATCH}/assessments`]: () => json(202, { ...contractExample<Json>('AssessmentAccepted'), batch_id: BATCH }),
      ...routes,
    })
  }

  it('preselects the default model, shows the estimate before Start is enabled, and starts once', async () => {
    const { fake } = startGateway()
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper

    const model = control<HTMLSelectElement>(wrapper, 'Model')
    expect(model.element.selectedOptions[0]!.text).toBe('mock-judge (default)')
    expect(wrapper.findAll('input[type="radio"]').map((radio) => (radio.element as HTMLInputElement).checked)).toEqual([true, false])
    expect(wrapper.text()).toContain('Several comparisons per call')
    expect(wrapper.text()).toContain('Up to 8 pairs go in one call')
    expect(button(wrapper, 'Start the assessment').element.disabled).toBe(true)

    await vi.waitFor(() => expect(wrapper.find('.estimate__figures').exists()).toBe(true))
    const estimate = calls(fake, `POST /v1/batches/${BATCH}/estimate`)
    expect(estimate).toHaveLength(1)
    expect(estimate[0]!.body).toEqual({ llm: { provider: 'mock', model: 'mock-judge', batching_mode: 'per_request' } })
    const figure = (name: string) => wrapper.get(`[data-figure="${name}"]`).text()
    expect(figure('comparisons')).toContain('72')
    expect(figure('comparisons')).toContain('between 54 and 90')
    expect(figure('comparisons')).toContain('Pairs of essays the model judges.')
    expect(figure('calls')).toContain('between 9 and 15')
    expect(figure('input')).toContain('65,000')
    expect(figure('output')).toContain('6,600')
    expect(figure('cost')).toContain('$0.00')
    expect(figure('cost')).not.toContain('between')
    expect(figure('duration')).toContain('between 2 s and 3 s')

    const start = button(wrapper, 'Start the assessment')
    expect(start.element.disabled).toBe(false)
    await start.trigger('click')
    await start.trigger('click')
    await flushPromises()

    const starts = calls(fake, `POST /v1/batches/${BATCH}/assessments`)
    expect(starts).toHaveLength(1)
    expect(starts[0]!.body).toEqual({ llm: { provider: 'mock', model: 'mock-judge', batching_mode: 'per_request' } })
    expect(starts[0]!.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/)
    // The batch page is its own chunk: its first import takes a moment.
    await vi.waitFor(() => expect(app?.router.currentRoute.value.fullPath).toBe(`/batches/${BATCH}`), { timeout: 5000 })
  })

  it('estimates again when the model or mode changes, and warns about a provider without a key', async () => {
    const { fake } = startGateway()
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper
    await vi.waitFor(() => expect(wrapper.find('.estimate__figures').exists()).toBe(true))

    const model = control<HTMLSelectElement>(wrapper, 'Model')
    const openai = model.findAll('option').find((option) => option.text() === 'gpt-5-mini (no API key here)')!
    await model.setValue(openai.attributes('value'))
    expect(wrapper.text()).toContain('The provider’s batch service')
    await control<HTMLInputElement>(wrapper, 'The provider’s batch service').setValue(true)
    await vi.waitFor(() => expect(calls(fake, `POST /v1/batches/${BATCH}/estimate`)).toHaveLength(2))
    await flushPromises()

    expect(calls(fake, `POST /v1/batches/${BATCH}/estimate`)[1]!.body).toEqual({
      llm: { provider: 'openai', model: 'gpt-5-mini', batching_mode: 'provider_batch_api' },
    })
    expect(wrapper.text()).toContain('This provider has no API key on this server, so the assessment would be refused.')
    expect(button(wrapper, 'Start the assessment').element.disabled).toBe(true)
  })

  it("shows a 409 from the estimate as its message, and Start stays off", async () => {
    startGateway({
      [`POST /v1/batches/${BATCH}/estimate`]: () =>
        json(409, errorBody('CONFLICT', 'A batch needs at least 2 essays to be assessed; this one has 1', 'content_service')),
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper

    await vi.waitFor(() => expect(wrapper.text()).toContain('A batch needs at least 2 essays to be assessed; this one has 1'))
    expect(wrapper.text()).toContain('The estimate could not be made')
    expect(button(wrapper, 'Start the assessment').element.disabled).toBe(true)
  })

  it('retries a failed start with the same Idempotency-Key, even after a step back', async () => {
    let answers = 0
    const { fake } = startGateway({
      [`POST /v1/batches/${BATCH}/assessments`]: () =>
        ++answers === 1
          ? json(503, errorBody('SERVICE_UNAVAILABLE', 'The content service did not answer in time.'))
          : json(202, { ...contractExample<Json>('AssessmentAccepted'), batch_id: BATCH, replayed: true }),
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper
    await vi.waitFor(() => expect(button(wrapper, 'Start the assessment').element.disabled).toBe(false))

    await button(wrapper, 'Start the assessment').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('The content service did not answer in time.')
    // Back a step and forward again: still the same start, so still the same key.
    await button(wrapper, 'Back').trigger('click')
    await flushPromises()
    await button(wrapper, 'Continue').trigger('click')
    await vi.waitFor(() => expect(button(wrapper, 'Start the assessment').element.disabled).toBe(false))
    await button(wrapper, 'Start the assessment').trigger('click')
    await flushPromises()

    const starts = calls(fake, `POST /v1/batches/${BATCH}/assessments`)
    expect(starts).toHaveLength(2)
    expect(starts[1]!.headers.get('Idempotency-Key')).toBe(starts[0]!.headers.get('Idempotency-Key'))
    // The batch page is its own chunk: its first import takes a moment.
    await vi.waitFor(() => expect(app?.router.currentRoute.value.fullPath).toBe(`/batches/${BATCH}`), { timeout: 5000 })
  })
})

describe('resuming a batch', () => {
  it('opens a draft with essays but names to confirm at the names', async () => {
    wizardGateway({
      [`GET /v1/batches/${BATCH}`]: () => json(200, batchView({ essay_count: 1 })),
      [`GET /v1/batches/${BATCH}/essays`]: () => json(200, essayList([ESSAY_1])),
      [`GET /v1/batches/${BATCH}/associations`]: () => json(200, associations(association(ESSAY_1))),
    })
    app = await mountApp(SETUP)
    await flushPromises()

    expect(app.wrapper.get('h1').text()).toBe('Set up “Argumentative essays 9B”')
    expect(stepHeading(app.wrapper)).toBe('Who wrote each essay')
    const steps = app.wrapper.findAll('.wizard-steps li')
    expect(steps[2]!.attributes('aria-current')).toBe('step')
    expect(steps[0]!.text()).toContain('(done)')
  })

  it('offers only the names for a batch already started, with a way back to its page', async () => {
    wizardGateway({
      [`GET /v1/batches/${BATCH}`]: () => json(200, batchView({ status: 'completed', essay_count: 1 })),
      [`GET /v1/batches/${BATCH}/essays`]: () => json(200, essayList([ESSAY_1])),
      [`GET /v1/batches/${BATCH}/associations`]: () => json(200, associations(association(ESSAY_1))),
    })
    app = await mountApp(SETUP)
    await flushPromises()
    const wrapper = app.wrapper

    expect(wrapper.text()).toContain('This batch has already been started')
    expect(wrapper.find('.wizard-steps').exists()).toBe(false)
    expect(stepHeading(wrapper)).toBe('Who wrote each essay')
    expect(wrapper.findAll('a').find((link) => link.text() === 'Back to the batch page')?.attributes('href')).toBe(`/batches/${BATCH}`)
  })

  it('starts afresh when "New batch" is chosen while another batch is being set up', async () => {
    wizardGateway({ [`GET /v1/batches/${BATCH}`]: () => json(200, batchView({ title: 'Old batch' })) })
    app = await mountApp(SETUP)
    await flushPromises()
    expect(stepHeading(app.wrapper)).toBe('The essays')
    await button(app.wrapper, /Details/).trigger('click')
    await flushPromises()
    expect(control<HTMLInputElement>(app.wrapper, 'Title').element.value).toBe('Old batch')

    await app.router.push('/batches/new')
    await flushPromises()

    expect(app.wrapper.get('h1').text()).toBe('New batch')
    expect(stepHeading(app.wrapper)).toBe('Details of the batch')
    expect(control<HTMLInputElement>(app.wrapper, 'Title').element.value).toBe('')
    expect(control<HTMLSelectElement>(app.wrapper, 'Class').element.value).toBe('')
  })

  it("says so when the batch is not the teacher's", async () => {
    wizardGateway({ [`GET /v1/batches/${BATCH}`]: () => json(404, errorBody('NOT_FOUND', `No batch ${BATCH}`, 'content_service')) })
    app = await mountApp(SETUP)
    await flushPromises()

    const alert = app.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('This batch does not exist, or it belongs to another teacher.')
    expect(alert.find('button').exists()).toBe(false)
  })
})
