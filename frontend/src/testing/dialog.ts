/**
 * jsdom has the <dialog> element without showModal() and close(): enough of both for the tests
 * (the `open` attribute and the `close` event). What a browser adds, the inert page behind a modal
 * dialog, is checked in the browser test (e2e/teacher-flow.mjs).
 */
export function installDialogMethods(): void {
  const dialog = HTMLDialogElement.prototype
  if (typeof dialog.showModal === 'function') return
  dialog.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '')
  }
  dialog.close = function close(this: HTMLDialogElement) {
    if (!this.hasAttribute('open')) return
    this.removeAttribute('open')
    this.dispatchEvent(new Event('close'))
  }
}
