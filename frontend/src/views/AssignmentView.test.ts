import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { readText } from '@/domain/anchorUpload'
import { fakeGateway, mountApp, unmountApp, type MountedApp, type Route } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { byLabel, button, description } from '@/testing/forms'
import { errorBody, json, type RecordedCall } from '@/testing/http'
import { fakeXhr } from '@/testing/xhr'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
  vi.unstubAllGlobals()
})

const TEACHER = contractExample<{ user_id: string }>('UserProfile').user_id
const ASSIGNMENT_ID = '00000000-0000-0000-0000-000000000001'
const PAGE = `/assignments/${ASSIGNMENT_ID}`
const VIEW = `GET /bff/v1/teacher/assignments/${ASSIGNMENT_ID}`
const SCALES = 'GET /bff/v1/teacher/grade-scales'

type Row = Record<string, unknown>
type PageView = {
  assignment: Row & { owner_user_id: string; title: string; rubric: string | null }
  grade_scale: Row | null
  anchors: (Row & { anchor_id: string; label: string; grade: string })[]
  last_batch: (Row & { anchors: Row[] }) | null
  batches_searched: number
  gaps: Row[]
}

function pageView(change: (view: PageView) => void = () => undefined): PageView {
  const view = contractExample<PageView>('AssignmentPageView')
  view.assignment.owner_user_id = TEACHER
  change(view)
  return view
}

function open(view: PageView | (() => Response), routes: Record<string, Route> = {}) {
  const gateway = fakeGateway({
    [VIEW]: typeof view === 'function' ? view : () => json(200, view),
    [SCALES]: () => json(200, contractExample('GradeScaleList')),
    ...routes,
  })
  return gateway
}

/** A page whose details save: each PATCH is recorded and merged into the view that is read next. */
function openSaving(initial: PageView) {
  let saved = initial
  const patches: RecordedCall[] = []
  const gateway = open(() => json(200, saved), {
    [`PATCH /v1/assignments/${ASSIGNMENT_ID}`]: (call) => {
      patches.push(call)
      saved = pageView((view) => Object.assign(view.assignment, call.body))
      return json(200, saved.assignment)
    },
  })
  return { gateway, patches }
}

async function mounted(path = PAGE): Promise<MountedApp> {
  app = await mountApp(path)
  await vi.waitFor(() => expect(app?.wrapper.find('.assignment-page h1').exists()).toBe(true))
  await flushPromises()
  return app
}

function section(view: MountedApp, heading: string) {
  const found = view.wrapper.findAll('section').find((item) => item.find('h2').text() === heading)
  if (!found) throw new Error(`no section "${heading}"`)
  return found
}

function chooseFiles(input: ReturnType<typeof byLabel>, files: File[]) {
  Object.defineProperty(input.element, 'files', { value: files, configurable: true })
  return input.trigger('change')
}

