import { z } from 'zod'
import { TimeZoneSchema } from '../domain/timezone.js'

/** Zod schema of the JSONL file sink's options. */
export const JsonlSinkConfigSchema = z.strictObject({
  /**
   * The folder the sink writes to (created when missing): `<dir>/lead-distribution-YYYY-MM-DD.jsonl`
   * (one process record per line, written when the process ends) and `<dir>/metrics-YYYY-MM-DD.json`
   * (the day's summary). Operators of the hand-rolled systems know it as `logs/lead-distribution`.
   */
  dir: z.string().trim().min(1),
})

/**
 * Zod schema of the `tracking` option of `createLeadCall`: process records, incremental metrics,
 * retention and the optional JSONL file sink. Every field has a default.
 */
export const TrackingConfigSchema = z.strictObject({
  /**
   * The IANA time zone days, hours of day and weekdays are counted in (default `UTC`): a lead
   * received at 23:30 UTC counts for the next day in `Europe/Rome`.
   */
  timeZone: TimeZoneSchema.default('UTC'),
  /**
   * How many whole days of records and metrics `tracking.cleanup()` keeps besides today, when it is
   * called without `olderThanDays` (default 30).
   */
  retentionDays: z.number().int().min(1).max(3650).default(30),
  /**
   * Keep process records only this long after their lead was received (ms, at least a second), and
   * remove older ones in the background, a tenth of this period apart (at most hourly). Off by
   * default: records then stay until `tracking.cleanup()` removes them by `retentionDays`. Metrics
   * are by day and are not affected: analytics over the removed records still answer. For a
   * process still open then, its record is removed as well and not written again.
   */
  recordRetentionMs: z
    .number()
    .int()
    .min(1_000)
    .max(3650 * 86_400_000)
    .optional(),
  /**
   * The JSONL file sink, off by default. With `{ dir }` each ended process is appended to
   * `<dir>/lead-distribution-YYYY-MM-DD.jsonl` and `<dir>/metrics-YYYY-MM-DD.json` is rewritten, in
   * batches; lines are never torn (see {@link JsonlSinkConfigSchema}).
   */
  jsonl: JsonlSinkConfigSchema.optional(),
  /**
   * How often buffered work is written out (ms, default 1000): the JSONL sink's batch of lines and
   * metrics files, and the percentile sketches kept in memory between two merges into storage.
   */
  flushMs: z.number().int().min(10).max(3_600_000).default(1000),
})

/** What the `tracking` option of `createLeadCall` accepts (every field optional). */
export type TrackingConfig = z.input<typeof TrackingConfigSchema>
/** The tracking options after defaults. */
export type ResolvedTrackingConfig = z.output<typeof TrackingConfigSchema>
/** The JSONL file sink's options, see {@link JsonlSinkConfigSchema}. */
export type JsonlSinkConfig = z.output<typeof JsonlSinkConfigSchema>
