const DAY_MS = 86_400_000

/**
 * Formats ms since epoch as ISO 8601 (`2026-11-21T09:12:03.045Z`), like `Date#toISOString`, about
 * ten times faster on the hot path: the date part is computed once per day and reused.
 */
export function createIsoFormatter(): (ms: number) => string {
  let day = Number.NaN
  let prefix = ''
  return (ms) => {
    const d = Math.floor(ms / DAY_MS)
    if (d !== day || !Number.isFinite(ms)) {
      if (!Number.isFinite(ms) || ms < 0 || ms >= 253402300800000) return new Date(ms).toISOString()
      day = d
      prefix = new Date(d * DAY_MS).toISOString().slice(0, 11)
    }
    let rest = ms - d * DAY_MS
    const h = Math.floor(rest / 3_600_000)
    rest -= h * 3_600_000
    const m = Math.floor(rest / 60_000)
    rest -= m * 60_000
    const s = Math.floor(rest / 1000)
    const milli = Math.floor(rest - s * 1000)
    return `${prefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`
  }
}
