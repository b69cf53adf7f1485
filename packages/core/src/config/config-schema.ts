import { isSupportedCountry } from 'libphonenumber-js'
import { z } from 'zod'
import { ComplianceConfigSchema } from '../compliance/compliance-policy.js'
import { ConversationsConfigSchema } from '../conversations/conversations-config.js'
import type { CrmAdapterV1 } from '../crm/crm-adapter.js'
import type { LeadRouter } from '../distribution/lead-routing.js'
import type { DistributionStrategy, RandomSource } from '../distribution/strategy.js'
import type { Logger } from '../logging/logger.js'
import { PipelineConfigSchema } from '../pipeline/pipeline-config.js'
import type { ClassifierV1 } from '../qualification/classifier.js'
import type { StorageV1 } from '../storage/storage-v1.js'
import { failoverTelephony } from '../telephony/failover-telephony.js'
import type { TelephonyProviderV1 } from '../telephony/telephony-provider.js'
import { TrackingConfigSchema } from '../tracking/tracking-config.js'

/** An object implementing version 1 of a leadcall specification. */
const isVersioned = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  (value as { specificationVersion?: unknown }).specificationVersion === 'v1'

const isStorage = (value: unknown): value is StorageV1 =>
  isVersioned(value) && typeof (value as { atomic?: unknown }).atomic === 'function'

const isTelephony = (value: unknown): value is TelephonyProviderV1 =>
  isVersioned(value) && typeof (value as { dial?: unknown }).dial === 'function'

const isLogger = (value: unknown): value is Logger =>
  typeof value === 'object' &&
  value !== null &&
  ['debug', 'info', 'warn', 'error'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function')

/** A tenant id: letters, digits, `_`, `.` and `-`, 1 to 64 characters. */
export const TenantSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'Expected 1-64 letters, digits, "_", "." or "-"')

/** Phone options: the country assumed for numbers written without an international prefix. */
export const PhoneConfigSchema = z.strictObject({
  /** ISO 3166-1 alpha-2 country, e.g. `US`, `IT`, `GB`. */
  defaultCountry: z
    .string()
    .toUpperCase()
    .refine((c) => isSupportedCountry(c), {
      message: 'Unknown country code (expected ISO 3166-1 alpha-2, e.g. US)',
    })
    .default('US'),
})

/** Privacy options. */
export const PrivacyConfigSchema = z.strictObject({
  /** Mask phone numbers and emails in records, logs and errors (default true). */
  maskPii: z.boolean().default(true),
})

const isStrategy = (value: unknown): value is DistributionStrategy =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { name?: unknown }).name === 'string' &&
  typeof (value as { createIndex?: unknown }).createIndex === 'function'

/** Distribution options: the strategy, reservations and retries. */
export const DistributionConfigSchema = z.strictObject({
  /** How to choose the agent; `roundRobin()` by default. */
  strategy: z
    .custom<DistributionStrategy>(isStrategy, 'Expected a distribution strategy such as roundRobin()')
    .optional(),
  /** How long an agent is reserved for a lead before the offer times out (ms, default 30 s). */
  reservationTimeoutMs: z.number().int().positive().default(30_000),
  /** Agents a lead is offered to at most, the first try included (default 3). */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  /** Offers in a row an agent may let time out before being moved to `break` (default 3). */
  maxNoAnswer: z.number().int().min(1).max(1000).default(3),
  /** Agents a lead is offered to at once; the first to accept wins (default 1). */
  parallelOffers: z.number().int().min(1).max(50).default(1),
  /** Pause after a completed assignment before the agent is offered again (ms, default 0). */
  wrapUpMs: z.number().int().min(0).default(0),
  /** Random source for tie-breaks and random strategies (seed it in tests); `Math.random` by default. */
  random: z
    .custom<RandomSource>((v) => typeof v === 'function', 'Expected a function returning [0, 1)')
    .optional(),
  /**
   * Where each lead may go, decided when it is received: a pool and the skills its agent needs
   * (see {@link LeadRouter}). `submitLead(input, { routing })` overrides it for one lead.
   */
  route: z
    .custom<LeadRouter>(
      (v) => typeof v === 'function',
      'Expected a function (lead) => ({ pool, requiredSkills })',
    )
    .optional(),
})

