import {
  isSupportedCountry,
  type CountryCode as LibPhoneNumberCountryCode,
  ParseError,
  type PhoneNumber,
  parsePhoneNumberFromString,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max'
import { z } from 'zod'
import { LeadCallError } from '../errors/lead-call-error.js'

/** An ISO 3166-1 alpha-2 country code that libphonenumber knows (e.g. `US`, `IT`, `GB`). */
export type CountryCode = LibPhoneNumberCountryCode

/**
 * Zod schema of a phone number already in E.164 form: `+`, a country code that does not start with
 * 0, then 7 to 15 digits in all (e.g. `+14155552671`). It checks the form only; use
 * {@link normalizePhone} to validate a number against the numbering plan of its country.
 */
export const E164Schema = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'Expected an E.164 number such as +14155552671')

/** Zod schema of the result of {@link normalizePhone}. */
export const NormalizedPhoneSchema = z.object({
  /** The number in E.164 form, without the extension (e.g. `+390612345678`). */
  e164: E164Schema,
  /** ISO 3166-1 alpha-2 country of the number, when it belongs to one (absent for e.g. `+800` numbers). */
  country: z.string().optional(),
  /** The national significant number: the digits after the country code (Italian landlines keep their 0). */
  nationalNumber: z.string().regex(/^\d+$/),
  /** Extension dialled after the call connects (`ext. 123`, `x123`, `#123`), digits only. */
  extension: z
    .string()
    .regex(/^\d{1,10}$/)
    .optional(),
  /** Kind of number as the full libphonenumber metadata tells it (`MOBILE`, `FIXED_LINE`, `TOLL_FREE`, …). */
  type: z.string().optional(),
})
/** A phone number normalized by {@link normalizePhone}. */
export type NormalizedPhone = z.infer<typeof NormalizedPhoneSchema>

/** Options of {@link normalizePhone}. */
export interface NormalizePhoneOptions {
  /** Country whose national format applies to numbers without an international prefix. Defaults to `US`. */
  defaultCountry?: CountryCode
}

/**
 * Why {@link normalizePhone} rejected a number, found in `error.details.reason` of its
 * `INVALID_PHONE` errors.
 */
export type InvalidPhoneReason =
  | 'LETTERS'
  | 'INVALID_CHARACTERS'
  | 'NOT_A_NUMBER'
  | 'INVALID_COUNTRY'
  | 'TOO_SHORT'
  | 'TOO_LONG'
  | 'INVALID_LENGTH'
  | 'INVALID_NUMBER'

/** The longest input {@link normalizePhone} looks at; longer strings are rejected as `TOO_LONG`. */
const MAX_INPUT_LENGTH = 100
/** No valid number has more digits than this (E.164 allows 15; a few plans allow a couple more). */
const MAX_DIGITS = 17

const REASON_TEXT: Record<InvalidPhoneReason, string> = {
  LETTERS: 'it contains letters',
  INVALID_CHARACTERS: 'it contains characters that are not digits',
  NOT_A_NUMBER: 'it is not a phone number',
  INVALID_COUNTRY: 'its country code is unknown',
  TOO_SHORT: 'it is too short',
  TOO_LONG: 'it is too long',
  INVALID_LENGTH: 'its length is not valid for its country',
  INVALID_NUMBER: 'it is not a valid number in its country',
}

