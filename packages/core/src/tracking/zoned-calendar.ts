/**
 * Days, hours and weekdays of instants in one IANA time zone, fast enough for the hot path.
 *
 * `Intl.DateTimeFormat#formatToParts` costs microseconds; every UTC offset in use is a multiple of
 * 15 minutes, so the calendar fields of an instant only depend on its quarter-hour, and answers are
 * cached per quarter-hour (bounded).
 *
 * @internal
 * @module
 */

/** Where an instant falls in the tracking time zone. @internal */
export interface ZonedTime {
  /** The calendar date, `YYYY-MM-DD`. */
  day: string
  /** Hour of day, 0–23. */
  hour: number
  /** Day of the week, 0 (Sunday) to 6. */
  weekday: number
}

/** The calendar of one time zone. @internal */
export interface ZonedCalendar {
  readonly timeZone: string
  /** Where `ms` falls. */
  at(ms: number): ZonedTime
  /** The first instant (ms) of `day` in the time zone. */
  dayStart(day: string): number
  /** `day` moved by `days` calendar days. */
  addDays(day: string, days: number): string
  /** Day of the week of a calendar date, 0 (Sunday) to 6. */
  weekdayOf(day: string): number
  /** Every date from `first` to `last`, both included (empty when `last < first`). */
  daysBetween(first: string, last: string): string[]
}

const QUARTER_MS = 15 * 60_000
const DAY_MS = 86_400_000
const MAX_CACHED = 20_000
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Creates the calendar of `timeZone` (an IANA name already validated). @internal */
export function createZonedCalendar(timeZone: string): ZonedCalendar {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
  })
  const cache = new Map<number, ZonedTime & { minute: number }>()

  function fields(ms: number): ZonedTime & { minute: number } {
    const quarter = Math.floor(ms / QUARTER_MS)
    let hit = cache.get(quarter)
    if (hit === undefined) {
      const parts: Record<string, string> = {}
      for (const part of format.formatToParts(quarter * QUARTER_MS)) parts[part.type] = part.value
      hit = {
        day: `${parts.year}-${parts.month}-${parts.day}`,
        hour: Number(parts.hour) % 24,
        minute: Number(parts.minute),
        weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
      }
      if (cache.size >= MAX_CACHED) cache.clear()
      cache.set(quarter, hit)
    }
    return hit
  }

  /** The offset of the zone at `ms` (local wall time minus UTC), in ms, a multiple of 15 minutes. */
  function offsetAt(ms: number): number {
    const f = fields(ms)
    const wall = Date.UTC(...ymd(f.day), f.hour, f.minute)
    return Math.round((wall - Math.floor(ms / QUARTER_MS) * QUARTER_MS) / QUARTER_MS) * QUARTER_MS
  }

  const calendar: ZonedCalendar = {
    timeZone,
    at(ms) {
      const f = fields(ms)
      return { day: f.day, hour: f.hour, weekday: f.weekday }
    },
    dayStart(day) {
      const midnight = Date.UTC(...ymd(day))
      // Two rounds settle the offset, DST switches included (a day starting in a gap starts at the
      // first instant that exists; the final scan moves onto it).
      let guess = midnight - offsetAt(midnight)
      guess = midnight - offsetAt(guess)
      while (fields(guess).day < day) guess += QUARTER_MS
      while (fields(guess - QUARTER_MS).day === day) guess -= QUARTER_MS
      return guess
    },
    addDays(day, days) {
      return new Date(Date.UTC(...ymd(day)) + days * DAY_MS).toISOString().slice(0, 10)
    },
    weekdayOf(day) {
      return new Date(Date.UTC(...ymd(day))).getUTCDay()
    },
    daysBetween(first, last) {
      const out: string[] = []
      for (let ms = Date.UTC(...ymd(first)), end = Date.UTC(...ymd(last)); ms <= end; ms += DAY_MS) {
        out.push(new Date(ms).toISOString().slice(0, 10))
      }
      return out
    },
  }
  return calendar
}

/** `[year, monthIndex, date]` of a `YYYY-MM-DD` date. */
function ymd(day: string): [number, number, number] {
  const m = DAY_RE.exec(day)
  if (!m) throw new TypeError(`Not a YYYY-MM-DD date: ${day}`)
  return [Number(m[1]), Number(m[2]) - 1, Number(m[3])]
}
