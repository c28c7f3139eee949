/** The platform's own contract files, read from the monorepo: JSON schemas and their examples. */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const COMMON_CORE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../libs/common_core')

export function contractExample<T = unknown>(name: string): T {
  const path = resolve(COMMON_CORE, 'src/common_core/http/examples', `${name}.json`)
  return JSON.parse(readFileSync(path, 'utf-8')) as T
}

export interface JsonSchema {
  title?: string
  properties?: Record<string, unknown>
  required?: string[]
  enum?: string[]
  $defs?: Record<string, JsonSchema>
}

export function contractSchema(name: string): JsonSchema {
  const path = resolve(COMMON_CORE, 'schemas/http', `${name}.json`)
  return JSON.parse(readFileSync(path, 'utf-8')) as JsonSchema
}
