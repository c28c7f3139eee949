import { describe, expect, it } from 'vitest'

import type { BatchNeedingAction } from '@/api/schemas'
import { createAppI18n } from '@/i18n'

import { actionText } from './actions'

const base: BatchNeedingAction = {
  batch_id: '00000000-0000-0000-0000-000000000001',
  title: 'Letters',
  reason: 'not_started',
  detail: '12 essays uploaded; start the assessment.',
}

function translate(locale: 'en' | 'sv') {
  const { t } = createAppI18n(locale).global
  return (key: string, values?: Record<string, unknown> | number) =>
    typeof values === 'number' ? t(key, values) : t(key, values ?? {})
}

describe('actionText', () => {
  it('words the facts in Swedish, with the right plural', () => {
    const sv = translate('sv')
    expect(actionText({ ...base, essay_count: 12 }, sv)).toEqual({
      text: '12 texter uppladdade; starta bedömningen.',
      lang: null,
    })
    expect(actionText({ ...base, essay_count: 1 }, sv).text).toBe('En text uppladdad; starta bedömningen.')
    const matches = { ...base, reason: 'unconfirmed_matches' as const, class_name: '9B', suggested: 18, unmatched: 3 }
    expect(actionText(matches, sv).text).toBe('Bekräfta eleverna i 9B: 18 föreslagna, 3 utan förslag.')
    expect(actionText({ ...base, reason: 'failed' }, sv).text).toContain('misslyckades')
  })

  it('falls back to the English detail, marked as English, when the facts are missing', () => {
    expect(actionText(base, translate('sv'))).toEqual({ text: base.detail, lang: 'en' })
    const matches = { ...base, reason: 'unconfirmed_matches' as const, class_name: null }
    expect(actionText(matches, translate('sv')).lang).toBe('en')
  })
})
