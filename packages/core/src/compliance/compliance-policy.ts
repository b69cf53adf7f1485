import { z } from 'zod'
import type { Lead, Priority } from '../domain/lead.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import { validationError } from '../errors/validation.js'
import { CallingHoursSchema, nextCallingWindow } from './calling-hours.js'
import { type LeadTimeZones, leadTimeZones } from './lead-time-zones.js'

const DAY = 86_400_000
const SEPARATORS = /[\s().-]/g

/**
 * Zod schema of one entry of a phone list: an E.164 number (`+14155552671`), or a prefix written
 * with a trailing `*` (`+1900*` matches every number starting with `+1900`). Spaces, dots, dashes and
 * parentheses are dropped first, so `+1 (900) *` is `+1900*`.
 */
export const PhonePatternSchema = z
  .string()
  .transform((value) => value.replace(SEPARATORS, ''))
  .pipe(
    z
      .string()
      .regex(
        /^\+[1-9]\d{0,14}\*$|^\+[1-9]\d{6,14}$/,
        'Expected an E.164 number such as +14155552671, or a prefix ending in * such as +1900*',
      ),
  )

const PhoneListSchema = z.array(PhonePatternSchema).default([])

/**
 * Zod schema of the compliance options: who may be called at all (block, allow and VIP lists,
 * consent, the lead's DND flag) and when (calling hours in the lead's local time, attempt caps).
 */
export const ComplianceConfigSchema = z.strictObject({
  /** Numbers and prefixes never to call (do-not-call list); a match is `DNC_BLOCKED`. */
  blockList: PhoneListSchema,
  /**
   * When not empty, only these numbers and prefixes (and the VIP list) may be called; any other is
   * `DNC_BLOCKED` with reason `not_allowed`.
   */
  allowList: PhoneListSchema,
  /** Numbers and prefixes whose leads become priority `urgent`; they pass the allow list too. */
  vipList: PhoneListSchema,
  /**
   * Call only leads whose `consent.call` is `true` (default false); any other is `DNC_BLOCKED` with
   * reason `no_consent`: a permanent refusal, not an invalid input.
   */
  requireConsent: z.boolean().default(false),
  /** The calling window in the lead's local time (default 08:00 to 21:00 every day), or `false` for none. */
  callingHours: z.union([CallingHoursSchema, z.literal(false)]).default({ start: '08:00', end: '21:00' }),
  /**
   * Calling hours of a lead whose time zone cannot be told (no `timezone`, a number of no country):
   * `allow` (the default) calls at any time, `UTC` applies the window in UTC.
   */
  unknownTimeZone: z.enum(['allow', 'UTC']).default('allow'),
  /** Dial attempts to one phone number at most in any rolling 24 hours (default 3). */
  maxAttemptsPerDay: z.number().int().min(1).default(3),
  /** Least time between two dial attempts to one phone number, in ms (default 2 minutes). */
  minDelayBetweenAttemptsMs: z.number().int().min(0).default(120_000),
})

/** What {@link createCompliancePolicy} accepts, see {@link ComplianceConfigSchema}. */
export type ComplianceConfig = z.input<typeof ComplianceConfigSchema>
/** The compliance options after validation and defaults. */
export type ResolvedComplianceConfig = z.output<typeof ComplianceConfigSchema>

/** Why {@link CompliancePolicy.screen} refused a lead. */
export type ScreenReason = 'block_list' | 'not_allowed' | 'no_consent' | 'dnd'

/** A lead that may be called, see {@link CompliancePolicy.screen}. */
export interface ScreenPassed {
  /** The lead may be called. */
  ok: true
  /** Its priority: `urgent` for a VIP, else its own. */
  priority: Priority
}

/** A lead that must never be called, see {@link CompliancePolicy.screen}. */
export interface ScreenBlocked {
  /** The lead must not be called. */
  ok: false
  /** Always `DNC_BLOCKED`. */
  code: 'DNC_BLOCKED'
  /** Which rule refused it. */
  reason: ScreenReason
}

