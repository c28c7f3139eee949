import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'

import { installDialogMethods } from '@/testing/dialog'

import ConfirmDialog from './ConfirmDialog.vue'

beforeAll(installDialogMethods)

let wrapper: VueWrapper | undefined

afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

/** A page with the button that opens the question, as its parent uses it: `open` follows the answer. */
const Page = defineComponent({
  props: { busy: Boolean },
  emits: ['confirm'],
  setup(props, { emit }) {
    const open = ref(false)
    return () =>
      h('div', [
        h('button', { class: 'opener', onClick: () => (open.value = true) }, 'Delete'),
        h(
          ConfirmDialog,
          {
            open: open.value,
            title: 'Delete “Essays 9B”?',
            confirmLabel: 'Yes, delete',
            cancelLabel: 'No, keep it',
            busy: props.busy,
            busyLabel: 'Deleting…',
            onConfirm: () => emit('confirm'),
            onCancel: () => (open.value = false),
          },
          () => h('p', 'The essays are erased.'),
        ),
      ])
  },
})

async function openDialog(busy = false) {
  wrapper = mount(Page, { props: { busy }, attachTo: document.body })
  const opener = wrapper.get<HTMLButtonElement>('.opener')
  opener.element.focus()
  await opener.trigger('click')
  await flushPromises()
  return wrapper
}

const dialog = (page: VueWrapper) => page.get<HTMLDialogElement>('dialog')
const buttons = (page: VueWrapper) => dialog(page).findAll<HTMLButtonElement>('button')

function press(page: VueWrapper, key: string, shiftKey = false): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true })
  ;(document.activeElement ?? dialog(page).element).dispatchEvent(event)
  return event
}

describe('the confirmation dialog', () => {
  it('opens as a modal named by its title and described by its text, with the focus on the safe choice', async () => {
    const page = await openDialog()

    const element = dialog(page)
    expect(element.element.open).toBe(true)
    expect(element.attributes('role')).toBe('alertdialog')
    expect(element.attributes('aria-modal')).toBe('true')
    expect(page.get(`[id="${element.attributes('aria-labelledby')}"]`).text()).toBe('Delete “Essays 9B”?')
    expect(page.get(`[id="${element.attributes('aria-describedby')}"]`).text()).toBe('The essays are erased.')
    expect(document.activeElement?.textContent?.trim()).toBe('No, keep it')
  })

  it('keeps the focus inside: Tab from the last button goes to the first, Shift+Tab back', async () => {
    const page = await openDialog()
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

  it('cancels on Escape and gives the focus back to the button that opened it', async () => {
    const page = await openDialog()

    const escape = press(page, 'Escape')
    await flushPromises()

    expect(escape.defaultPrevented).toBe(true)
    expect(dialog(page).element.open).toBe(false)
    expect(document.activeElement).toBe(page.get('.opener').element)
    expect(page.emitted('confirm')).toBeUndefined()
  })

  it('confirms with its confirm button', async () => {
    const page = await openDialog()
    await buttons(page)[0]!.trigger('click')
    expect(page.emitted('confirm')).toHaveLength(1)
  })

  it('does nothing while the command runs, and says so', async () => {
    const page = await openDialog(true)
    const [confirm, keep] = buttons(page)

    expect(confirm!.text()).toBe('Deleting…')
    expect(confirm!.attributes('aria-disabled')).toBe('true')
    await confirm!.trigger('click')
    await keep!.trigger('click')
    press(page, 'Escape')
    await flushPromises()

    expect(page.emitted('confirm')).toBeUndefined()
    expect(dialog(page).element.open).toBe(true)
  })

  it('follows the browser when it closes the dialog by itself', async () => {
    const page = await openDialog()
    dialog(page).element.close()
    await flushPromises()
    expect(dialog(page).element.open).toBe(false)
    expect(document.activeElement).toBe(page.get('.opener').element)
  })
})
