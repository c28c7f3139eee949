/**
 * What a needs-action item asks of the teacher, in the app's language. The BFF's `detail` is
 * English; it words the same facts the item carries, so the app words them itself and falls back to
 * the English text only when an older BFF sent no facts.
 */
import type { BatchNeedingAction } from '@/api/schemas'

type Translate = (key: string, values?: Record<string, unknown> | number) => string

export interface ActionText {
  text: string
  /** The language of `text` when it is not the app's (the BFF's English), for the `lang` attribute. */
  lang: 'en' | null
}

export function actionText(item: BatchNeedingAction, t: Translate): ActionText {
  const key = `dashboard.needsAction.detail.${item.reason}`
  switch (item.reason) {
    case 'failed':
    case 'partial':
      return { text: t(key), lang: null }
    case 'unconfirmed_matches':
            if (missing(item.class_name) || missing(item.suggested) || missing(item.unmatched)) break
      return {
        text: t(key, { className: item.class_name, suggested: item.suggested, unmatched: item.unmatched }),
        lang: null,
      }
    case 'not_started':
      if (missing(item.essay_count)) break
      return { text: t(key, item.essay_count), lang: null }
  }
  return { text: item.detail, lang: 'en' }
}

function missing(value: unknown): value is null | undefined {
  return value === null || value === undefined
}
