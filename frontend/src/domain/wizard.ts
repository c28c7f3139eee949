/**
 * The new-batch wizard's rules, apart from the screens: where a draft resumes, the form's checks,
 * the upload queue, the names to confirm, the model choices, and the start's idempotency key.
 */
import type { LLMChoice } from '@/api/schemas/assessments'
import type { BatchingMode, LLMProviderName, ModelCatalogue } from '@/api/schemas/catalogue'
import type { StudentOut } from '@/api/schemas/classes'
import type {
  BatchAssociations,
  BatchView,
  CreateBatchRequest,
  EssayAssociationOut,
  EssayList,
  UploadResult,
} from '@/api/schemas/wizard'

// --- steps ---------------------------------------------------------------------------------------

export const WIZARD_STEPS = ['details', 'essays', 'names', 'start'] as const
export type WizardStep = (typeof WIZARD_STEPS)[number]

/** A step as the step list shows it. */
export interface StepItem {
  id: WizardStep
  state: 'done' | 'current' | 'todo'
  reachable: boolean
}

/**
 * The first step still to do for an existing batch: essays while it has none; the names while a
 * suggestion waits for the teacher or the matching has not seen every essay yet; else the start.
 * A batch already started can only have its names confirmed.
 */
export function firstStepToDo(
  batch: BatchView,
  essays: EssayList,
  associations: BatchAssociations | null,
): WizardStep {
  if (batch.status !== 'draft') return 'names'
  if (essays.items.length === 0) return 'essays'
  if (batch.class_id !== null) {
    if (associations === null || notYetMatched(essays, associations) > 0) return 'names'
    if (associations.essays.some((essay) => essay.status === 'suggested')) return 'names'
  }
  return 'start'
}

// --- step 1: the batch's details -----------------------------------------------------------------

export const TITLE_MAX = 200
export const COURSE_CODE_MAX = 50

export interface DetailsForm {
  title: string
  courseCode: string
  /** '' for none. */
  classId: string
  /** '' for none. */
  assignmentId: string
}

export type FieldProblem = 'required' | 'tooLong'

export interface DetailsProblems {
  title?: FieldProblem
  courseCode?: FieldProblem
}

function fieldProblem(value: string, max: number): FieldProblem | undefined {
  const trimmed = value.trim()
  if (trimmed === '') return 'required'
  if (trimmed.length > max) return 'tooLong'
  return undefined
}

export function validateDetails(form: DetailsForm): DetailsProblems {
  const problems: DetailsProblems = {}
  const title = fieldProblem(form.title, TITLE_MAX)
  const courseCode = fieldProblem(form.courseCode, COURSE_CODE_MAX)
  if (title) problems.title = title
  if (courseCode) problems.courseCode = courseCode
  return problems
}

export function createBatchRequest(form: DetailsForm): CreateBatchRequest {
  return {
    title: form.title.trim(),
    course_code: form.courseCode.trim(),
    class_id: form.classId || null,
    assignment_id: form.assignmentId || null,
  }
}

// --- step 2: the upload queue --------------------------------------------------------------------

export const ACCEPTED_EXTENSIONS = ['.txt', '.md', '.docx', '.pdf'] as const

export function isSupportedFile(name: string): boolean {
  const lower = name.toLowerCase()
  return ACCEPTED_EXTENSIONS.some((extension) => lower.endsWith(extension))
}

/** The same file chosen twice (name, size and date): queued once. */
export function fileKey(file: File): string {
  return `${file.name}\u0000${file.size}\u0000${file.lastModified}`
}

/** One upload of the session: its number (1, 2, …) and the outcome of each file. */
export interface UploadRound {
  number: number
  result: UploadResult
}

export function addToQueue(queue: readonly File[], files: Iterable<File>): File[] {
  const seen = new Set(queue.map(fileKey))
  const next = [...queue]
  for (const file of files) {
    const key = fileKey(file)
    if (seen.has(key)) continue
    seen.add(key)
    next.push(file)
  }
  return next
}

// --- step 3: the names ---------------------------------------------------------------------------

/** Essays the name matching has not listed yet (it learns of uploads a moment later). */
export function notYetMatched(essays: EssayList, associations: BatchAssociations | null): number {
  const listed = new Set((associations?.essays ?? []).map((essay) => essay.essay_id))
  return essays.items.filter((essay) => !listed.has(essay.essay_id)).length
}

export function studentName(student: StudentOut): string {
  return `${student.first_name} ${student.last_name}`.trim()
}

/** The roster in name order (last name, then first), as the teacher's language sorts. */
export function sortStudents(students: readonly StudentOut[], locale: string): StudentOut[] {
  const collator = new Intl.Collator(locale, { sensitivity: 'base' })
  return [...students].sort(
    (a, b) => collator.compare(a.last_name, b.last_name) || collator.compare(a.first_name, b.first_name),
  )
}

/** What each select starts at: the confirmed student, else the suggestion, else none (''). */
export function initialChoice(essay: EssayAssociationOut): string {
  return essay.student_id ?? ''
}

/** Students chosen for more than one essay: worth a second look, since one student wrote one essay. */
export function repeatedChoices(choices: Record<string, string>): Set<string> {
  const counts = new Map<string, number>()
  for (const studentId of Object.values(choices)) {
    if (studentId) counts.set(studentId, (counts.get(studentId) ?? 0) + 1)
  }
  return new Set([...counts].filter(([, times]) => times > 1).map(([studentId]) => studentId))
}

