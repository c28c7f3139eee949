import { afterEach, describe, expect, it, vi } from 'vitest'

import { filenameFromDisposition, saveBlob } from './download'

afterEach(() => {
  vi.useRealTimers()
})

describe('filenameFromDisposition', () => {
  it.each([
    ['attachment; filename="Essays week 12.csv"', 'Essays week 12.csv'],
    ["attachment; filename*=UTF-8''Uppsatser%20v%C3%A4rld.xlsx; filename=\"Uppsatser varld.xlsx\"", 'Uppsatser värld.xlsx'],
    ['attachment; filename=plain.csv', 'plain.csv'],
    ['attachment; filename="../../etc/passwd"', '.._.._etc_passwd'],
    ['attachment', 'fallback.csv'],
    [null, 'fallback.csv'],
  ])('%s → %s', (header, expected) => {
    expect(filenameFromDisposition(header, 'fallback.csv')).toBe(expected)
  })
})

describe('saveBlob', () => {
  it('clicks a temporary download link to an object URL and releases it afterwards', () => {
    vi.useFakeTimers()
    const create = vi.fn(() => 'blob:http://localhost/1')
    const revoke = vi.fn()
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: revoke })
    const clicked: HTMLAnchorElement[] = []
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this)
    })

    saveBlob(new Blob(['a,b']), 'grades.csv')

    expect(click).toHaveBeenCalledOnce()
    expect(clicked[0]?.download).toBe('grades.csv')
    expect(clicked[0]?.href).toBe('blob:http://localhost/1')
    expect(document.querySelector('a[download]')).toBeNull()
    expect(revoke).not.toHaveBeenCalled()
    vi.runAllTimers()
    expect(revoke).toHaveBeenCalledWith('blob:http://localhost/1')
  })
})
