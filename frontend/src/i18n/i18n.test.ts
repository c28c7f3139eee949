import { describe, expect, it } from 'vitest'

import en from './en'
import { createAppI18n, localeFromTag } from './index'
import sv from './sv'

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix]
  return Object.entries(value).flatMap(([key, inner]) => keys(inner, prefix ? `${prefix}.${key}` : key))
}

describe('messages', () => {
  it('Swedish has exactly the English keys, and no message is empty unless meant to be', () => {
    expect(keys(sv).sort()).toEqual(keys(en).sort())
    const empty = keys(sv).filter((key) => key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], sv) === '')
    expect(empty).toEqual(['batch.progress.mode.closed'])
  })

  it('every message compiles and renders in both languages', () => {
    const i18n = createAppI18n('en')
    for (const locale of ['en', 'sv'] as const) {
      i18n.global.locale.value = locale
      for (const key of keys(en)) {
        const text = i18n.global.t(key, { n: 2, name: 'X', seconds: 3, done: 1, planned: 2, shown: 1, total: 2, query: 'q', value: '0.5', se: '0.1', completed: 1, failed: 0, m: 1, s: 2, id: 'c', known: 'B', grade: 'C' })
        expect(text, `${locale}:${key}`).not.toContain('{')
      }
    }
  })

  it('formats numbers per language', () => {
    const i18n = createAppI18n('sv')
    expect(i18n.global.n(0.81, 'decimal2')).toBe('0,81')
    expect(i18n.global.n(12.5, 'usd')).toMatch(/12,50\s*US\$/)
    i18n.global.locale.value = 'en'
    expect(i18n.global.n(0.81, 'decimal2')).toBe('0.81')
    expect(i18n.global.n(12.5, 'usd')).toBe('$12.50')
  })
})

describe('localeFromTag', () => {
  it.each([
    ['sv-SE', 'sv'],
    ['sv', 'sv'],
    ['SV_fi', 'sv'],
    ['en-GB', 'en'],
    ['de-DE', 'en'],
    ['', 'en'],
    [null, 'en'],
  ])('%s → %s', (tag, locale) => {
    expect(localeFromTag(tag)).toBe(locale)
  })
})
