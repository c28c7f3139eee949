/**
 * The batches deleted in this tab. The dashboard's lists come from the result aggregator's read
 * model, which hears of a deletion from Kafka a moment after the gateway answered 204; until it has,
 * the dashboard hides these batches and reads its view again. Kept for the tab's life (a deleted
 * batch never comes back); ids only, nothing about the essays.
 */
import { reactive } from 'vue'

const deleted = reactive(new Set<string>())

export function rememberDeleted(batchId: string): void {
  deleted.add(batchId)
}

export function wasDeleted(batchId: string): boolean {
  return deleted.has(batchId)
}
