/** Ordering by a grade scale (its grades lowest first, as the BFF's grade-scales view lists them). */

/** Anchors in scale order, highest grade first; grades off the scale (or an unknown scale) last, by label. */
export function byGradeDescending<T extends { grade: string; label: string }>(
  items: readonly T[],
  grades: readonly string[] | null,
): T[] {
  const rank = (grade: string) => (grades ?? []).indexOf(grade)
  return [...items].sort((a, b) => rank(b.grade) - rank(a.grade) || a.label.localeCompare(b.label))
}
