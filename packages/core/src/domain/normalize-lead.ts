import { randomUUID } from 'node:crypto'
import { isSupportedCountry } from 'libphonenumber-js/max'
import { LeadCallError } from '../errors/lead-call-error.js'
import { validationError } from '../errors/validation.js'
import { type Lead, LeadSchema, type Priority } from './lead.js'
import { LeadInputSchema } from './lead-input.js'
import { splitName } from './name.js'
import { type CountryCode, normalizePhone } from './phone.js'

/** Options of {@link normalizeLead}. */
export interface NormalizeLeadOptions {
  /**
   * Country of phone numbers written in national form, when the payload has no country of its
   * own. Defaults to `US`.
   */
  defaultCountry?: CountryCode
  /** Priority of leads that arrive without one. Defaults to `normal`. */
  defaultPriority?: Priority
  /** The clock giving `receivedAt`. Defaults to the system clock. */
  now?: () => Date
  /** Gives the id of the new lead. Defaults to `crypto.randomUUID()`. */
  idGenerator?: () => string
}

/**
 * Turns a lead as it arrives (plain JSON or a GoHighLevel payload, see `LeadInputSchema`) into a
 * normalized {@link Lead}: phone in E.164 (`normalizePhone`), name split (`splitName`), e-mail
 * trimmed and lower case, priority read case-insensitively (`medium` is `normal`), tags trimmed and
 * de-duplicated, source `api` unless the payload tells otherwise. A country in the payload (e.g.
 * GoHighLevel's `country`) is the default country of a national phone number, before
 * `options.defaultCountry`.
 *
 * It never throws anything but a {@link LeadCallError}, whatever `input` is.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` listing every problem when the payload has the wrong
 * shape or an invalid field (e-mail, priority, time zone, …); `MISSING_PHONE` when it has no phone;
 * `INVALID_PHONE` when the phone is not a valid number.
 */
export function normalizeLead(input: unknown, options: NormalizeLeadOptions = {}): Lead {
  try {
    return buildLead(input, options)
  } catch (error) {
    if (LeadCallError.isInstance(error)) throw error
    // E.g. a getter or proxy trap of the input that throws, or a clock giving an invalid date.
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'Invalid lead: it could not be read',
      cause: error,
    })
  }
}

function buildLead(input: unknown, options: NormalizeLeadOptions): Lead {
  const parsed = LeadInputSchema.safeParse(input)
  if (!parsed.success) throw validationError('lead', parsed.error)
  const raw = parsed.data

  const country = raw.country !== undefined && isSupportedCountry(raw.country) ? raw.country : undefined
  const phone = normalizePhone(raw.phone, { defaultCountry: country ?? options.defaultCountry ?? 'US' })
  const name = splitName(raw)

  const lead: Lead = {
    id: (options.idGenerator ?? randomUUID)(),
    phone: phone.e164,
    fullName: name.fullName,
    firstName: name.firstName,
    source: raw.source ?? 'api',
    priority: raw.priority ?? options.defaultPriority ?? 'normal',
    tags: raw.tags,
    custom: raw.custom,
    receivedAt: (options.now?.() ?? new Date()).toISOString(),
  }
  if (phone.extension !== undefined) lead.phoneExtension = phone.extension
  if (phone.country !== undefined) lead.phoneCountry = phone.country
  if (name.lastName !== undefined) lead.lastName = name.lastName
  if (raw.email !== undefined) lead.email = raw.email
  if (raw.company !== undefined) lead.company = raw.company
  if (raw.externalId !== undefined) lead.externalId = raw.externalId
  if (raw.consent !== undefined) lead.consent = raw.consent
  if (raw.timezone !== undefined) lead.timezone = raw.timezone
  if (raw.dnd !== undefined) lead.dnd = raw.dnd

  // A last check of what the options contributed (id, clock, default priority).
  const checked = LeadSchema.safeParse(lead)
  if (!checked.success) throw validationError('lead', checked.error)
  return checked.data
}