/** Whether a row's choice is something to send: a student, and not the one already confirmed. */
export function isConfirmable(essay: EssayAssociationOut, choice: string): boolean {
  if (choice === '') return false
  return essay.status !== 'confirmed' || essay.student_id !== choice
}

export interface Confirmation {
  essay_id: string
  student_id: string
}

/**
 * "Confirm all suggestions": every essay not yet confirmed whose select shows a student (the
 * suggestion, or the teacher's correction of it); essays left on "no student" stay unmatched.
 */
export function confirmAll(essays: readonly EssayAssociationOut[], choices: Record<string, string>): Confirmation[] {
  return essays
    .filter((essay) => essay.status !== 'confirmed')
    .map((essay) => ({ essay_id: essay.essay_id, student_id: choices[essay.essay_id] ?? '' }))
    .filter((item) => item.student_id !== '')
}

/** The gateway takes at most 500 confirmations in one request. */
export const MAX_CONFIRMATIONS = 500

export function inChunks<T>(items: readonly T[], size = MAX_CONFIRMATIONS): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size))
  return chunks
}

// --- step 4: the model ---------------------------------------------------------------------------

/** What the platform runs when a start names no model (StartAssessmentRequest's defaults). */
export const PLATFORM_DEFAULT: LLMChoice = { provider: 'mock', model: 'mock-judge', batching_mode: 'per_request' }

export interface ModelChoice {
  provider: LLMProviderName
  model: string
  /** The provider's own default model. */
  providerDefault: boolean
  /** The platform's default (the one preselected). */
  platformDefault: boolean
  /** Calls can go out (a key is set, or none is needed). */
  configured: boolean
  /** The provider failed repeatedly; its requests wait until it recovers. */
  circuitOpen: boolean
  batchingModes: BatchingMode[]
}

/**
 * Every model of the catalogue the teacher can pick, providers in catalogue order. A "*" entry
 * (any id, for local models) and a model that accepts no batching mode cannot be run as listed.
 */
export function modelChoices(catalogue: ModelCatalogue | null): ModelChoice[] {
  if (catalogue === null) return []
  const choices: ModelChoice[] = []
  for (const [name, entry] of Object.entries(catalogue.providers)) {
    if (!entry) continue
    const provider = name as LLMProviderName
    for (const model of entry.models) {
      if (model.model === '*' || model.batching_modes.length === 0) continue
      choices.push({
        provider,
        model: model.model,
        providerDefault: model.default,
        platformDefault: provider === PLATFORM_DEFAULT.provider && model.model === PLATFORM_DEFAULT.model,
        configured: entry.configured,
        circuitOpen: entry.circuit_breaker === 'open',
        batchingModes: model.batching_modes,
      })
    }
  }
  return choices
}

/** The mode to use with a model: the one wanted if it takes it, else one-call-per-comparison, else its first. */
export function modeFor(choice: ModelChoice, wanted: BatchingMode): BatchingMode {
  if (choice.batchingModes.includes(wanted)) return wanted
  if (choice.batchingModes.includes('per_request')) return 'per_request'
  return choice.batchingModes[0] ?? 'per_request'
}

/**
 * The preselected settings: the platform's default when the catalogue offers it; else the default
 * model of the first provider that can run; else the first model listed.
 */
export function preselect(choices: readonly ModelChoice[]): LLMChoice | null {
  const pick =
    choices.find((choice) => choice.platformDefault) ??
    choices.find((choice) => choice.configured && choice.providerDefault) ??
    choices.find((choice) => choice.configured) ??
    choices[0]
  if (!pick) return null
  return { provider: pick.provider, model: pick.model, batching_mode: modeFor(pick, PLATFORM_DEFAULT.batching_mode) }
}

export function sameChoice(a: LLMChoice | null, b: LLMChoice | null): boolean {
  return a !== null && b !== null && a.provider === b.provider && a.model === b.model && a.batching_mode === b.batching_mode
}

export function findChoice(choices: readonly ModelChoice[], llm: LLMChoice | null): ModelChoice | undefined {
  return llm ? choices.find((choice) => choice.provider === llm.provider && choice.model === llm.model) : undefined
}

/** A duration in whole hours, minutes and seconds (rounded to the second). */
export function durationUnits(totalSeconds: number): { hours: number; minutes: number; seconds: number } {
  const whole = Math.max(0, Math.round(totalSeconds))
  return { hours: Math.floor(whole / 3600), minutes: Math.floor((whole % 3600) / 60), seconds: whole % 60 }
}

// --- step 4: the start ---------------------------------------------------------------------------

/** A random UUID (v4). `crypto.randomUUID` needs a secure context; `getRandomValues` does not. */
export function newIdempotencyKey(random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): string {
  const bytes = random(new Uint8Array(16))
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The start's Idempotency-Key: one per settings. A double click or a retry after a lost answer
 * sends the same key with the same settings, which the platform answers with the same run. Other
 * settings get a new key, because the platform refuses a key reused with other settings (422).
 */
export class StartKeys {
  private current: { settings: string; key: string } | null = null

  constructor(private readonly generate: () => string = () => newIdempotencyKey()) {}

  keyFor(llm: LLMChoice): string {
    const settings = JSON.stringify([llm.provider, llm.model, llm.batching_mode])
    if (this.current?.settings !== settings) this.current = { settings, key: this.generate() }
    return this.current.key
  }
}
