import { z } from 'zod'
import {
  booleanValue,
  cleanText,
  consentValue,
  countryValue,
  customValue,
  emailValue,
  firstText,
  idValue,
  nameText,
  parseWith,
  phoneValue,
  priorityValue,
  tagsValue,
  timezoneValue,
  withOptional,
} from './lead-input-fields.js'
import type { RawLead } from './raw-lead.js'

const GenericLeadFields = z.object({
  /** The whole name (`Maria de la Cruz`). */
  name: nameText,
  /** The whole name, when `name` is absent. */
  fullName: nameText,
  /** Given name. */
  firstName: nameText,
  /** Given name, snake_case spelling. */
  first_name: nameText,
  /** Family name. */
  lastName: nameText,
  /** Family name, snake_case spelling. */
  last_name: nameText,
  /** Phone number in any common format, or as a JSON number. */
  phone: phoneValue,
  /** Phone number, when `phone` is absent. */
  phoneNumber: phoneValue,
  /** Phone number, snake_case spelling. */
  phone_number: phoneValue,
  /** ISO 3166-1 alpha-2 country of the lead: the default country of a national phone number (ignored when unknown). */
  country: countryValue,
  /** E-mail address; trimmed and lower-cased, an empty string counts as absent. */
  email: emailValue,
  /** Company name. */
  company: cleanText(300),
  /** Company name, when `company` is absent. */
  companyName: cleanText(300),
  /** `urgent`, `high`, `normal` (or `medium`) or `low`, in any case. */
  priority: priorityValue,
  /** Tags: an array, or a comma-separated string. */
  tags: tagsValue,
  /** Custom attributes: an object, or a list of `{ id | key | name, value }`. */
  custom: customValue,
  /** Custom attributes, merged under `custom`. */
  customFields: customValue,
  /** Where the lead came from; `api` when absent. */
  source: cleanText(100),
  /** Id of the lead in the system it came from. */
  externalId: idValue,
  /** Id of the lead in the system it came from, when `externalId` is absent. */
  id: idValue,
  /** IANA time zone of the lead. */
  timezone: timezoneValue,
  /** Consent: a boolean (to be called) or `{ call, sms, recordedAt }`. */
  consent: consentValue,
  /** Do-not-disturb flag. */
  dnd: booleanValue,
})
function toRawLead(input: z.output<typeof GenericLeadFields>): RawLead {
  return withOptional(
    { tags: input.tags, custom: { ...input.customFields, ...input.custom } },
    {
      name: firstText(input.name, input.fullName),
      firstName: firstText(input.firstName, input.first_name),
      lastName: firstText(input.lastName, input.last_name),
      phone: firstText(input.phone, input.phoneNumber, input.phone_number),
      country: input.country,
      email: input.email,
      company: input.company ?? input.companyName,
      source: input.source,
      externalId: input.externalId ?? input.id,
      priority: input.priority,
      consent: input.consent,
      timezone: input.timezone,
      dnd: input.dnd,
    },
  )
}

/**
 * Zod schema of a lead posted as plain JSON, giving the {@link RawLead} it maps to. Tolerant:
 * every field is optional, `null` counts as absent, unknown keys are ignored, and the usual spellings are accepted (`name` or `fullName`,
 * `firstName` or `first_name`, `phone`, `phoneNumber` or `phone_number`, `company` or
 * `companyName`, `custom` or `customFields`, `externalId` or `id`). `tags` may be an array or a
 * comma-separated string; `consent` a boolean (consent to be called) or `{ call, sms, recordedAt }`.
 */
export const GenericLeadInputSchema = GenericLeadFields.transform(toRawLead)
/** A lead posted as plain JSON, see {@link GenericLeadInputSchema}. */
export type GenericLeadInput = z.input<typeof GenericLeadInputSchema>

/**
 * Maps a plain JSON lead (see {@link GenericLeadInputSchema}) to a {@link RawLead}.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` listing every problem of the payload.
 */
export function fromGenericLead(input: unknown): RawLead {
  return parseWith(GenericLeadInputSchema, input)
}
