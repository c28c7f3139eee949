import { describe, expect, it } from 'vitest'

import { ApiError } from '@/api/errors'

import { fieldErrorsOf } from './fieldErrors'

function refused(details: Record<string, unknown>): ApiError {
  return new ApiError({ status: 400, code: 'VALIDATION_ERROR', message: 'Invalid request', details })
}

describe('field errors', () => {
  it("names the form's fields from the gateway's and the owner's locations, first message each", () => {
    const error = refused({
      fields: [
        { field: 'body.name', message: 'String should have at most 200 characters', type: 'string_too_long' },
        { field: 'course_code', message: 'Field required', type: 'missing' },
        { field: 'body.name', message: 'a second complaint', type: 'x' },
        { field: 'body', message: 'the whole body', type: 'x' },
        'not an entry',
      ],
    })
    expect(fieldErrorsOf(error)).toEqual({
      name: 'String should have at most 200 characters',
      course_code: 'Field required',
    })
  })

  it('has none without a list of fields', () => {
    expect(fieldErrorsOf(null)).toEqual({})
    expect(fieldErrorsOf(refused({ grade_scale: 'x' }))).toEqual({})
  })
})
