import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

import { fakeGateway, mountApp, unmountApp, type MountedApp } from '@/testing/app'
import { contractExample } from '@/testing/contract'
import { errorBody, json } from '@/testing/http'

let app: MountedApp | undefined

afterEach(async () => {
  await unmountApp(app)
  app = undefined
})

const TEACHER = contractExample<{ user_id: string }>('UserProfile').user_id

function assignment(id: string, title: string, owner: string, shared: boolean, scale = 'swedish_f_a') {
  return {
    ...contractExample<{ assignments: object[] }>('AssignmentList').assignments[0],
    assignment_id: `00000000-0000-0000-0000-0000000000${id}`,
    title,
    owner_user_id: owner,
    shared,
    grade_scale: scale,
    anchor_count: 3,
  }
}

const LIST = {
  assignments: [
    assignment('a1', 'Persuasive letter', TEACHER, false, 'eng5_np'),
    assignment('a2', 'Climate essay', TEACHER, true),
    assignment('b1', 'Book review', 'another-teacher', true),
  ],
}

function section(mounted: MountedApp, heading: string) {
  const found = mounted.wrapper.findAll('section').find((item) => item.find('h2').text() === heading)
  if (!found) throw new Error(`no section "${heading}"`)
  return found
}

describe('the assignments page', () => {
  it("lists the teacher's own assignments apart from those other teachers share", async () => {
    fakeGateway({
      'GET /v1/assignments': () => json(200, LIST),
      'GET /bff/v1/teacher/grade-scales': () => json(200, contractExample('GradeScaleList')),
    })
    app = await mountApp('/assignments')

    const own = section(app, 'Your assignments').findAll('tbody tr')
    expect(own.map((row) => row.findAll('th, td').map((cell) => cell.text()))).toEqual([
      ['Climate essay', 'ENG5', 'Swedish F-A', '3', 'Shared', 'Nov 30, 2026'],
      ['Persuasive letter', 'ENG5', 'ENG5 national test (nine steps)', '3', 'Private', 'Nov 30, 2026'],
    ])
    const shared = section(app, 'Shared by other teachers').findAll('tbody tr')
    expect(shared.map((row) => row.get('th').text())).toEqual(['Book review'])
    expect(shared[0]!.get('a').attributes('href')).toBe('/assignments/00000000-0000-0000-0000-0000000000b1')
    const create = app.wrapper.findAll('a').find((link) => link.text() === 'New assignment')
    expect(create?.attributes('href')).toBe('/assignments/new')
  })

  it('shows the scale by its id when the scales cannot be loaded, and empty states', async () => {
    fakeGateway({
      'GET /v1/assignments': () => json(200, { assignments: [LIST.assignments[0]] }),
      'GET /bff/v1/teacher/grade-scales': () => json(503, errorBody('SERVICE_UNAVAILABLE', 'BFF down')),
    })
    app = await mountApp('/assignments')
    await flushPromises()

    expect(section(app, 'Your assignments').text()).toContain('eng5_np')
    expect(section(app, 'Shared by other teachers').text()).toContain('No other teacher shares an assignment yet.')
  })

  it('shows the error body with a retry', async () => {
    let failing = true
    fakeGateway({
      'GET /v1/assignments': () =>
        failing ? json(504, errorBody('TIMEOUT', 'The assessment service did not answer in time.')) : json(200, LIST),
      'GET /bff/v1/teacher/grade-scales': () => json(200, contractExample('GradeScaleList')),
    })
    app = await mountApp('/assignments')

    const alert = app.wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('The assessment service did not answer in time.')
    failing = false
    await alert.get('button').trigger('click')
    await flushPromises()
    expect(app.wrapper.text()).toContain('Book review')
  })
})
