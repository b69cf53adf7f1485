import { type CountryCode, normalizePhone } from '../domain/phone.js'

/** Something found in a message, with where it was: `[start, end)` in the original text. */
export interface Found<T> {
  /** What was found. */
  value: T
  /** Where it starts in the text. */
  start: number
  /** Where it ends (exclusive). */
  end: number
}

const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(?![\p{L}\p{N}])/gu
/** A run of digits with the usual separators, optionally after `+` or `00`. */
const PHONE = /(?<![\p{L}\p{N}#+])(?:\+|00)?\d[\d\s().-]{5,20}\d(?!\d)/gu
/** Words right before a number that make it an order or reference number, not a phone. */
const REFERENCE =
  /(?:#|n[º°o.]\s*|num(?:ero|ber)?\.?\s*|pedido\s*|ordine\s*|order\s*|ref\.?\s*|referencia\s*|riferimento\s*|factura\s*|fattura\s*|invoice\s*)$/i

/** The email addresses in `text`, lower-cased, in order. */
export function extractEmails(text: string): Array<Found<string>> {
  const out: Array<Found<string>> = []
  for (const m of text.matchAll(EMAIL)) {
    out.push({ value: m[0].replace(/\.$/, '').toLowerCase(), start: m.index, end: m.index + m[0].length })
  }
  return out
}

/**
 * The phone numbers in `text`, as E.164, in order: every run of 8 to 15 digits (with spaces, dots,
 * dashes, brackets) that {@link normalizePhone} accepts in one of `countries` (tried in order) or
 * with its own international prefix. Numbers right after "#", "nº", "order", "pedido", "ordine",
 * "ref" are order references, not phones.
 */
export function extractPhones(text: string, countries: readonly CountryCode[]): Array<Found<string>> {
  const out: Array<Found<string>> = []
  for (const m of text.matchAll(PHONE)) {
    const raw = m[0].trim()
    const digits = raw.replace(/\D/g, '').length
    if (digits < 8 || digits > 15) continue
    if (REFERENCE.test(text.slice(Math.max(0, m.index - 14), m.index))) continue
    const e164 = normalizeAny(raw, countries)
    if (e164) out.push({ value: e164, start: m.index, end: m.index + m[0].length })
  }
  return out
}

function normalizeAny(raw: string, countries: readonly CountryCode[]): string | undefined {
  for (const country of countries) {
    try {
      return normalizePhone(raw, { defaultCountry: country }).e164
    } catch {
      // not a number in this country: try the next one
    }
  }
  return undefined
}
