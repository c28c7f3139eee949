import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { h } from 'vue'

import { ApiError } from '@/api/errors'
import { i18n, setLocale } from '@/i18n'
import { installDialogMethods } from '@/testing/dialog'

import ConfirmAction from './ConfirmAction.vue'

beforeAll(() => {
  installDialogMethods()
  setLocale('en')
})

let wrapper: VueWrapper | undefined

afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

type Props = Partial<{
  action: () => Promise<boolean | void>
  prepare: () => Promise<boolean | void>
  canConfirm: boolean
}>

/** The question as a page uses it: a button that asks, a modal dialog, the command. */
async function mountAction(props: Props = {}) {
  wrapper = mount(ConfirmAction, {
    props: {
      label: 'Delete',
      title: 'Delete “Essays 9B”?',
      confirmLabel: 'Yes, delete',
      cancelLabel: 'No, keep it',
      busyLabel: 'Deleting…',
      errorTitle: 'It was not deleted',
      action: props.action ?? (async () => undefined),
      ...(props.prepare ? { prepare: props.prepare } : {}),
      ...(props.canConfirm === undefined ? {} : { canConfirm: props.canConfirm }),
    },
    slots: { default: () => h('p', 'The essays are erased.') },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  return wrapper
}

const opener = (page: VueWrapper) => page.get<HTMLButtonElement>('button.danger-outline')
const dialog = (page: VueWrapper) => page.get<HTMLDialogElement>('dialog')
const isOpen = (page: VueWrapper) => page.find<HTMLDialogElement>('dialog').exists() && dialog(page).element.open
const buttons = (page: VueWrapper) => dialog(page).findAll<HTMLButtonElement>('button')

async function ask(page: VueWrapper) {
  opener(page).element.focus()
  await opener(page).trigger('click')
  await flushPromises()
}

function press(page: VueWrapper, key: string, shiftKey = false): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true })
  ;(document.activeElement ?? dialog(page).element).dispatchEvent(event)
  return event
}

