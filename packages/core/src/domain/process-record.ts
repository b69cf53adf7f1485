import { z } from 'zod'
import { LeadCallErrorCodeSchema } from './error-code.js'
import { type Lead, PrioritySchema } from './lead.js'
import { maskEmail, maskPhone } from './phone.js'

/** What a process handles: an incoming lead, a lead of a bulk import, or a qualified conversation. */
export const ProcessTypeSchema = z.enum(['lead', 'import', 'conversation'])
/** What a process handles, see {@link ProcessTypeSchema}. */
export type ProcessType = z.infer<typeof ProcessTypeSchema>

/**
 * Where a lead process stands: `received`, then `queued` (waiting for an agent or the calling
 * window), `dialing`, `in_call`, and one ending: `completed`, `failed`, `rejected` (refused by
 * compliance, e.g. DNC) or `duplicate` (the lead was already received).
 */
export const ProcessStatusSchema = z.enum([
  'received',
  'queued',
  'dialing',
  'in_call',
  'completed',
  'failed',
  'rejected',
  'duplicate',
])
/** Where a lead process stands, see {@link ProcessStatusSchema}. */
export type ProcessStatus = z.infer<typeof ProcessStatusSchema>

/** The steps of the lead pipeline, in order. */
export const ProcessStepNameSchema = z.enum([
  'normalize',
  'deduplicate',
  'compliance',
  'classify',
  'contactSync',
  'distribute',
  'dial',
  'track',
])
/** A step of the lead pipeline, see {@link ProcessStepNameSchema}. */
export type ProcessStepName = z.infer<typeof ProcessStepNameSchema>

/** Where one step stands. */
export const ProcessStepStatusSchema = z.enum(['pending', 'running', 'done', 'skipped', 'failed'])
/** Where one step stands, see {@link ProcessStepStatusSchema}. */
export type ProcessStepStatus = z.infer<typeof ProcessStepStatusSchema>

/** Zod schema of one step of a lead process. */
export const ProcessStepSchema = z.object({
  /** Which step. */
  name: ProcessStepNameSchema,
  /** Where the step stands. */
  status: ProcessStepStatusSchema,
  /** When the step started (ISO 8601, UTC). */
  startedAt: z.iso.datetime().optional(),
  /** When the step ended (ISO 8601, UTC). */
  endedAt: z.iso.datetime().optional(),
  /** How long the step took, in milliseconds. */
  durationMs: z.number().min(0).optional(),
  /** What the step found or did (e.g. the strategy and agent of `distribute`). */
  detail: z.record(z.string(), z.unknown()).optional(),
  /** The error code of a failed step. */
  errorCode: LeadCallErrorCodeSchema.optional(),
})
/** One step of a lead process, see {@link ProcessStepSchema}. */
export type ProcessStep = z.infer<typeof ProcessStepSchema>

/** Zod schema of the lead as a process record shows it: phone and e-mail masked unless told otherwise. */
export const ProcessLeadSchema = z.object({
  /** leadcall's id of the lead. */
  id: z.string().min(1),
  /** The lead's full name. */
  name: z.string(),
  /** The phone number, masked by default (`+39350****567`). */
  phone: z.string(),
  /** The e-mail address, masked by default (`a***@example.com`). */
  email: z.string().optional(),
  /** Where the lead came from. */
  source: z.string(),
  /** Id of the lead in the system it came from. */
  externalId: z.string().optional(),
  /** How soon the lead should be called. */
  priority: PrioritySchema,
})
/** The lead as a process record shows it, see {@link ProcessLeadSchema}. */
export type ProcessLead = z.infer<typeof ProcessLeadSchema>

/** Zod schema of when and where a process came in, for metrics by weekday, hour, source and tenant. */
export const ProcessMetadataSchema = z.object({
  /** Day of the week the lead was received, 0 (Sunday) to 6, in the tracker's time zone (UTC by default). */
  dayOfWeek: z.number().int().min(0).max(6),
  /** Hour the lead was received, 0 to 23, in the tracker's time zone (UTC by default). */
  hourOfDay: z.number().int().min(0).max(23),
  /** Where the lead came from. */
  source: z.string(),
  /** The tenant, in multi-tenant setups. */
  tenant: z.string().optional(),
})
/** When and where a process came in, see {@link ProcessMetadataSchema}. */
export type ProcessMetadata = z.infer<typeof ProcessMetadataSchema>

/**
 * Zod schema of the record of one lead process: what was received, every step with its timing, the
 * agent and call, and how it ended. Tracking keeps one per process and computes metrics from them.
 */
export const ProcessRecordSchema = z.object({
  /** Id of the process. */
  processId: z.string().min(1).max(128),
  /** What the process handles. */
  type: ProcessTypeSchema,
  /** When the lead was received (ISO 8601, UTC). */
  timestamp: z.iso.datetime(),
  /** When the record last changed (ISO 8601, UTC). */
  updatedAt: z.iso.datetime(),
  /** Where the process stands. */
  status: ProcessStatusSchema,
  /** Whether the process ended well; absent while it runs. */
  success: z.boolean().optional(),
  /** The last status of the call or process, as reported when it ended (e.g. `completed`, `no_answer`). */
  finalStatus: z.string().min(1).max(100).optional(),
  /** Milliseconds from receiving the lead to the end of the process. */
  processingTimeMs: z.number().min(0).optional(),
  /** The lead handled, phone and e-mail masked by default. */
  lead: ProcessLeadSchema,
  /** The pipeline steps, in the order they ran. */
  steps: z.array(ProcessStepSchema),
  /** The agent the lead was assigned to. */
  agent: z
    .object({
      /** Id of the agent. */
      id: z.string().min(1),
      /** Name of the agent. */
      name: z.string(),
    })
    .optional(),
  /** Id of the contact created in the CRM or at the provider. */
  contactId: z.string().min(1).optional(),
  /** Id of the call session. */
  callId: z.string().min(1).optional(),
  /** How many dial attempts were made. */
  attempts: z.number().int().min(0),
  /** The error code the process failed with. */
  errorCode: LeadCallErrorCodeSchema.optional(),
  /** The error message the process failed with (never containing unmasked phones or e-mails). */
  errorMessage: z.string().max(2000).optional(),
  /** When and where the process came in, for metrics. */
  metadata: ProcessMetadataSchema,
})
/** The record of one lead process, see {@link ProcessRecordSchema}. */
export type ProcessRecord = z.infer<typeof ProcessRecordSchema>

/** Options of {@link toProcessLead}. */
export interface ProcessLeadOptions {
  /** Mask the phone and e-mail (`+39350****567`, `a***@example.com`). Defaults to true. */
  mask?: boolean
}

/** The lead block of a {@link ProcessRecord}, with the phone and e-mail masked unless `mask` is false. */
export function toProcessLead(lead: Lead, options: ProcessLeadOptions = {}): ProcessLead {
  const mask = options.mask ?? true
  const result: ProcessLead = {
    id: lead.id,
    name: lead.fullName,
    phone: mask ? maskPhone(lead.phone) : lead.phone,
    source: lead.source,
    priority: lead.priority,
  }
  if (lead.email !== undefined) result.email = mask ? maskEmail(lead.email) : lead.email
  if (lead.externalId !== undefined) result.externalId = lead.externalId
  return result
}
