/**
 * The checks of what callers hand the adapter (its options, a dial request, a WhatsApp webhook's
 * parameters), run synchronously at the call and listing every problem at once.
 *
 * They are plain functions rather than zod schemas so that importing `@leadcall/twilio` does not
 * load zod (about 70 ms of a cold start, as much as everything else together); what Twilio
 * answers is still validated with zod (`twilio-schemas.ts`), loaded with the first request.
 *
 * @module
 */
import type { ValidationIssue } from '@leadcall/core/provider'

/** A check of one value: the problem, or `undefined` when the value is fine. @internal */
export type Check = (value: unknown) => string | undefined

/** A string of `min` to `max` characters. @internal */
export function text(max = Number.POSITIVE_INFINITY, min = 1): Check {
  return (value) => {
    if (typeof value !== 'string') return 'Expected a string'
    if (value.length < min)
      return min === 1 ? 'Expected a non-empty string' : `Expected at least ${min} characters`
    return value.length > max ? `Expected at most ${max} characters` : undefined
  }
}

/** A string matching `pattern`; `message` says what was expected. @internal */
export function matching(pattern: RegExp, message: string): Check {
  return (value) => (typeof value === 'string' && pattern.test(value) ? undefined : message)
}

/** An absolute `http:` or `https:` URL. @internal */
export const httpUrl: Check = (value) => {
  if (typeof value === 'string' && URL.canParse(value)) {
    const { protocol } = new URL(value)
    if (protocol === 'http:' || protocol === 'https:') return undefined
  }
  return 'Expected an http(s) URL'
}

/** One of `values` (compared with `===`). @internal */
export function oneOf(...values: readonly unknown[]): Check {
  return (value) =>
    values.includes(value)
      ? undefined
      : `Expected one of ${values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`
}

/** Bounds of {@link numberIn}. @internal */
export interface NumberBounds {
  /** Whole numbers only. */
  integer?: boolean
  /** The smallest value allowed. */
  min?: number
  /** Values must be greater than this one. */
  above?: number
  /** The largest value allowed. */
  max?: number
}

/** A finite number within `bounds`. @internal */
export function numberIn(bounds: NumberBounds): Check {
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'Expected a finite number'
    if (bounds.integer && !Number.isInteger(value)) return 'Expected an integer'
    if (bounds.above !== undefined && value <= bounds.above) return `Expected a number above ${bounds.above}`
    if (bounds.min !== undefined && value < bounds.min) return `Expected at least ${bounds.min}`
    return bounds.max !== undefined && value > bounds.max ? `Expected at most ${bounds.max}` : undefined
  }
}

/** `true` or `false`. @internal */
export const boolean: Check = (value) => (typeof value === 'boolean' ? undefined : 'Expected a boolean')

/** A function. @internal */
export const func: Check = (value) => (typeof value === 'function' ? undefined : 'Expected a function')

/** A field of {@link checkFields}: its check and whether it may be left out (`undefined`). @internal */
export interface Field {
  check: Check
  optional?: boolean
}

/** Shorthand for an optional {@link Field}. @internal */
export const optional = (check: Check): Field => ({ check, optional: true })

/**
 * Checks an object's fields; with `strict`, a key not in `fields` is a problem too (a typo in an
 * option is reported, not ignored). Issues are appended to `issues`, paths prefixed by `at`; turn
 * them into the error with `validationError` of `@leadcall/core/provider`.
 * @internal
 */
export function checkFields(
  value: unknown,
  fields: Readonly<Record<string, Check | Field>>,
  issues: ValidationIssue[],
  { strict = false, at = '' }: { strict?: boolean; at?: string } = {},
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path: at, message: 'Expected an object' })
    return
  }
  const record = value as Record<string, unknown>
  const prefix = at === '' ? '' : `${at}.`
  for (const [name, field] of Object.entries(fields)) {
    const { check, optional = false } = typeof field === 'function' ? { check: field } : field
    const fieldValue = record[name]
    if (fieldValue === undefined) {
      if (!optional) issues.push({ path: `${prefix}${name}`, message: 'Required' })
      continue
    }
    const problem = check(fieldValue)
    if (problem !== undefined) issues.push({ path: `${prefix}${name}`, message: problem })
  }
  if (!strict) return
  for (const name of Object.keys(record))
    if (!Object.hasOwn(fields, name)) issues.push({ path: `${prefix}${name}`, message: 'Unrecognized key' })
}