describe('the confirmation', () => {
  it('asks in a modal named by its question and described by its text, with the focus on the safe choice', async () => {
    const page = await mountAction()
    expect(page.find('dialog').exists()).toBe(false)
    await ask(page)

    const element = dialog(page)
    expect(element.element.open).toBe(true)
    expect(element.attributes('role')).toBe('alertdialog')
    expect(element.attributes('aria-modal')).toBe('true')
    expect(page.get(`[id="${element.attributes('aria-labelledby')}"]`).text()).toBe('Delete “Essays 9B”?')
    expect(page.get(`[id="${element.attributes('aria-describedby')}"]`).text()).toBe('The essays are erased.')
    expect(document.activeElement?.textContent?.trim()).toBe('No, keep it')
  })

  it('keeps the focus inside: Tab from the last button goes to the first, Shift+Tab back', async () => {
    const page = await mountAction()
    await ask(page)
    const [confirm, keep] = buttons(page).map((button) => button.element)

    const forward = press(page, 'Tab')
    expect(forward.defaultPrevented).toBe(true)
    expect(document.activeElement).toBe(confirm)

    const backward = press(page, 'Tab', true)
    expect(backward.defaultPrevented).toBe(true)
    expect(document.activeElement).toBe(keep)

    // Between the two the browser moves the focus itself.
    confirm!.focus()
    expect(press(page, 'Tab').defaultPrevented).toBe(false)
  })

  it('cancels on Escape and gives the focus back to the button that asked', async () => {
    const action = vi.fn(async () => undefined)
    const page = await mountAction({ action })
    await ask(page)

    const escape = press(page, 'Escape')
    await flushPromises()

    expect(escape.defaultPrevented).toBe(true)
    expect(isOpen(page)).toBe(false)
    expect(document.activeElement).toBe(opener(page).element)
    expect(action).not.toHaveBeenCalled()
  })

  it('gives the focus back to its button even when a click did not focus it', async () => {
    const page = await mountAction()
    await opener(page).trigger('click')
    await flushPromises()
    await buttons(page)[1]!.trigger('click')
    await flushPromises()
    expect(document.activeElement).toBe(opener(page).element)
  })

  it('runs the command on confirm, then closes and says it is done', async () => {
    const action = vi.fn(async () => undefined)
    const page = await mountAction({ action })
    await ask(page)
    await buttons(page)[0]!.trigger('click')
    await flushPromises()

    expect(action).toHaveBeenCalledOnce()
    expect(isOpen(page)).toBe(false)
    expect(page.emitted('done')).toHaveLength(1)
  })

  it('does nothing while the command runs, and says so', async () => {
    let finish: () => void = () => undefined
    const action = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)))
    const page = await mountAction({ action })
    await ask(page)
    await buttons(page)[0]!.trigger('click')
    const [confirm, keep] = buttons(page)

    expect(confirm!.text()).toBe('Deleting…')
    expect(confirm!.attributes('aria-disabled')).toBe('true')
    await confirm!.trigger('click')
    await keep!.trigger('click')
    press(page, 'Escape')
    await flushPromises()

    expect(action).toHaveBeenCalledOnce()
    expect(isOpen(page)).toBe(true)
    finish()
    await flushPromises()
    expect(isOpen(page)).toBe(false)
  })

  it('closes on a refusal and shows it, with its reference, beside the button', async () => {
    const refusal = new ApiError({ status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Content is down.', correlationId: 'corr-9' })
    const page = await mountAction({ action: async () => Promise.reject(refusal) })
    await ask(page)
    await buttons(page)[0]!.trigger('click')
    await flushPromises()

    expect(isOpen(page)).toBe(false)
    const alert = page.get('[role="alert"]')
    expect(alert.text()).toContain('It was not deleted')
    expect(alert.text()).toContain('Content is down.')
    expect(alert.text()).toContain('Reference: corr-9')
    expect(document.activeElement).toBe(opener(page).element)
    expect(page.emitted('done')).toBeUndefined()
  })

  it('stays open when the command says so', async () => {
    const page = await mountAction({ action: async () => false })
    await ask(page)
    await buttons(page)[0]!.trigger('click')
    await flushPromises()
    expect(isOpen(page)).toBe(true)
    expect(page.emitted('done')).toBeUndefined()
  })

  it('does not confirm until the question is answered inside it', async () => {
    const action = vi.fn(async () => undefined)
    const page = await mountAction({ action, canConfirm: false })
    await ask(page)
    expect(buttons(page)[0]!.attributes('aria-disabled')).toBe('true')
    await buttons(page)[0]!.trigger('click')
    expect(action).not.toHaveBeenCalled()
    await page.setProps({ canConfirm: true })
    await buttons(page)[0]!.trigger('click')
    expect(action).toHaveBeenCalledOnce()
  })

  it('prepares before it asks: a failure is shown and nothing opens; `false` opens nothing', async () => {
    const refusal = new ApiError({ status: 404, code: 'NOT_FOUND', message: 'No such student.' })
    const failing = await mountAction({ prepare: async () => Promise.reject(refusal) })
    await ask(failing)
    expect(failing.find('dialog').exists()).toBe(false)
    expect(failing.get('[role="alert"]').text()).toContain('No such student.')
    failing.unmount()

    const stopped = await mountAction({ prepare: async () => false })
    await ask(stopped)
    expect(stopped.find('dialog').exists()).toBe(false)
    expect(stopped.find('[role="alert"]').exists()).toBe(false)
  })

  it('follows the browser when it closes the dialog by itself', async () => {
    const page = await mountAction()
    await ask(page)
    dialog(page).element.close()
    await flushPromises()
    expect(isOpen(page)).toBe(false)
    expect(document.activeElement).toBe(opener(page).element)
  })
})
