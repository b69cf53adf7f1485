import { z } from 'zod'
import { MAX_FULL_NAME_LENGTH, MAX_NAME_PART_LENGTH } from './name.js'
import { E164Schema } from './phone.js'
import { TimeZoneSchema } from './timezone.js'

export { normalizeTags } from './tags.js'

/** How soon a lead should be called; `urgent` leads are dialled before every other. */
export const PrioritySchema = z.enum(['urgent', 'high', 'normal', 'low'])
/** How soon a lead should be called, see {@link PrioritySchema}. */
export type Priority = z.infer<typeof PrioritySchema>

/** Sort rank of each {@link Priority}: lower ranks are dialled first. */
export const PRIORITY_RANK = {
  /** Dialled first. */
  urgent: 0,
  /** Dialled after `urgent`. */
  high: 1,
  /** The default. */
  normal: 2,
  /** Dialled last. */
  low: 3,
} as const satisfies Record<Priority, number>

const PRIORITY_ALIASES: Readonly<Record<string, Priority>> = {
  urgent: 'urgent',
  high: 'high',
  normal: 'normal',
  medium: 'normal',
  low: 'low',
}

/**
 * Reads a priority as people and CRMs write it: case-insensitive, trimmed, with `medium` meaning
 * `normal`. Returns `undefined` for anything else.
 */
export function parsePriority(value: string): Priority | undefined {
  const key = value.trim().toLowerCase()
  return Object.hasOwn(PRIORITY_ALIASES, key) ? PRIORITY_ALIASES[key] : undefined
}

/** The most tags a lead keeps. */
export const MAX_TAGS = 100
/** The longest tag. */
export const MAX_TAG_LENGTH = 100

/** Zod schema of one tag: trimmed, 1 to {@link MAX_TAG_LENGTH} characters. */
export const TagSchema = z.string().trim().min(1).max(MAX_TAG_LENGTH)

/** Zod schema of what the lead agreed to be contacted by, and when that was recorded. */
export const ConsentSchema = z.object({
  /** Consent to be called. */
  call: z.boolean().optional(),
  /** Consent to receive text messages. */
  sms: z.boolean().optional(),
  /** When the consent was given (ISO 8601, UTC). */
  recordedAt: z.iso.datetime().optional(),
})
/** What a lead agreed to be contacted by, see {@link ConsentSchema}. */
export type Consent = z.infer<typeof ConsentSchema>

/** Zod schema of a normalized e-mail address: trimmed, lower case, at most 320 characters. */
export const EmailSchema = z
  .email()
  .max(320)
  .refine((email) => email === email.toLowerCase(), { message: 'Expected a lower-case e-mail address' })

/** Zod schema of free-form custom attributes, e.g. CRM custom fields. */
export const CustomAttributesSchema = z.record(z.string(), z.unknown())
/** Free-form custom attributes of a lead, see {@link CustomAttributesSchema}. */
export type CustomAttributes = z.infer<typeof CustomAttributesSchema>

/**
 * Zod schema of a normalized lead, as `normalizeLead()` returns it and storages keep it. The raw
 * payload it came from is not kept.
 */
export const LeadSchema = z.object({
  /** leadcall's id of the lead (a UUID unless an id generator is configured). */
  id: z.string().min(1).max(128),
  /** Phone number in E.164 form, without extension. */
  phone: E164Schema,
  /** Extension to dial once the call connects, digits only. */
  phoneExtension: z
    .string()
    .regex(/^\d{1,10}$/)
    .optional(),
  /** ISO 3166-1 alpha-2 country of the phone number. */
  phoneCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  /** The whole name, as shown to agents (`Unknown Contact` when none was given). */
  fullName: z.string().min(1).max(MAX_FULL_NAME_LENGTH),
  /** Given name, used to greet the lead. */
  firstName: z.string().min(1).max(MAX_NAME_PART_LENGTH),
  /** Family name. */
  lastName: z.string().min(1).max(MAX_NAME_PART_LENGTH).optional(),
  /** E-mail address, lower case. */
  email: EmailSchema.optional(),
  /** Company the lead works for. */
  company: z.string().min(1).max(300).optional(),
  /** Where the lead came from, e.g. `api`, `gohighlevel`, `csv`. */
  source: z.string().min(1).max(100).default('api'),
  /** Id of the lead (contact) in the system it came from, e.g. the GoHighLevel contact id. */
  externalId: z.string().min(1).max(200).optional(),
  /** How soon the lead should be called. */
  priority: PrioritySchema.default('normal'),
  /** Tags, trimmed and without duplicates. */
  tags: z
    .array(TagSchema)
    .max(MAX_TAGS)
    .refine((tags) => new Set(tags).size === tags.length, { message: 'Tags must not repeat' })
    .default([]),
  /** Free-form attributes, e.g. CRM custom fields. */
  custom: CustomAttributesSchema.default({}),
  /** What the lead agreed to be contacted by. */
  consent: ConsentSchema.optional(),
  /** IANA time zone of the lead, used for calling hours. */
  timezone: TimeZoneSchema.optional(),
  /** True when the lead asked not to be disturbed (a CRM's DND flag). */
  dnd: z.boolean().optional(),
  /** When leadcall received the lead (ISO 8601, UTC). */
  receivedAt: z.iso.datetime(),
})
/** A normalized lead, see {@link LeadSchema}. */
export type Lead = z.infer<typeof LeadSchema>
