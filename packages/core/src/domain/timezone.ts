import { z } from 'zod'

const valid = new Map<string, boolean>()
/** Bounds the cache: time zone names come from untrusted input. */
const MAX_CACHED = 1000

/** True when `tz` is an IANA time zone this runtime knows (e.g. `Europe/Rome`). */
export function isValidTimeZone(tz: string): boolean {
  let known = valid.get(tz)
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz })
      known = true
    } catch {
      known = false
    }
    if (valid.size >= MAX_CACHED) valid.clear()
    valid.set(tz, known)
  }
  return known
}

/** Zod schema of an IANA time zone name. */
export const TimeZoneSchema = z
  .string()
  .trim()
  .min(1)
  .refine(isValidTimeZone, { message: 'Unknown IANA time zone' })