describe('a new assignment', () => {
  it('shows the chosen scale’s grades in order, checks the fields, creates it and opens its page', async () => {
    const created: RecordedCall[] = []
    open(pageView(), {
      'POST /v1/assignments': (call) => {
        created.push(call)
        return json(201, contractExample('AssignmentView'))
      },
    })
    const view = await mounted('/assignments/new')
    expect(view.wrapper.get('h1').text()).toBe('New assignment')
    const form = view.wrapper.get('form')

    await form.trigger('submit')
    expect(description(form, byLabel(form, 'Title'))).toBe('Fill in this field.')
    expect(description(form, byLabel(form, 'Grade scale'))).toContain('Fill in this field.')
    expect(created).toHaveLength(0)

    await byLabel(form, 'Title').setValue('Climate essay')
    await byLabel(form, 'Course code').setValue('ENG5')
    await byLabel(form, 'Grade scale').setValue('swedish_f_a')
    expect(form.findAll('ol li').map((item) => item.text())).toEqual(['F', 'E', 'D', 'C', 'B', 'A'])
    await byLabel(form, 'Instructions for the judge').setValue('Which essay argues better?')
    await byLabel(form, 'Share with every teacher').setValue(true)
    // Names are hidden from the AI judge unless the teacher says otherwise.
    const redact = byLabel(form, 'Hide students’ names from the AI judge')
    expect(redact.element.checked).toBe(true)
    expect(description(form, redact)).toBe(
      'Names the platform knows for an essay’s author are replaced before the text is sent to the LLM provider; you still see the original.',
    )
    await form.trigger('submit')
    await vi.waitFor(() => expect(view.router.currentRoute.value.fullPath).toBe(PAGE))
    await flushPromises()

    expect(created[0]!.body).toEqual({
      title: 'Climate essay',
      course_code: 'ENG5',
      grade_scale: 'swedish_f_a',
      instructions: 'Which essay argues better?',
      student_prompt: null,
      rubric: null,
      shared: true,
      redact_names: true,
    })
    expect(view.wrapper.get('h1').text()).toBe('Climate essay')
    expect(view.wrapper.text()).toContain('Assignment created. Now add anchor essays with known grades.')
  })

  it('shows a refused field beside it and loses nothing typed', async () => {
    open(pageView(), {
      'POST /v1/assignments': () =>
        json(400, {
          error: {
            ...errorBody('VALIDATION_ERROR', "unknown grade scale 'x'", 'cj_assessment_service').error,
            details: { fields: [{ field: 'body.title', message: 'String should have at most 300 characters' }] },
          },
        }),
    })
    const view = await mounted('/assignments/new')
    const form = view.wrapper.get('form')
    await byLabel(form, 'Title').setValue('T')
    await byLabel(form, 'Course code').setValue('ENG5')
    await byLabel(form, 'Grade scale').setValue('eng5_np')
    await byLabel(form, 'Instructions for the judge').setValue('Compare.')
    await byLabel(form, 'Rubric').setValue('My rubric')
    await form.trigger('submit')
    await flushPromises()

    expect(description(form, byLabel(form, 'Title'))).toBe('String should have at most 300 characters')
    expect(byLabel(form, 'Rubric').element.value).toBe('My rubric')
    expect(byLabel(form, 'Grade scale').element.value).toBe('eng5_np')
    expect(view.router.currentRoute.value.fullPath).toBe('/assignments/new')
  })
})

