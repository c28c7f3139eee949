/**
 * The bulk anchor upload as the teacher prepares it: each chosen file's label (what CJ will call the
 * anchor: the file name without folder and extension, as `anchor_label` in CJ), its grade, and the
 * problems to fix before sending. Grades may be filled in from a CSV file `label,grade`, read here
 * the way CJ reads one (a `label,grade` or `filename,grade` header line is skipped).
 */

export interface PendingAnchor {
  file: File
  label: string
  grade: string
}

/** The file name without folder and extension, trimmed: CJ's label for it. */
export function anchorLabel(filename: string): string {
  const base = filename.replace(/\\/g, '/').split('/').pop() ?? ''
  const dot = base.lastIndexOf('.')
  return (dot > 0 ? base.slice(0, dot) : base).trim()
}

export type UploadProblem =
  | { kind: 'noFiles' }
  | { kind: 'missingGrades' }
  | { kind: 'duplicateLabel'; label: string }

export function uploadProblem(pending: readonly PendingAnchor[]): UploadProblem | null {
  if (pending.length === 0) return { kind: 'noFiles' }
  const seen = new Set<string>()
  for (const item of pending) {
    if (seen.has(item.label)) return { kind: 'duplicateLabel', label: item.label }
    seen.add(item.label)
  }
  if (pending.some((item) => item.grade === '')) return { kind: 'missingGrades' }
  return null
}

/** `{label: grade}`: the grades file the upload sends. */
export function gradesOf(pending: readonly PendingAnchor[]): Record<string, string> {
  return Object.fromEntries(pending.map((item) => [item.label, item.grade]))
}

/** Teachers type "E−" with a Unicode minus or an en dash as often as with "-" (as common_core normalises). */
export function normalizeGrade(grade: string): string {
  return grade.trim().replace(/[\u2212\u2013\u2012]/g, '-')
}

/** One CSV field list per line, with quoted fields ("a, b",C) as a spreadsheet writes them. */
function csvRows(text: string): string[][] {
  const rows: string[][] = []
  for (const line of text.replace(/^\ufeff/, '').split(/\r?\n/)) {
    if (line.trim() === '') continue
    const cells: string[] = []
    let cell = ''
    let quoted = false
    for (let i = 0; i < line.length; i++) {
      const char = line[i]!
      if (quoted) {
        if (char === '"' && line[i + 1] === '"') {
          cell += '"'
          i++
        } else if (char === '"') quoted = false
        else cell += char
      } else if (char === '"') quoted = true
      else if (char === ',') {
        cells.push(cell)
        cell = ''
      } else cell += char
    }
    cells.push(cell)
    rows.push(cells)
  }
  return rows
}

export class GradesFileError extends Error {}

/** label → grade from a CSV `label,grade` (the label may be a file name); throws GradesFileError. */
export function parseGradesCsv(text: string): Map<string, string> {
  let rows = csvRows(text)
  const head = rows[0]?.slice(0, 2).map((cell) => cell.trim().toLowerCase())
  if (head && (head.join(',') === 'label,grade' || head.join(',') === 'filename,grade')) rows = rows.slice(1)
  const grades = new Map<string, string>()
  for (const [index, row] of rows.entries()) {
    if (row.length < 2) throw new GradesFileError(`line ${index + 1}: label,grade`)
    const label = anchorLabel(row[0]!)
    const grade = normalizeGrade(row[1]!)
    if (label && grade) grades.set(label, grade)
  }
  return grades
}

export interface FilledGrades {
  pending: PendingAnchor[]
  filled: number
  /** Grades the file gives that are not on the scale: left out, named to the teacher. */
  offScale: string[]
}

/** The pending files with the grades the CSV gives for their labels; grades off the scale are not used. */
export function fillGrades(pending: readonly PendingAnchor[], grades: Map<string, string>, scale: readonly string[]): FilledGrades {
  let filled = 0
  const offScale = new Set<string>()
  const next = pending.map((item) => {
    const grade = grades.get(item.label)
    if (grade === undefined) return item
    if (!scale.includes(grade)) {
      offScale.add(grade)
      return item
    }
    filled++
    return { ...item, grade }
  })
  return { pending: next, filled, offScale: [...offScale] }
}

/** A chosen file's text (UTF-8): FileReader, which every browser and jsdom have. */
export function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '')
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'))
    reader.readAsText(file)
  })
}
