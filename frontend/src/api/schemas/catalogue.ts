/**
 * The model catalogue (the gateway's `GET /v1/models`, and `model_catalogue` of the BFF's new-batch
 * options): each provider with its models, what they can do and cost, and the batching modes.
 * Written by hand from the platform's JSON schema (`libs/common_core/schemas/http/ModelCatalogue.json`)
 * like `../schemas.ts`; `../schemas.test.ts` compares the fields with the contract.
 *
 * Objects are not strict: a field the platform adds later is dropped, not an error.
 */
import { z } from 'zod'

import { LLMProvider } from '../schemas'
import { amount } from './fields'

/** A provider of the model catalogue (`../schemas.ts` exports the enumeration only). */
export type LLMProviderName = z.infer<typeof LLMProvider>

export const BatchingMode = z.enum(['per_request', 'serial_bundle', 'provider_batch_api'])
export type BatchingMode = z.infer<typeof BatchingMode>

export const ModelCapabilities = z.object({
  temperature: z.boolean(),
  reasoning_effort: z.boolean(),
  verbosity: z.boolean(),
  prompt_caching: z.boolean(),
  batch_api: z.boolean(),
})

export const ModelPrices = z.object({ input: amount, output: amount, cached_input: amount })

export const ModelLimits = z.object({
  rpm: z.number().int().min(1),
  tpm: z.number().int().min(1),
  max_concurrency: z.number().int().min(1),
})

export const CatalogueModel = z.object({
  model: z.string().min(1),
  default: z.boolean(),
  context_window: z.number().int().min(1),
  capabilities: ModelCapabilities,
  price_per_million_usd: ModelPrices,
  limits: ModelLimits,
  batching_modes: z.array(BatchingMode),
})
export type CatalogueModel = z.infer<typeof CatalogueModel>

export const CircuitBreaker = z.enum(['closed', 'half_open', 'open'])

export const CatalogueProvider = z.object({
  configured: z.boolean(),
  circuit_breaker: CircuitBreaker,
  models: z.array(CatalogueModel),
})
export type CatalogueProvider = z.infer<typeof CatalogueProvider>

export const ModelCatalogue = z.object({
  // Keyed by the contract's providers (its `propertyNames`); partial: the catalogue lists the
  // providers of the model table, not necessarily all of them.
  providers: z.partialRecord(LLMProvider, CatalogueProvider),
  serial_bundle_size: z.number().int().min(1),
})
export type ModelCatalogue = z.infer<typeof ModelCatalogue>

/** The contract's models by their JSON schema's title, for the drift test. */
export const CATALOGUE_MODELS = { ModelCatalogue } as const

/** The nested models by their `$defs` name. */
export const CATALOGUE_DEFINITIONS = {
  CatalogueModel,
  CatalogueProvider,
  ModelCapabilities,
  ModelPrices,
  ModelLimits,
} as const
