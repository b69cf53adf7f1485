import { z } from 'zod'
import { LeadCallError } from '../errors/lead-call-error.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WEEK = 7 * DAY
/** How far {@link nextCallingWindow} looks before giving up: a year of DST rules, and a week more. */
const HORIZON = 372 * DAY
/** Offsets are sampled this often; no zone changes its offset twice within it. */
const SAMPLE_STEP = 6 * HOUR

/** Zod schema of a local time of day, `HH:MM` from `00:00` to `23:59`, or `24:00` for the end of the day. */
export const TimeOfDaySchema = z
  .string()
  .regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, 'Expected a time of day HH:MM such as 08:00')

/**
 * Zod schema of a daily calling window in the lead's local time: from `start` (inclusive) to `end`
 * (exclusive), on the given `days` of the week (0 = Sunday … 6 = Saturday; every day when absent).
 * `end` must be after `start`: a window does not cross midnight.
 */
export const CallingHoursSchema = z
  .strictObject({
    /** First minute of the window, local time (`HH:MM`). */
    start: TimeOfDaySchema,
    /** First minute after the window, local time (`HH:MM`, `24:00` for midnight). */
    end: TimeOfDaySchema,
    /** Days of the week the window applies to, 0 = Sunday … 6 = Saturday; every day when absent. */
    days: z
      .array(z.number().int().min(0).max(6))
      .max(7)
      .refine((days) => new Set(days).size === days.length, { message: 'Days must not repeat' })
      .optional(),
  })
  .refine((hours) => hours.start < hours.end, { message: 'end must be after start', path: ['end'] })

/** A daily calling window in the lead's local time, see {@link CallingHoursSchema}. */
export type CallingHours = z.infer<typeof CallingHoursSchema>

/** The default calling window: 08:00 to 21:00 local time, every day. */
export const DEFAULT_CALLING_HOURS: Readonly<CallingHours> = Object.freeze({ start: '08:00', end: '21:00' })

/**
 * What to do with a lead whose time zone is unknown (no zones): `allow` calls at any time, `UTC`
 * applies the window in UTC.
 */
export type UnknownZonePolicy = 'allow' | 'UTC'

/** Options of {@link isWithinCallingHours} and {@link nextCallingWindow}. */
export interface CallingHoursOptions {
  /** What to do when the list of zones is empty; `allow` by default. */
  unknownZone?: UnknownZonePolicy
}

/** A calling window in minutes of the day, with a flag per weekday. */
interface Window {
  start: number
  end: number
  days: readonly boolean[]
  /** True when no instant is ever inside the window. */
  never: boolean
}

function minutes(time: string, field: string): number {
  if (!TimeOfDaySchema.safeParse(time).success) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `Invalid calling hours: ${field} must be HH:MM`,
      details: { issues: [{ path: field, message: 'Expected a time of day HH:MM such as 08:00' }] },
    })
  }
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5))
}

function compile(hours: CallingHours): Window {
  const start = minutes(hours.start, 'start')
  const end = minutes(hours.end, 'end')
  const days = [false, false, false, false, false, false, false]
  if (hours.days === undefined) days.fill(true)
  else for (const day of hours.days) if (Number.isInteger(day) && day >= 0 && day <= 6) days[day] = true
  return { start, end, days, never: start >= end || !days.includes(true) }
}

/** True when a local wall-clock instant (ms, the UTC fields read as local ones) is inside the window. */
function localWithin(window: Window, local: number): boolean {
  const dayIndex = Math.floor(local / DAY)
  const minute = Math.floor((local - dayIndex * DAY) / MINUTE)
  // 1970-01-01 was a Thursday (4).
  const weekday = (((dayIndex + 4) % 7) + 7) % 7
  return window.days[weekday] === true && window.start <= minute && minute < window.end
}

/** Bounds the formatter cache: zone names may come from untrusted input. */
const MAX_FORMATTERS = 500
const formatters = new Map<string, Intl.DateTimeFormat>()

function offsetFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    } catch (cause) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `Unknown IANA time zone: ${timeZone}`,
        details: { issues: [{ path: 'timeZone', message: 'Unknown IANA time zone' }] },
        cause,
      })
    }
    if (formatters.size >= MAX_FORMATTERS) {
      const oldest = formatters.keys().next().value
      if (oldest !== undefined) formatters.delete(oldest)
    }
    formatters.set(timeZone, formatter)
  }
  return formatter
}

const OFFSET = /GMT(?:([+\u2212-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/

/** The UTC offset of a zone at an instant, in ms (local wall clock = `at + offset`). */
function offsetAt(timeZone: string, at: number): number {
  const match = OFFSET.exec(offsetFormatter(timeZone).format(at))
  if (match === null) throw new Error(`Cannot read the UTC offset of ${timeZone}`)
  if (match[1] === undefined) return 0
  const size = Number(match[2]) * HOUR + Number(match[3] ?? 0) * MINUTE + Number(match[4] ?? 0) * 1000
  return match[1] === '+' ? size : -size
}

function zonesFor(zones: readonly string[], options: CallingHoursOptions | undefined): readonly string[] {
  if (zones.length > 0) return zones
  return options?.unknownZone === 'UTC' ? ['UTC'] : []
}

function withinEverywhere(zones: readonly string[], window: Window, at: number): boolean {
  return zones.every((zone) => localWithin(window, at + offsetAt(zone, at)))
}

function checkInstant(at: number): void {
  if (!Number.isFinite(at)) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'Invalid instant: expected a finite number of ms since the epoch',
      details: { issues: [{ path: 'at', message: 'Expected a finite number' }] },
    })
  }
}

/**
 * True when the instant `at` (ms since the epoch) is inside the calling window in the local time of
 * EVERY one of `zones`: the window allowed in every time zone a lead may be in.
 *
 * With no zones, `options.unknownZone` decides: `allow` (the default) answers true, `UTC` applies the
 * window in UTC. Throws a `VALIDATION_FAILED` {@link LeadCallError} for an unknown zone or malformed
 * hours.
 *
 * @example
 * ```ts
 * // 13:00 UTC on 15 January is 08:00 in New York and 05:00 in Los Angeles.
 * isWithinCallingHours(['America/New_York'], DEFAULT_CALLING_HOURS, Date.UTC(2025, 0, 15, 13)) // true
 * isWithinCallingHours(['America/Los_Angeles'], DEFAULT_CALLING_HOURS, Date.UTC(2025, 0, 15, 13)) // false
 * ```
 */
export function isWithinCallingHours(
  zones: readonly string[],
  hours: CallingHours,
  at: number,
  options?: CallingHoursOptions,
): boolean {
  checkInstant(at)
  const window = compile(hours)
  const list = zonesFor(zones, options)
  if (list.length === 0) return true
  return !window.never && withinEverywhere(list, window, at)
}

/** A zone's offsets over a span of time: each piece holds from its `from` until the next piece's. */
interface Piece {
  from: number
  offset: number
}

/**
 * Offsets of a zone over `[from, to]`, sampled every `step` and each change located to the minute
 * by bisection. `from` and `step` are whole minutes.
 */
function offsetTimeline(timeZone: string, from: number, to: number, step: number): Piece[] {
  let current = from
  let offset = offsetAt(timeZone, current)
  const pieces: Piece[] = [{ from: current, offset }]
  while (current < to) {
    const next = Math.min(current + step, to)
    if (offsetAt(timeZone, next) === offset) {
      current = next
      continue
    }
    // The first whole minute in (current, next] with another offset.
    let low = current
    let high = next
    while (high - low > MINUTE) {
      const middle = low + Math.floor((high - low) / (2 * MINUTE)) * MINUTE
      if (offsetAt(timeZone, middle) === offset) low = middle
      else high = middle
    }
    offset = offsetAt(timeZone, high)
    pieces.push({ from: high, offset })
    current = high
  }
  return pieces
}

function offsetIn(pieces: readonly Piece[], at: number): number {
  for (let i = pieces.length - 1; i > 0; i--) {
    const piece = pieces[i]!
    if (at >= piece.from) return piece.offset
  }
  return pieces[0]!.offset
}

/**
 * The instants in `[from, to)` where some zone may enter the window: the window's start on each
 * allowed local day, in every stretch of constant offset, and every offset change (a DST jump may
 * carry the clock into the window). `from` is included.
 */
