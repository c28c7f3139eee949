/** Finding a form's controls the way a person does: by their label and their button text. */
import type { DOMWrapper, VueWrapper } from '@vue/test-utils'

// A wrapper `get` returned is a DOMWrapper without `exists`; both kinds can be searched.
type Scope = VueWrapper | Omit<DOMWrapper<Element>, 'exists'>

/** The control whose <label> starts with `label` (a hint or "(optional)" may follow it). */
export function byLabel(scope: Scope, label: string): Omit<DOMWrapper<HTMLInputElement>, 'exists'> {
  const found = scope.findAll('label').find((item) => item.text().trim().startsWith(label))
  if (!found) throw new Error(`no control labelled "${label}"`)
  return scope.get<HTMLInputElement>(`[id="${found.attributes('for')}"]`)
}

/** The button with this text or this accessible name (aria-label). */
export function button(scope: Scope, name: string): Omit<DOMWrapper<HTMLButtonElement>, 'exists'> {
  const found = scope
    .findAll<HTMLButtonElement>('button')
    .find((item) => item.text().trim() === name || item.attributes('aria-label') === name)
  if (!found) throw new Error(`no button "${name}"`)
  return found
}

/** The text of the element(s) an input names in aria-describedby: its error and its hint. */
export function description(scope: Scope, input: Omit<DOMWrapper<Element>, 'exists'>): string {
  const ids = (input.attributes('aria-describedby') ?? '').split(' ').filter(Boolean)
  return ids.map((id) => scope.get(`[id="${id}"]`).text()).join(' ')
}