/**
 * The configuration of {@link createLeadCall}. Every problem is reported at once in one
 * `VALIDATION_FAILED` error.
 */
export const LeadCallConfigSchema = z.strictObject({
  /** Where all state lives; defaults to `memoryStorage()` (one process, nothing survives a restart). */
  storage: z.custom<StorageV1>(isStorage, 'Expected a StorageV1 driver such as memoryStorage()').optional(),
  /** Tenant whose data this app reads and writes; tenants sharing one store never see each other's data. */
  tenant: TenantSchema.default('default'),
  phone: PhoneConfigSchema.default({ defaultCountry: 'US' }),
  privacy: PrivacyConfigSchema.default({ maskPii: true }),
  distribution: DistributionConfigSchema.prefault({}),
  /**
   * The telephony provider that places the calls (an adapter, or `simulatedTelephony()`), or
   * several, primary first: an array of two or more is wrapped with `failoverTelephony()` (default
   * breaker settings; call it yourself to choose them), an array of one is that provider.
   */
  telephony: z
    .custom<TelephonyProviderV1 | TelephonyProviderV1[]>(
      (v) => isTelephony(v) || (Array.isArray(v) && v.length > 0 && v.every(isTelephony)),
      'Expected a TelephonyProviderV1 such as simulatedTelephony() or cloudtalk({...}), or a non-empty array of them (primary first)',
    )
    .superRefine((value, context) => {
      if (!Array.isArray(value)) return
      const names = value.map((provider) => provider.name)
      const duplicate = names.find((name, index) => names.indexOf(name) !== index)
      if (duplicate !== undefined)
        context.addIssue({
          code: 'custom',
          message: `Two providers are named "${duplicate}": give each its own name`,
        })
    })
    .transform(
      (value): TelephonyProviderV1 =>
        Array.isArray(value)
          ? value.length === 1
            ? (value[0] as TelephonyProviderV1)
            : failoverTelephony(value)
          : value,
    )
    .optional(),
  /**
   * Decides how good a conversation's lead is and what to ask next (default: `ruleClassifier()`,
   * deterministic and offline); `openaiClassifier()` and `geminiClassifier()` ask an LLM.
   */
  classifier: z
    .custom<ClassifierV1>(
      (v) => isVersioned(v) && typeof (v as { classify?: unknown }).classify === 'function',
      'Expected a ClassifierV1 such as ruleClassifier() or openaiClassifier({...})',
    )
    .optional(),
  /** Where qualified leads are written (e.g. `odoo({...})`); without it, conversations only call. */
  crm: z
    .custom<CrmAdapterV1>(
      (v) => isVersioned(v) && typeof (v as { upsertLead?: unknown }).upsertLead === 'function',
      'Expected a CrmAdapterV1 such as odoo({...})',
    )
    .optional(),
  /** Conversation state, TTL and hand-off settings. */
  conversations: ConversationsConfigSchema.prefault({}),
  /** Do-not-call, allow and VIP lists, consent, calling hours and attempt caps. */
  compliance: ComplianceConfigSchema.prefault({}),
  /** Queueing, de-duplication, contact sync, dialing and retries. */
  pipeline: PipelineConfigSchema.prefault({}),
  /** Process records, metrics and the optional JSONL file sink. */
  tracking: TrackingConfigSchema.prefault({}),
  /** A pino-compatible logger; silent by default. */
  logger: z
    .custom<Logger>(isLogger, 'Expected a pino-compatible logger (debug, info, warn, error)')
    .optional(),
  /** The clock, in ms since epoch; injectable for tests. */
  now: z
    .custom<() => number>((v) => typeof v === 'function', 'Expected a function returning ms since epoch')
    .optional(),
})

/** What {@link createLeadCall} accepts. */
export type LeadCallConfig = z.input<typeof LeadCallConfigSchema>
/** The configuration after validation and defaults. */
export type ResolvedLeadCallConfig = z.output<typeof LeadCallConfigSchema>
