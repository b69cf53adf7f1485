import { z } from 'zod'
import { type GenericLeadInput, GenericLeadInputSchema } from './generic-lead-input.js'
import {
  type GoHighLevelContactCreate,
  GoHighLevelContactCreateSchema,
  type GoHighLevelWorkflow,
  GoHighLevelWorkflowSchema,
} from './gohighlevel-input.js'
import type { RawLead } from './raw-lead.js'

/** Zod schema of the formats leads arrive in. */
export const LeadFormatSchema = z.enum(['generic', 'ghl-contact-create', 'ghl-workflow'])
/** The formats leads arrive in, see {@link LeadFormatSchema}. */
export type LeadFormat = z.infer<typeof LeadFormatSchema>

function own(input: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(input, key) ? input[key] : undefined
}

/**
 * Tells which format a lead payload is in: `ghl-contact-create` when `type` is `ContactCreate`,
 * `ghl-workflow` when it has a `contact_id` or a `location` object next to snake_case contact
 * fields (`first_name`, `full_name`) or `customData`, `generic` otherwise (also for anything that
 * is not an object).
 */
export function detectLeadFormat(input: unknown): LeadFormat {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'generic'
  const record = input as Record<string, unknown>
  if (own(record, 'type') === 'ContactCreate') return 'ghl-contact-create'
  const contactId = own(record, 'contact_id')
  if (contactId !== undefined && contactId !== null) return 'ghl-workflow'
  const location = own(record, 'location')
  const hasLocation = typeof location === 'object' && location !== null && !Array.isArray(location)
  if (
    hasLocation &&
    ['first_name', 'full_name', 'customData'].some((key) => own(record, key) !== undefined)
  ) {
    return 'ghl-workflow'
  }
  return 'generic'
}

const SCHEMAS = {
  generic: GenericLeadInputSchema,
  'ghl-contact-create': GoHighLevelContactCreateSchema,
  'ghl-workflow': GoHighLevelWorkflowSchema,
} satisfies Record<LeadFormat, z.ZodType<RawLead>>

/** What leads may arrive as: a generic JSON lead or one of the GoHighLevel payloads. */
export type LeadInput = GenericLeadInput | GoHighLevelContactCreate | GoHighLevelWorkflow

/**
 * Zod schema accepting every lead format: it detects the format with {@link detectLeadFormat},
 * validates the payload with that format's schema and maps it to a {@link RawLead}.
 */
export const LeadInputSchema = z.unknown().transform((input, ctx): RawLead => {
  const result = SCHEMAS[detectLeadFormat(input)].safeParse(input)
  if (result.success) return result.data
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input })
  }
  return z.NEVER
}) as unknown as z.ZodType<RawLead, LeadInput>