/** What {@link CompliancePolicy.screen} answers. */
export type ScreenResult = ScreenPassed | ScreenBlocked

/** A lead that may be dialled now, see {@link CompliancePolicy.whenCallable}. */
export interface CallableNow {
  /** The lead may be dialled now. */
  ok: true
}

/** A lead that must wait, see {@link CompliancePolicy.whenCallable}. */
export interface CallableLater {
  /** The lead may not be dialled now. */
  ok: false
  /**
   * `OUTSIDE_CALLING_HOURS` or `RATE_LIMITED`: the rule that set `until` (the last one to push it
   * later when several apply).
   */
  code: 'OUTSIDE_CALLING_HOURS' | 'RATE_LIMITED'
  /**
   * The earliest instant (ms since the epoch) at which every temporary rule passes;
   * `Number.POSITIVE_INFINITY` when the calling window never opens in all the lead's zones at once.
   */
  until: number
}

/** What {@link CompliancePolicy.whenCallable} answers. */
export type CallableResult = CallableNow | CallableLater

/** The compliance rules of an app, built by {@link createCompliancePolicy}. */
export interface CompliancePolicy {
  /** The options in force, after defaults. */
  readonly config: ResolvedComplianceConfig
  /**
   * The permanent checks, once per lead: block list (`block_list`), the lead's DND flag (`dnd`),
   * allow list (`not_allowed`), consent when required (`no_consent`), in that order. A lead that
   * passes gets its priority, `urgent` when its number is on the VIP list.
   */
  screen(lead: Pick<Lead, 'phone' | 'priority' | 'consent' | 'dnd'>): ScreenResult
  /**
   * The temporary checks, before each dial at instant `at` (ms since the epoch), given the instants
   * of the past dial attempts to the lead's phone number (any order):
   *
   * - at most `maxAttemptsPerDay` attempts in `(at - 24 h, at]` (`RATE_LIMITED` until the oldest of
   *   them is 24 h old);
   * - at least `minDelayBetweenAttemptsMs` since the last attempt (`RATE_LIMITED`);
   * - inside the calling hours in every time zone of the lead (`OUTSIDE_CALLING_HOURS` until the
   *   window opens, see {@link nextCallingWindow}).
   *
   * `until` is the earliest instant at which all of them pass together, so a lead woken then is
   * really callable.
   */
  whenCallable(
    lead: Pick<Lead, 'phone' | 'phoneCountry' | 'timezone'>,
    attempts: readonly number[],
    at: number,
  ): CallableResult
  /** The time zones whose calling hours apply to a lead, see {@link leadTimeZones}. */
  timeZones(lead: Pick<Lead, 'phone' | 'phoneCountry' | 'timezone'>): LeadTimeZones
}

/** A set of numbers and prefixes, matched in time proportional to the number's length. */
function phoneMatcher(patterns: readonly string[]): (phone: string) => boolean {
  const exact = new Set<string>()
  const prefixes = new Set<string>()
  for (const pattern of patterns) {
    if (pattern.endsWith('*')) prefixes.add(pattern.slice(0, -1))
    else exact.add(pattern)
  }
  const lengths = [...new Set([...prefixes].map((prefix) => prefix.length))].sort((a, b) => a - b)
  return (phone) => {
    if (exact.has(phone)) return true
    for (const length of lengths) {
      if (length > phone.length) break
      if (prefixes.has(phone.slice(0, length))) return true
    }
    return false
  }
}

/**
 * The earliest instant at or after `at` at which the attempt cap and the minimum delay both pass.
 * Both only get easier with time, so once passed they stay passed.
 */
function rateLimitedUntil(
  attempts: readonly number[],
  at: number,
  maxPerDay: number,
  minDelay: number,
): number {
  let until = at
  let last = Number.NEGATIVE_INFINITY
  const recent: number[] = []
  for (const attempt of attempts) {
    if (!Number.isFinite(attempt)) continue
    if (attempt > last) last = attempt
    // Attempts stamped after `at` (another process's clock) count too.
    if (attempt > at - DAY) recent.push(attempt)
  }
  if (last + minDelay > until) until = last + minDelay
  if (recent.length >= maxPerDay) {
    recent.sort((a, b) => a - b)
    // Once the oldest `length - maxPerDay + 1` attempts are 24 h old, fewer than the cap remain.
    const freeAt = recent[recent.length - maxPerDay]! + DAY
    if (freeAt > until) until = freeAt
  }
  return until
}

