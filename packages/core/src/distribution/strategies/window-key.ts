/**
 * Keys of counting windows (a day or a week in a time zone) for the fewest-assigned strategy.
 *
 * @internal
 * @module
 */

/** The span {@link fewestAssigned} counts assignments over. */
export type CountWindow = 'day' | 'week' | 'all'

const formatters = new Map<string, Intl.DateTimeFormat>()
/** Bounds the cache: time zones come from configuration, but stay safe if they come from input. */
const MAX_FORMATTERS = 100
const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 }

/** A cached formatter of calendar dates in `timeZone`; throws a RangeError for an unknown zone. @internal */
export function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
    })
    if (formatters.size >= MAX_FORMATTERS) formatters.clear()
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/**
 * The key of the window holding `at` (ms since epoch): `day:YYYY-MM-DD` (the local date),
 * `week:YYYY-MM-DD` (the local date of that week's Monday, weeks start on Monday as in ISO 8601)
 * or `all`. @internal
 */
export function windowKey(window: CountWindow, timeZone: string, at: number): string {
  if (window === 'all') return 'all'
  let year = 0
  let month = 0
  let day = 0
  let weekday = 0
  for (const part of dateFormatter(timeZone).formatToParts(at)) {
    if (part.type === 'year') year = Number(part.value)
    else if (part.type === 'month') month = Number(part.value)
    else if (part.type === 'day') day = Number(part.value)
    else if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 0
  }
  const date = new Date(Date.UTC(year, month - 1, window === 'week' ? day - weekday : day))
  return `${window}:${date.toISOString().slice(0, 10)}`
}

/**
 * {@link windowKey} with a one-minute cache: in today's time zone rules every day starts on a whole minute, so the
 * key cannot change within a minute. @internal
 */
export function windowKeyCache(window: CountWindow, timeZone: string): (at: number) => string {
  let minute = Number.NaN
  let key = ''
  return (at) => {
    const current = Math.floor(at / 60_000)
    if (current !== minute) {
      minute = current
      key = windowKey(window, timeZone, at)
    }
    return key
  }
}
