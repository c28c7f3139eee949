/**
 * English and Swedish. The teacher's profile locale (`/v1/me`, a BCP 47 tag such as "sv-SE") picks
 * the language after sign-in; before it, the browser's. The header's switch changes it for the tab.
 */
import { createI18n } from 'vue-i18n'

import en, { type MessageSchema } from './en'
import sv from './sv'

export const LOCALES = ['en', 'sv'] as const
export type Locale = (typeof LOCALES)[number]

/** The supported language of a BCP 47 tag ("sv-SE" → "sv"); English for anything else. */
export function localeFromTag(tag: string | null | undefined): Locale {
  const language = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0]
  return (LOCALES as readonly string[]).includes(language ?? '') ? (language as Locale) : 'en'
}

const numberFormat = {
  percent: { style: 'percent', maximumFractionDigits: 0 },
  probability: { style: 'percent', maximumFractionDigits: 0 },
  decimal2: { minimumFractionDigits: 2, maximumFractionDigits: 2 },
  integer: { maximumFractionDigits: 0 },
  usd: { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 },
} as const

const datetimeFormat = {
  short: { year: 'numeric', month: 'short', day: 'numeric' },
  long: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
} as const

function browserLocale(): Locale {
  return typeof navigator === 'undefined' ? 'en' : localeFromTag(navigator.language)
}

export function createAppI18n(locale: Locale = browserLocale()) {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, sv },
    numberFormats: { en: numberFormat, sv: numberFormat },
    datetimeFormats: { en: datetimeFormat, sv: datetimeFormat },
    missingWarn: import.meta.env.DEV,
    fallbackWarn: import.meta.env.DEV,
  })
}

export const i18n = createAppI18n()

export function setLocale(locale: Locale, target = i18n): void {
  target.global.locale.value = locale
  if (typeof document !== 'undefined') document.documentElement.lang = locale
}

export function currentLocale(target = i18n): Locale {
  return target.global.locale.value as Locale
}