/**
 * Builds the compliance rules of issue "Compliance": block, allow and VIP lists, consent, the lead's
 * DND flag, calling hours in the lead's local time and attempt caps. Throws a `VALIDATION_FAILED`
 * {@link LeadCallError} listing every invalid option.
 *
 * @example
 * ```ts
 * const policy = createCompliancePolicy({ blockList: ['+1900*'], vipList: ['+14155550100'] })
 * policy.screen(lead) // { ok: true, priority: 'normal' } or { ok: false, code: 'DNC_BLOCKED', reason }
 * policy.whenCallable(lead, attemptTimes, Date.now()) // { ok: true } or { ok: false, code, until }
 * ```
 */
export function createCompliancePolicy(config: ComplianceConfig = {}): CompliancePolicy {
  const parsed = ComplianceConfigSchema.safeParse(config)
  if (!parsed.success) throw validationError('compliance options', parsed.error)
  const options = parsed.data
  const blocked = phoneMatcher(options.blockList)
  const allowed = phoneMatcher(options.allowList)
  const vip = phoneMatcher(options.vipList)
  const allowListed = options.allowList.length > 0
  const hours = options.callingHours
  const unknownZone = options.unknownTimeZone

  return {
    config: options,
    screen(lead) {
      if (blocked(lead.phone)) return { ok: false, code: 'DNC_BLOCKED', reason: 'block_list' }
      if (lead.dnd === true) return { ok: false, code: 'DNC_BLOCKED', reason: 'dnd' }
      const isVip = vip(lead.phone)
      if (allowListed && !isVip && !allowed(lead.phone)) {
        return { ok: false, code: 'DNC_BLOCKED', reason: 'not_allowed' }
      }
      if (options.requireConsent && lead.consent?.call !== true) {
        return { ok: false, code: 'DNC_BLOCKED', reason: 'no_consent' }
      }
      return { ok: true, priority: isVip ? 'urgent' : lead.priority }
    },
    whenCallable(lead, attempts, at) {
      const zones = hours === false ? [] : leadTimeZones(lead).zones
      let until = at
      let code: CallableLater['code'] = 'RATE_LIMITED'
      // Each rule only moves `until` later; a few rounds settle on an instant all of them accept.
      for (let round = 0; round < 4; round++) {
        const free = rateLimitedUntil(
          attempts,
          until,
          options.maxAttemptsPerDay,
          options.minDelayBetweenAttemptsMs,
        )
        if (free > until) {
          until = free
          code = 'RATE_LIMITED'
          continue
        }
        if (hours !== false) {
          const open = nextCallingWindow(zones, hours, until, { unknownZone })
          if (open > until) {
            until = open
            code = 'OUTSIDE_CALLING_HOURS'
            if (open === Number.POSITIVE_INFINITY) break
            continue
          }
        }
        break
      }
      return until === at ? { ok: true } : { ok: false, code, until }
    },
    timeZones(lead) {
      return leadTimeZones(lead)
    },
  }
}

/**
 * The {@link LeadCallError} of a refusal of {@link CompliancePolicy}: `DNC_BLOCKED` with
 * `details.reason`, or `OUTSIDE_CALLING_HOURS` / `RATE_LIMITED` with `details.until` (ISO 8601, or
 * `null` when the lead can never be called).
 */
export function complianceError(result: ScreenBlocked | CallableLater): LeadCallError {
  if (result.code === 'DNC_BLOCKED')
    return new LeadCallError(result.code, { details: { reason: result.reason } })
  const until = Number.isFinite(result.until) ? new Date(result.until).toISOString() : null
  return new LeadCallError(result.code, { details: { until } })
}