describe('an assignment page', () => {
  it('fills the form from the BFF view and saves only what changed, a cleared text as null', async () => {
    const { gateway, patches } = openSaving(pageView())
    const view = await mounted()
    const details = section(view, 'Details')

    expect(byLabel(details, 'Title').element.value).toBe('Climate essay')
    expect(byLabel(details, 'The task the students answered').element.value).toBe('Write about climate change.')
    await byLabel(details, 'Title').setValue('Climate essay, spring')
    await byLabel(details, 'The task the students answered').setValue('  ')
    await details.get('form').trigger('submit')
    await flushPromises()

    expect(patches[0]!.body).toEqual({ title: 'Climate essay, spring', student_prompt: null })
    // The page reads the BFF view again after the command.
    expect(gateway.calls.filter((call) => `${call.method} ${call.path}` === VIEW)).toHaveLength(2)
    expect(view.wrapper.get('h1').text()).toBe('Climate essay, spring')
    expect(view.wrapper.get('[role="status"][aria-live="polite"]').text()).toBe('Changes saved.')
  })

  it('shows whether names are hidden from the AI judge and sends only a change of it', async () => {
    const { patches } = openSaving(pageView((view) => (view.assignment.redact_names = false)))
    const view = await mounted()
    const details = section(view, 'Details')
    const redact = () => byLabel(details, 'Hide students’ names from the AI judge')

    expect(redact().element.checked).toBe(false)
    await redact().setValue(true)
    await details.get('form').trigger('submit')
    await flushPromises()

    expect(patches.map((call) => call.body)).toEqual([{ redact_names: true }])
    expect(redact().element.checked).toBe(true)
  })

  it('takes an assignment from a server without the setting as hiding names', async () => {
    open(pageView((view) => delete view.assignment.redact_names))
    const view = await mounted()
    expect(byLabel(section(view, 'Details'), 'Hide students’ names from the AI judge').element.checked).toBe(true)
  })

  it('lists the anchors highest grade first and deletes one after asking', async () => {
    let anchors = pageView().anchors
    const deleted: string[] = []
    open(() => json(200, pageView((view) => (view.anchors = anchors))), {
      [`DELETE /v1/assignments/${ASSIGNMENT_ID}/anchors/00000000-0000-0000-0000-000000000002`]: (call) => {
        deleted.push(call.path)
        anchors = anchors.filter((anchor) => anchor.label !== 'anchor-C-1')
        return new Response(null, { status: 204 })
      },
    })
    const view = await mounted()
    const list = section(view, 'Anchor essays')

    expect(list.findAll('tbody tr').map((row) => [row.get('th').text(), row.get('td').text()])).toEqual([
      ['anchor-C-1', 'C'],
      ['anchor-E-1', 'E'],
    ])
    await button(list, 'Delete the anchor anchor-C-1').trigger('click')
    await button(list, 'Yes, delete').trigger('click')
    await flushPromises()

    expect(deleted).toHaveLength(1)
    expect(section(view, 'Anchor essays').findAll('tbody th').map((cell) => cell.text())).toEqual(['anchor-E-1'])
    expect(view.wrapper.text()).toContain('Anchor anchor-C-1 deleted.')
  })

  it('uploads anchors in one request with each file’s grade, then reads the view again', async () => {
    let anchors = pageView().anchors
    const uploads = fakeXhr({
      answer: () => {
        const added = [
          { ...anchors[0]!, anchor_id: '00000000-0000-0000-0000-0000000000f1', label: 'strong', grade: 'A' },
          { ...anchors[0]!, anchor_id: '00000000-0000-0000-0000-0000000000f2', label: 'weak', grade: 'E' },
        ]
        anchors = [...anchors, ...added]
        return json(201, { anchors: added })
      },
    })
    uploads.install()
    open(() => json(200, pageView((view) => (view.anchors = anchors))))
    const view = await mounted()
    const list = section(view, 'Anchor essays')

    await chooseFiles(byLabel(list, 'Anchor files'), [
      new File(['A fine essay'], 'strong.docx'),
      new File(['A weak essay'], 'weak.txt'),
    ])
    expect(list.findAll('tbody tr').length).toBeGreaterThan(2)
    await byLabel(list, 'Grade for strong').setValue('A')
    expect(button(list, 'Upload 2 anchors').attributes('type')).toBe('submit')
    await list.get('form.anchor-upload').trigger('submit')
    expect(list.text()).toContain('Choose a grade for every file.')
    expect(uploads.calls).toHaveLength(0)

    await byLabel(list, 'Grade for weak').setValue('E')
    await list.get('form.anchor-upload').trigger('submit')
    await vi.waitFor(() => expect(view.wrapper.text()).toContain('2 anchors added.'))

    const sent = uploads.calls[0]!
    expect(sent.path).toBe(`/v1/assignments/${ASSIGNMENT_ID}/anchors/bulk`)
    const form = sent.body as FormData
    expect((form.getAll('files') as File[]).map((file) => file.name)).toEqual(['strong.docx', 'weak.txt'])
    expect(JSON.parse(await readText(form.get('grades') as File))).toEqual({ strong: 'A', weak: 'E' })
    expect(section(view, 'Anchor essays').findAll('tbody th').map((cell) => cell.text())).toContain('strong')
  })

  it('keeps the chosen files and grades when the upload is refused, with the reason', async () => {
    const uploads = fakeXhr({
      answer: () =>
        json(409, errorBody('CONFLICT', 'anchor label strong already exists', 'cj_assessment_service')),
    })
    uploads.install()
    open(pageView())
    const view = await mounted()
    const list = section(view, 'Anchor essays')

    await chooseFiles(byLabel(list, 'Anchor files'), [new File(['A fine essay'], 'strong.docx')])
    await byLabel(list, 'Grade for strong').setValue('A')
    await list.get('form.anchor-upload').trigger('submit')
    await vi.waitFor(() => expect(list.text()).toContain('anchor label strong already exists'))

    expect(list.get('[role="alert"]').text()).toContain('The anchors were not uploaded')
    expect(byLabel(list, 'Grade for strong').element.value).toBe('A')
  })

  it('fills the grades from a CSV file and names the ones off the scale', async () => {
    open(pageView())
    const view = await mounted()
    const list = section(view, 'Anchor essays')

    await chooseFiles(byLabel(list, 'Anchor files'), [new File(['x'], 'strong.docx'), new File(['y'], 'weak.txt')])
    await chooseFiles(byLabel(list, 'Fill in the grades from a CSV file'), [
      new File(['label,grade\nstrong.docx,A\nweak,Q\n'], 'grades.csv'),
    ])
    await vi.waitFor(() => expect(list.text()).toContain('Grades filled in for 1 of the 2 files.'))

    expect(list.text()).toContain('Grades in the file that are not on this scale: Q')
    expect(byLabel(list, 'Grade for strong').element.value).toBe('A')
    expect(byLabel(list, 'Grade for weak').element.value).toBe('')
  })

  it('shows where the last batch placed the anchors, with the distance to their known grades', async () => {
    open(
      pageView((view) => {
        const [first, second] = view.last_batch!.anchors
        Object.assign(second!, { grade: 'B', anchor_inconsistent: true })
        view.last_batch!.anchors = [first!, second!, { ...first!, essay_id: '00000000-0000-0000-0000-0000000000ee', name: 'old-anchor' }]
      }),
    )
    const view = await mounted()
    const placement = section(view, 'Anchors in the last batch')

    expect(placement.get('a').attributes('href')).toBe('/batches/00000000-0000-0000-0000-000000000005')
    expect(placement.text()).toContain('Climate essays 9B')
    const rows = placement.findAll('tbody tr').map((row) => row.findAll('th, td').map((cell) => cell.text()))
    expect(rows[0]).toEqual(['anchor-C-1', 'C', 'C', '72%', '0.30 ± 0.35', 'On its grade'])
    expect(rows[1]!.slice(0, 3)).toEqual(['anchor-E-1', 'E', 'B'])
    expect(rows[1]![5]).toBe('3 steps More than one step from its known grade')
    expect(rows[2]![0]).toContain('No longer an anchor of this assignment')
  })

  it('says how many batches it looked through when none used the assignment', async () => {
    open(pageView((view) => (view.last_batch = null)))
    const view = await mounted()
    expect(section(view, 'Anchors in the last batch').text()).toContain(
      'None of your 12 most recent completed batches has used this assignment.',
    )
  })

  it('names the parts the BFF could not fill and shows the rest', async () => {
    open(
      pageView((view) => {
        view.last_batch = null
        view.gaps = [{ part: 'last_batch', reason: 'The result aggregator did not answer in time' }]
      }),
    )
    const view = await mounted()
    expect(view.wrapper.text()).toContain('The result aggregator did not answer in time')
    expect(section(view, 'Anchors in the last batch').text()).not.toContain('None of your')
    expect(section(view, 'Anchor essays').findAll('tbody tr')).toHaveLength(2)
  })

  it('is read-only when another teacher shares it', async () => {
    open(pageView((view) => (view.assignment.owner_user_id = 'another-teacher')))
    const view = await mounted()

    expect(view.wrapper.text()).toContain('Another teacher shares this assignment')
    expect(section(view, 'Details').get('fieldset').attributes('disabled')).toBeDefined()
    expect(section(view, 'Details').find('button[type="submit"]').exists()).toBe(false)
    expect(section(view, 'Anchor essays').find('form').exists()).toBe(false)
    expect(section(view, 'Anchor essays').findAll('button')).toHaveLength(0)
  })

  it('says an assignment is not there, without a pointless retry', async () => {
    open(() => json(404, errorBody('NOT_FOUND', 'Assignment not found', 'bff_teacher_service')))
    const view = await mounted()
    const alert = view.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('This assignment does not exist, or another teacher keeps it private.')
    expect(alert.find('button').exists()).toBe(false)
  })
})
