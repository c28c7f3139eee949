/**
 * A message for the next page, after a command that navigates away ("Class 9B deleted." on the
 * class list): set before the navigation, taken once by the page that shows it.
 */
import { ref } from 'vue'

const pending = ref<string | null>(null)

export function setFlash(message: string): void {
  pending.value = message
}

export function takeFlash(): string | null {
  const message = pending.value
  pending.value = null
  return message
}
