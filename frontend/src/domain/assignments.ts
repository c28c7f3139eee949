/** Assignments and their anchors as the screens read them: whose they are, and grades on a scale. */

/** The teacher may change an assignment they own (admins may too, which the app cannot tell: the platform decides). */
export function ownedBy(assignment: { owner_user_id: string }, userId: string | null | undefined): boolean {
  return userId !== null && userId !== undefined && assignment.owner_user_id === userId
}

/** Highest grade first, then by label; a grade off the scale last. */
export function byGradeDescending<T extends { grade: string; label: string }>(items: readonly T[], grades: readonly string[]): T[] {
  const rank = (grade: string) => grades.indexOf(grade)
  return [...items].sort((a, b) => rank(b.grade) - rank(a.grade) || a.label.localeCompare(b.label))
}

/** How many grade steps apart two grades are on the scale; null when either is missing or off the scale. */
export function gradeSteps(grades: readonly string[], known: string | null, placed: string | null): number | null {
  if (known === null || placed === null) return null
  const from = grades.indexOf(known)
  const to = grades.indexOf(placed)
  return from === -1 || to === -1 ? null : Math.abs(to - from)
}
