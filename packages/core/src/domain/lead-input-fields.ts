/**
 * Tolerant field readers shared by the lead formats: `null` counts as absent, strings are trimmed
 * and cleaned. Internal to the domain: not re-exported by its index.
 *
 * @module
 */
import { isSupportedCountry } from 'libphonenumber-js/max'
import { z } from 'zod'
import { validationError } from '../errors/validation.js'
import { type ConsentSchema, EmailSchema, MAX_TAGS, normalizeTags, parsePriority, TagSchema } from './lead.js'
import { cleanName } from './name.js'
import type { RawLead } from './raw-lead.js'
import { TimeZoneSchema } from './timezone.js'

/** The longest raw text field accepted before cleaning. */
export const MAX_RAW_TEXT = 1000

/** Sets `key` on `target` unless it would touch the prototype. */
export function safeSet(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') return
  target[key] = value
}

/** A name part as given, at most `MAX_RAW_TEXT` characters; cleaned later by `splitName`. */
export const nameText = z
  .string()
  .max(MAX_RAW_TEXT)
  .nullish()
  .transform((value) => value ?? undefined)

/** A cleaned string (see `cleanName`) of at most `max` characters. */
export function cleanText(max: number) {
  return z
    .string()
    .max(MAX_RAW_TEXT)
    .nullish()
    .transform((value) => cleanName(value))
    .pipe(z.string().max(max).optional())
}

/** A phone number as a string, or as a non-negative JSON integer. */
export const phoneValue = z
  .union([z.string(), z.number().int().nonnegative()])
  .nullish()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)))

/** An id as a string or an integer, cleaned, at most 200 characters. */
export const idValue = z
  .union([z.string().max(MAX_RAW_TEXT), z.number().int()])
  .nullish()
  .transform((value) => (value === null || value === undefined ? undefined : cleanName(String(value))))
  .pipe(z.string().max(200).optional())

/** An e-mail address, trimmed and lower-cased; an empty string counts as absent. */
export const emailValue = z
  .string()
  .max(MAX_RAW_TEXT)
  .nullish()
  .transform((value) => {
    const email = value?.trim().toLowerCase()
    return email ? email : undefined
  })
  .pipe(EmailSchema.optional())

/** Tags as an array or a comma-separated string, normalized by `normalizeTags`. */
export const tagsValue = z
  .union([z.string().max(100_000), z.array(z.union([z.string(), z.number(), z.null()]))])
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined) return []
    if (typeof value === 'string') return normalizeTags(value)
    return normalizeTags(value.filter((tag) => tag !== null).map(String))
  })
  .pipe(z.array(TagSchema).max(MAX_TAGS))

/** A priority read by `parsePriority`; an unknown one is a validation issue. */
export const priorityValue = z
  .string()
  .max(MAX_RAW_TEXT)
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined || value.trim() === '') return undefined
    const priority = parsePriority(value)
    if (priority === undefined) {
      ctx.addIssue({ code: 'custom', message: 'Expected urgent, high, normal (or medium) or low' })
      return z.NEVER
    }
    return priority
  })

/** An IANA time zone; an empty string counts as absent. */
export const timezoneValue = z
  .string()
  .max(100)
  .nullish()
  .transform((value) => {
    const tz = value?.trim()
    return tz ? tz : undefined
  })
  .pipe(TimeZoneSchema.optional())

/** An optional boolean. */
export const booleanValue = z
  .boolean()
  .nullish()
  .transform((value) => value ?? undefined)

/** Never fails: a country that is not a known ISO 3166-1 alpha-2 code is just not used. */
export const countryValue = z
  .unknown()
  .transform((value) => {
    if (typeof value !== 'string') return undefined
    const code = value.trim().toUpperCase()
    return code.length === 2 && isSupportedCountry(code) ? code : undefined
  })
  .optional()

/** A date-time with offset, normalized to UTC ISO 8601. */
export const recordedAtValue = z.iso
  .datetime({ offset: true })
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined) return undefined
    const time = Date.parse(value)
    if (Number.isNaN(time)) {
      ctx.addIssue({ code: 'custom', message: 'Invalid date' })
      return z.NEVER
    }
    return new Date(time).toISOString()
  })

/** Consent: a boolean (to be called) or `{ call, sms, recordedAt }`. */
export const consentValue = z
  .union([
    z.boolean(),
    z.object({
      /** Consent to be called. */
      call: booleanValue,
      /** Consent to receive text messages. */
      sms: booleanValue,
      /** When the consent was given (ISO 8601 with offset). */
      recordedAt: recordedAtValue,
    }),
  ])
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined) return undefined
    // A bare boolean is consent to be called; SMS consent is never assumed.
    if (typeof value === 'boolean') return { call: value }
    const consent: z.infer<typeof ConsentSchema> = {}
    if (value.call !== undefined) consent.call = value.call
    if (value.sms !== undefined) consent.sms = value.sms
    if (value.recordedAt !== undefined) consent.recordedAt = value.recordedAt
    return consent
  })

/** Reads `{ key: value }` objects and `[{ id | key | name, value }]` lists alike into a record. */
export const customValue = z
  .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
  .nullish()
  .transform((value) => {
    const custom: Record<string, unknown> = {}
    if (value === null || value === undefined) return custom
    if (!Array.isArray(value)) {
      for (const [key, item] of Object.entries(value)) safeSet(custom, key, item)
      return custom
    }
    for (const item of value) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue
      const field = item as Record<string, unknown>
      const key = [field.id, field.key, field.name].find(
        (candidate) => (typeof candidate === 'string' && candidate !== '') || typeof candidate === 'number',
      )
      if (key !== undefined && Object.hasOwn(field, 'value')) safeSet(custom, String(key), field.value)
    }
    return custom
  })

/** The first value that is a non-blank string. */
export function firstText(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value.trim() !== '')
}

/** Copies the defined optional fields of `fields` onto `raw`. */
export function withOptional(raw: RawLead, fields: Partial<RawLead>): RawLead {
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (raw as Record<string, unknown>)[key] = value
  }
  return raw
}

/** An optional cleaned string. */
export const optionalText = z
  .string()
  .max(MAX_RAW_TEXT)
  .nullish()
  .transform((value) => cleanName(value))

/** Parses `input` with `schema`, throwing `VALIDATION_FAILED` listing every problem. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input)
  if (!result.success) throw validationError('lead', result.error)
  return result.data
}
