import { LeadCallError } from '@leadcall/core'

/** A usage problem (a missing or malformed option): `leadcall` exits with code 2 on it. */
export function usageError(message: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', { message, details: { usage: true } })
}

/** True for the errors {@link usageError} makes. */
export function isUsageError(error: unknown): error is LeadCallError {
  return (
    LeadCallError.isInstance(error) &&
    error.code === 'VALIDATION_FAILED' &&
    typeof error.details === 'object' &&
    error.details !== null &&
    (error.details as { usage?: unknown }).usage === true
  )
}

/** The inclusive bounds of a numeric option. */
export interface OptionRange {
  /** The smallest value taken. */
  min: number
  /** The largest value taken. */
  max: number
}

function present(value: unknown, flag: string): string {
  if (value === undefined || value === true || value === '') throw usageError(`${flag} needs a value`)
  if (Array.isArray(value)) throw usageError(`${flag} is given more than once`)
  return String(value)
}

/** A whole number option (`--leads 500`) within `range`. */
export function integerOption(value: unknown, flag: string, range: OptionRange): number {
  const text = present(value, flag)
  const number = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(number) || number < range.min || number > range.max)
    throw usageError(`${flag} must be a whole number from ${range.min} to ${range.max}, got "${text}"`)
  return number
}

/** A number option (`--talk 90`, `--answer-rate 0.8`) within `range`. */
export function numberOption(value: unknown, flag: string, range: OptionRange): number {
  const text = present(value, flag)
  const number = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text.trim()) ? Number(text) : Number.NaN
  if (!Number.isFinite(number) || number < range.min || number > range.max)
    throw usageError(`${flag} must be a number from ${range.min} to ${range.max}, got "${text}"`)
  return number
}

/**
 * The value of a string option exactly as typed (`--token 0123` stays `0123`, where the option
 * parser would read a number): the last `--flag value` or `--flag=value` of `argv`, before any `--`.
 */
export function rawOptionValue(argv: readonly string[], flag: string): string | undefined {
  let value: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') break
    if (arg === flag) {
      const next = argv[i + 1]
      value = next === undefined || next.startsWith('-') ? undefined : next
    } else if (arg.startsWith(`${flag}=`)) {
      value = arg.slice(flag.length + 1)
    }
  }
  return value
}

/** A comma-separated list option (`--compare a,b,c`): its items, trimmed, without blanks. */
export function listOption(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

/**
 * The base URL of a leadcall server (`--url http://localhost:3000/leadcall`): http or https, without
 * a trailing slash, so that routes are appended to it.
 */
export function baseUrlOption(value: string | undefined, flag = '--url'): string {
  if (value === undefined || value.trim() === '')
    throw usageError(`${flag} is required: the server's base URL`)
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw usageError(`${flag} is not a URL: "${value}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usageError(`${flag} must be an http or https URL, got "${value}"`)
  if (url.search !== '' || url.hash !== '')
    throw usageError(`${flag} must be a base URL, without a query or a fragment`)
  return url.href.replace(/\/+$/, '')
}