function candidates(timelines: readonly Piece[][], window: Window, from: number, to: number): number[] {
  const found = new Set<number>([from])
  for (const pieces of timelines) {
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!
      const end = pieces[i + 1]?.from ?? to
      if (i > 0 && piece.from < to) found.add(piece.from)
      const firstDay = Math.floor((piece.from + piece.offset) / DAY)
      const lastDay = Math.floor((end + piece.offset) / DAY)
      for (let day = firstDay; day <= lastDay; day++) {
        const instant = day * DAY + window.start * MINUTE - piece.offset
        if (instant >= piece.from && instant < end && instant >= from && instant < to) found.add(instant)
      }
    }
  }
  return [...found].sort((a, b) => a - b)
}

/** The earliest instant after `from` at which any of the zones changes its offset, before `limit`. */
function nextOffsetChange(zones: readonly string[], from: number, limit: number): number | undefined {
  let best: number | undefined
  for (const zone of zones) {
    const end = best === undefined ? limit : Math.min(best, limit)
    const pieces = offsetTimeline(zone, from, end, DAY)
    const change = pieces[1]?.from
    if (change !== undefined && (best === undefined || change < best)) best = change
  }
  return best
}

/**
 * The earliest instant at or after `at` (ms since the epoch) that is inside the calling window in
 * EVERY one of `zones`, exact to the minute and correct across DST changes (offsets come from the
 * runtime's `Intl` time zone data). `at` itself when it is already inside.
 *
 * Returns `Number.POSITIVE_INFINITY` when no such instant exists within about a year: no allowed
 * day, or zones whose windows never overlap (e.g. `Pacific/Kiritimati` and `Pacific/Pago_Pago`,
 * 25 hours apart, with a one-hour window).
 *
 * With no zones, `options.unknownZone` decides as in {@link isWithinCallingHours}: `allow` (the
 * default) returns `at`. Throws a `VALIDATION_FAILED` {@link LeadCallError} for an unknown zone or
 * malformed hours.
 *
 * @example
 * ```ts
 * // 22:30 in Rome on 10 June 2025 (20:30 UTC): the window opens at 08:00 the next day, 06:00 UTC.
 * nextCallingWindow(['Europe/Rome'], DEFAULT_CALLING_HOURS, Date.UTC(2025, 5, 10, 20, 30))
 * // → Date.UTC(2025, 5, 11, 6, 0)
 * ```
 */
export function nextCallingWindow(
  zones: readonly string[],
  hours: CallingHours,
  at: number,
  options?: CallingHoursOptions,
): number {
  checkInstant(at)
  const window = compile(hours)
  const list = [...new Set(zonesFor(zones, options))]
  if (list.length === 0) return at
  if (window.never) return Number.POSITIVE_INFINITY
  if (withinEverywhere(list, window, at)) return at

  const limit = at + HORIZON
  let from = at
  // Most windows open within a day: look two days ahead first, then a week and a day at a time.
  let span = 2 * DAY
  while (from < limit) {
    const to = Math.min(from + span, limit)
    const base = Math.floor(from / MINUTE) * MINUTE
    const timelines = list.map((zone) => offsetTimeline(zone, base, to, SAMPLE_STEP))
    for (const instant of candidates(timelines, window, from, to)) {
      const inside = timelines.every((pieces) => localWithin(window, instant + offsetIn(pieces, instant)))
      // The timelines are exact unless a zone changed twice between samples: confirm with Intl.
      if (inside && withinEverywhere(list, window, instant)) return instant
    }
    const lastChange = Math.max(from, ...timelines.map((pieces) => pieces[pieces.length - 1]!.from))
    if (to - lastChange >= WEEK) {
      // A whole week without an offset change and no overlap: nothing overlaps until an offset changes.
      const change = nextOffsetChange(list, Math.floor(to / MINUTE) * MINUTE, limit)
      if (change === undefined) return Number.POSITIVE_INFINITY
      from = change
    } else {
      from = to
    }
    span = WEEK + DAY
  }
  return Number.POSITIVE_INFINITY
}
