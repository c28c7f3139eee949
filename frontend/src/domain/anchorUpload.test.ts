import { describe, expect, it } from 'vitest'

import { anchorLabel, fillGrades, gradesOf, GradesFileError, parseGradesCsv, uploadProblem, type PendingAnchor } from './anchorUpload'

function pending(label: string, grade = ''): PendingAnchor {
  return { file: new File(['text'], `${label}.txt`), label, grade }
}

describe('the anchor upload', () => {
  it('labels a file by its name without folder and extension, as CJ does', () => {
    expect(anchorLabel('anchor-C-1.docx')).toBe('anchor-C-1')
    expect(anchorLabel('folder/sub\\ B essay .pdf')).toBe('B essay')
    expect(anchorLabel('notes.final.md')).toBe('notes.final')
    expect(anchorLabel('README')).toBe('README')
  })

  it('names what to fix before sending: no files, two files with one label, a grade missing', () => {
    expect(uploadProblem([])).toEqual({ kind: 'noFiles' })
    expect(uploadProblem([pending('a', 'C'), pending('a', 'B')])).toEqual({ kind: 'duplicateLabel', label: 'a' })
    expect(uploadProblem([pending('a', 'C'), pending('b')])).toEqual({ kind: 'missingGrades' })
    expect(uploadProblem([pending('a', 'C'), pending('b', 'E')])).toBeNull()
    expect(gradesOf([pending('a', 'C'), pending('b', 'E')])).toEqual({ a: 'C', b: 'E' })
  })

  it('reads a grades CSV like CJ: header skipped, file names as labels, quotes, a Unicode minus', () => {
    const grades = parseGradesCsv('\ufefflabel,grade\r\nanchor-C-1.docx,C\n"Essay, the best",A\n\nweak,E\u22122\n')
    expect([...grades]).toEqual([
      ['anchor-C-1', 'C'],
      ['Essay, the best', 'A'],
      ['weak', 'E-2'],
    ])
    expect(() => parseGradesCsv('only-a-label\n')).toThrow(GradesFileError)
  })

  it('fills the grades the file gives for the chosen files and names those off the scale', () => {
    const filled = fillGrades([pending('a'), pending('b'), pending('c', 'E')], new Map([['a', 'C'], ['b', 'X'], ['z', 'A']]), [
      'E',
      'C',
    ])
    expect(filled.pending.map((item) => item.grade)).toEqual(['C', '', 'E'])
    expect(filled.filled).toBe(1)
    expect(filled.offScale).toEqual(['X'])
  })
})