/** `ext. 123`, `ext 123`, `extension 123`, `x123`, `#123`, `;ext=123` (RFC 3966) at the very end. */
const EXTENSION = /\s*[,;]?\s*(?:extension|ext|x|#)\s*[.:=]?\s*(\d{1,10})\s*$/i
/** Formatting characters removed before parsing: white space, dashes, dots, parentheses, slashes. */
const FORMATTING = /[\s\-.()/\u2010-\u2015\u2212]/g
/** Invisible characters pasted along with numbers (bidi marks, zero-width spaces, BOM). */
const INVISIBLE = /\p{Cf}/gu

function toAsciiDigits(text: string): string {
  // Full-width digits and plus, as typed with East Asian input methods.
  return text.replace(/[\uFF10-\uFF19\uFF0B]/g, (char) =>
    char === '\uFF0B' ? '+' : String.fromCharCode(char.charCodeAt(0) - 0xff10 + 48),
  )
}

function invalid(reason: InvalidPhoneReason, input: string, defaultCountry: string): LeadCallError {
  return new LeadCallError('INVALID_PHONE', {
    message: `Invalid phone number: ${REASON_TEXT[reason]}`,
    details: { reason, input: maskRawPhone(input), defaultCountry },
  })
}

/**
 * Normalizes a phone number as typed by a person or sent by a CRM to E.164, validating it against
 * the full libphonenumber metadata of its country.
 *
 * - Spaces, dashes, dots, parentheses and slashes are ignored, as are invisible characters.
 * - A leading `+` or `00` means international: `0039 347 123 4567` is `+393471234567`.
 * - Anything else is national in `defaultCountry` (`US` unless told otherwise): `415 555 2671` is
 *   `+14155552671`; the national trunk prefix is dropped where the country uses one
 *   (`020 7946 0958` in `GB` is `+442079460958`) and kept where it belongs to the number
 *   (`06 1234 5678` in `IT` is `+390612345678`). The country's own international prefix works too
 *   (`011 39 …` in `US`).
 * - A trailing extension (`ext. 123`, `x123`, `#123`) is returned apart in `extension`.
 * - Letters are refused, so vanity numbers such as `1-800-FLOWERS` are `INVALID_PHONE`: spell them
 *   out in digits.
 *
 * @throws {LeadCallError} `MISSING_PHONE` when `raw` is missing, empty or blank; `INVALID_PHONE`
 * when it is not a valid number, with `details: { reason, input, defaultCountry }` where `reason`
 * is an {@link InvalidPhoneReason} and `input` is the masked input (the raw number never appears in
 * the error); `VALIDATION_FAILED` when `defaultCountry` is not a known country.
 *
 * @example
 * ```ts
 * normalizePhone('+1 (415) 555-2671').e164 // '+14155552671'
 * normalizePhone('347 123 4567', { defaultCountry: 'IT' }).e164 // '+393471234567'
 * ```
 */
export function normalizePhone(
  raw: string | null | undefined,
  options: NormalizePhoneOptions = {},
): NormalizedPhone {
  const defaultCountry = options.defaultCountry ?? 'US'
  if (!isSupportedCountry(defaultCountry)) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'Invalid phone options: defaultCountry is not a known ISO 3166-1 alpha-2 country',
      details: { issues: [{ path: 'defaultCountry', message: 'Unknown country' }] },
    })
  }
  if (raw === undefined || raw === null) throw new LeadCallError('MISSING_PHONE')
  if (typeof raw !== 'string') throw invalid('NOT_A_NUMBER', '', defaultCountry)
  const input = raw.replace(INVISIBLE, '').trim()
  if (input === '') throw new LeadCallError('MISSING_PHONE')
  if (input.length > MAX_INPUT_LENGTH) throw invalid('TOO_LONG', input, defaultCountry)

  let text = toAsciiDigits(input)
  let extension: string | undefined
  const ext = EXTENSION.exec(text)
  if (ext && ext.index > 0) {
    extension = ext[1]
    text = text.slice(0, ext.index)
  }
  let compact = text.replace(FORMATTING, '')
  if (!/^\+?\d+$/.test(compact)) {
    if (compact === '' || compact === '+') throw invalid('NOT_A_NUMBER', input, defaultCountry)
    throw invalid(/\p{L}/u.test(compact) ? 'LETTERS' : 'INVALID_CHARACTERS', input, defaultCountry)
  }
  if (compact.startsWith('00')) compact = `+${compact.slice(2)}`
  const digits = compact.startsWith('+') ? compact.length - 1 : compact.length
  if (digits > MAX_DIGITS) throw invalid('TOO_LONG', input, defaultCountry)

  let parsed: PhoneNumber
  try {
    parsed = parsePhoneNumberWithError(compact, { defaultCountry })
  } catch (error) {
    const reason =
      error instanceof ParseError && isKnownReason(error.message) ? error.message : 'NOT_A_NUMBER'
    throw invalid(reason, input, defaultCountry)
  }
  if (!parsed.isValid()) {
    const length = validatePhoneNumberLength(compact, { defaultCountry })
    throw invalid(length && isKnownReason(length) ? length : 'INVALID_NUMBER', input, defaultCountry)
  }
  if (!E164Schema.safeParse(parsed.number).success) {
    // Valid in its country's plan, but outside E.164's 7 to 15 digits.
    throw invalid(parsed.number.length > 16 ? 'TOO_LONG' : 'TOO_SHORT', input, defaultCountry)
  }

  const result: NormalizedPhone = { e164: parsed.number, nationalNumber: parsed.nationalNumber }
  if (parsed.country) result.country = parsed.country
  if (extension) result.extension = extension
  const type = parsed.getType()
  if (type) result.type = type
  return result
}

function isKnownReason(value: string): value is InvalidPhoneReason {
  return Object.hasOwn(REASON_TEXT, value)
}

/** Stars the middle of `chars`, keeping `head` characters before and `tail` after. */
function starMiddle(chars: string[], head: number, tail: number): string {
  return (
    chars.slice(0, head).join('') +
    '*'.repeat(chars.length - head - tail) +
    chars.slice(chars.length - tail).join('')
  )
}

/** Keeps about a third of a short string on each side, never more than `max`, always starring one. */
function maskShort(chars: string[], max: number): string {
  const keep = Math.min(max, Math.floor(chars.length / 3))
  return starMiddle(chars, keep, keep)
}

/** Masks a raw, possibly invalid phone input for error details: first 4 and last 2 characters. */
function maskRawPhone(input: string): string {
  const chars = Array.from(input.replace(FORMATTING, '').replace(INVISIBLE, '')).slice(0, 40)
  if (chars.length >= 10) return starMiddle(chars, 4, 2)
  return maskShort(chars, 2)
}

/**
 * Masks a phone number for logs and records: the country code, the first 3 and the last 3 digits of
 * the national number stay, the rest becomes `*` (`+393501234567` → `+39350****567`). Numbers with a
 * national part shorter than 8 digits keep about a third on each side; strings that are not E.164
 * numbers are masked the same way as a whole.
 */
export function maskPhone(e164: string): string {
  if (typeof e164 !== 'string' || e164 === '') return ''
  const parsed = E164Schema.safeParse(e164).success ? parsePhoneNumberFromString(e164) : undefined
  if (!parsed) return maskShort(Array.from(e164), 3)
  const national = Array.from(parsed.nationalNumber)
  const masked = national.length >= 8 ? starMiddle(national, 3, 3) : maskShort(national, 3)
  return `+${parsed.countryCallingCode}${masked}`
}

/**
 * Masks an e-mail address for logs and records: the first character of the local part and the
 * whole domain stay (`alice@example.com` → `a***@example.com`). Strings without `@` keep only their
 * first character.
 */
export function maskEmail(email: string): string {
  if (typeof email !== 'string' || email === '') return ''
  const at = email.lastIndexOf('@')
  const local = at === -1 ? email : email.slice(0, at)
  const first = Array.from(local)[0] ?? ''
  return at === -1 ? `${first}***` : `${first}***${email.slice(at)}`
}
