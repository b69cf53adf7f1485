/**
 * Tracking analytics computed in SQL: {@link ProcessAnalyticsOptions} and the query behind
 * `PostgresStorage.processAnalytics()` (the `process_analytics` function of migration 0002).
 *
 * @internal
 * @module
 */
import type { Analytics, AnalyticsOptions, StorageCallOptions } from '@leadcall/core'
import type { DriverContext } from './postgres-context.js'
import { assertName, invalid, json } from './postgres-support.js'

/** Options of `PostgresStorage.processAnalytics()`. */
export interface ProcessAnalyticsOptions extends StorageCallOptions {
  /** The app's tenant (`createLeadCall({ tenant })`, default `default`). */
  tenant?: string
  /**
   * Inclusive start: ISO 8601, ms since the epoch, or a day `YYYY-MM-DD` (its start in `timeZone`).
   * Unlike `tracking.analytics()`, which counts whole days, the period is taken exactly.
   */
  from: string | number
  /** Exclusive end, in the same forms as `from`. */
  to: string | number
  /** Series granularity (default `day`). */
  groupBy?: AnalyticsOptions['groupBy']
  /**
   * The IANA time zone of days, hours and weekdays (default `UTC`); use the one of the app's
   * `tracking.timeZone` to group as its analytics do.
   */
  timeZone?: string
}

const GROUPS: readonly string[] = ['day', 'hour', 'weekday', 'agent']
const DAY = /^\d{4}-\d{2}-\d{2}$/
/** The most days a `day` series holds, as `tracking.analytics()`. */
const MAX_DAYS = 1_000

/** Runs the analytics query of one tenant and period. @internal */
export async function processAnalytics(
  ctx: DriverContext,
  options: ProcessAnalyticsOptions,
): Promise<Analytics> {
  if (typeof options !== 'object' || options === null) throw invalid('processAnalytics needs { from, to }')
  options.signal?.throwIfAborted()
  const tenant = options.tenant ?? 'default'
  assertName(tenant, 'tenant')
  const groupBy = options.groupBy ?? 'day'
  if (!GROUPS.includes(groupBy)) throw invalid('groupBy must be day, hour, weekday or agent', { groupBy })
  const timeZone = options.timeZone ?? 'UTC'
  if (!isTimeZone(timeZone)) throw invalid('timeZone must be an IANA time zone', { timeZone })
  const from = bound(options.from, 'from')
  const to = bound(options.to, 'to')
  const S = ctx.schema
  // A day is resolved in the time zone by the database; other bounds are ms already.
  const sql = `WITH b AS (
      SELECT
        CASE WHEN $2 ~ '^\\d{4}-\\d{2}-\\d{2}$'
          THEN floor(extract(epoch FROM ($2::timestamp AT TIME ZONE $4)) * 1000)::bigint
          ELSE $2::bigint END AS f,
        CASE WHEN $3 ~ '^\\d{4}-\\d{2}-\\d{2}$'
          THEN floor(extract(epoch FROM ($3::timestamp AT TIME ZONE $4)) * 1000)::bigint
          ELSE $3::bigint END AS t
    )
    SELECT b.f AS "from", b.t AS "to",
      CASE WHEN b.f < b.t AND ($5 <> 'day'
          OR (to_timestamp((b.t - 1) / 1000.0) AT TIME ZONE $4)::date
            - (to_timestamp(b.f / 1000.0) AT TIME ZONE $4)::date < $6::integer)
        THEN ${S}.process_analytics($1, b.f, b.t, $4, $5) END AS result
    FROM b`
  let rows: Awaited<ReturnType<DriverContext['run']>>['rows']
  try {
    ;({ rows } = await ctx.run(
      'process_analytics',
      sql,
      [tenant, from, to, timeZone, groupBy, MAX_DAYS],
      options,
    ))
  } catch (error) {
    // invalid_parameter_value: a time zone the server does not know
    if ((error as { code?: unknown }).code === '22023')
      throw invalid(`timeZone: ${(error as Error).message}`, { timeZone })
    throw error
  }
  const row = rows[0]!
  const fromMs = Number(row.from)
  const toMs = Number(row.to)
  if (!(fromMs < toMs))
    throw invalid('processAnalytics needs from < to', { from: options.from, to: options.to })
  if (row.result === null)
    throw invalid(`processAnalytics covers ${MAX_DAYS} days at most by day`, {
      from: options.from,
      to: options.to,
    })
  const result = json<Pick<Analytics, 'totals' | 'series'>>(row.result)
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), ...result }
}

/** A bound as the query takes it: ms since the epoch as text, or a day `YYYY-MM-DD`. */
function bound(value: unknown, what: string): string {
  let ms: number
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string' && DAY.test(value)) return value
  else if (typeof value === 'string' && /^\d+$/.test(value)) ms = Number(value)
  else if (typeof value === 'string') ms = Date.parse(value)
  else ms = Number.NaN
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15)
    throw invalid(`${what} must be a date (ISO 8601, YYYY-MM-DD, or ms since epoch)`, { [what]: value })
  return String(Math.floor(ms))
}

function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}
