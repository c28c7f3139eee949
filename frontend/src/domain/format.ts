/** Small formatting helpers shared by the screens (numbers and dates go through vue-i18n). */

/** A signed score with two decimals, the minus sign typographic: "1.20", "−0.35". */
export function formatScore(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value)
}

export function durationParts(seconds: number): { minutes: number; seconds: number } {
  const whole = Math.max(0, Math.round(seconds))
  return { minutes: Math.floor(whole / 60), seconds: whole % 60 }
}

export const RUNNING_STATUSES = ['assessment_requested', 'assessing'] as const

export function isRunning(status: string): boolean {
  return (RUNNING_STATUSES as readonly string[]).includes(status)
}
