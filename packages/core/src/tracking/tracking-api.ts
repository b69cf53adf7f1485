import type { ProcessRecord } from '../domain/process-record.js'
import type { StorageCallOptions } from '../storage/storage-v1.js'

/** Percentiles of a duration, in ms. */
export interface DurationPercentiles {
  p50: number | null
  p95: number | null
  p99: number | null
  count: number
}

/** One agent's figures over a period. */
export interface AgentFigures {
  agentId: string
  name: string
  assigned: number
  answered: number
  failed: number
  /** answered / assigned (0–1), `null` with nothing assigned. */
  successRate: number | null
  talkSec: number
}

/** Figures of a period (a day, or the span of an analytics query). */
export interface PeriodFigures {
  totalProcesses: number
  successfulCalls: number
  failedCalls: number
  /** Processes rejected at intake or by compliance. */
  rejected: number
  /** successfulCalls / (successfulCalls + failedCalls), `null` when none ended. */
  successRate: number | null
  errorsByCode: Record<string, number>
  agents: AgentFigures[]
  /** Processing time: received → dial started (or final outcome when never dialed). */
  processingTime: DurationPercentiles
  /** Speed to lead: received → dial started. */
  speedToDial: DurationPercentiles
  /** Speed to lead: received → answered. */
  speedToAnswer: DurationPercentiles
  /** How evenly leads were spread: max/min assigned per agent and the coefficient of variation. */
  balance: { maxAssigned: number; minAssigned: number; coefficientOfVariation: number | null }
}

/** `tracking.stats()`: now. */
export interface LiveStats {
  /** Today's figures, in the tracking time zone. */
  today: PeriodFigures & { date: string }
  agentsAvailable: number
  agentsTotal: number
  queueLength: number
  openProcesses: number
  at: string
}

/** Options of `tracking.analytics()`. */
export interface AnalyticsOptions extends StorageCallOptions {
  /** Inclusive start (ISO 8601 or ms). */
  from: string | number
  /** Exclusive end (ISO 8601 or ms). */
  to: string | number
  /** Series granularity (default `day`). */
  groupBy?: 'day' | 'hour' | 'weekday' | 'agent'
}

/** `tracking.analytics()`: a period with its series. */
export interface Analytics {
  from: string
  to: string
  totals: PeriodFigures
  /** One entry per group (day `YYYY-MM-DD`, hour `0`–`23`, weekday `0`–`6`, or agent id). */
  series: { key: string; totalProcesses: number; successfulCalls: number; failedCalls: number }[]
}

/** Options of `tracking.recent()`. */
export interface RecentOptions extends StorageCallOptions {
  limit?: number
  status?: ProcessRecord['status']
  agentId?: string
}

/** Options of `tracking.export()`. */
export interface ExportOptions extends StorageCallOptions {
  from?: string | number
  to?: string | number
  format: 'csv' | 'jsonl'
}

/**
 * Tracking and analytics: `app.tracking`. Process records are kept as each lead moves, metrics are
 * kept incrementally (reads never rescan the records).
 */
export interface TrackingApi {
  /** Now: today's figures (tracking time zone), agents available and total, queue length, open processes. */
  stats(options?: StorageCallOptions): Promise<LiveStats>
  /**
   * The figures of a period and a series grouped by day, hour, weekday or agent, read from the
   * per-day metrics only (never from the records). Metrics are kept per day, so the period covers
   * the whole days of the tracking time zone that `[from, to)` touches; `from` and `to` of the
   * answer say which. A `YYYY-MM-DD` bound is that day in the tracking time zone. At most 1,000 days.
   */
  analytics(options: AnalyticsOptions): Promise<Analytics>
  /**
   * The latest process records, newest first (default 20, at most 1,000), optionally only those
   * with a status or an agent; filters look at the latest 10,000 processes.
   */
  recent(options?: RecentOptions): Promise<ProcessRecord[]>
  /** One process's record, or `null`. */
  process(processId: string, options?: StorageCallOptions): Promise<ProcessRecord | null>
  /**
   * The records received in `[from, to)` (default: all), oldest first, as a stream of CSV (a header
   * line, then one RFC 4180 line per record) or JSONL text chunks, read page by page in bounded
   * memory. An unknown format throws `VALIDATION_FAILED` at once.
   */
  export(options: ExportOptions): ReadableStream<string>
  /**
   * Deletes records and metrics older than `olderThanDays` (default: the retention, 30 days):
   * today and the `olderThanDays` whole days before it are kept. `removed` counts the records.
   */
  cleanup(options?: { olderThanDays?: number } & StorageCallOptions): Promise<{ removed: number }>
}

/** What `createTracking` is built from (wired by `createLeadCall`). */
export interface TrackingDeps {
  /** Where records and metrics are kept. */
  storage: import('../storage/storage-v1.js').StorageV1
  /** The tenant's namespace in the storage (also the records' `metadata.tenant`). */
  ns: string
  /** The app's event bus, whose pipeline events tracking follows. */
  events: import('../events/event-bus.js').EventBus
  /** The clock (ms since epoch). */
  now: () => number
  /** Mask phones and e-mails in records (default true). */
  maskPii: boolean
  /** The tracking options (time zone of days and hours, retention, JSONL sink). */
  config: import('./tracking-config.js').ResolvedTrackingConfig
  /** The pipeline's durable state of a process (for steps, timings and the final outcome). */
  getProcess: (processId: string) => Promise<import('../pipeline/process-state.js').ProcessState | null>
  /** The agents (for `stats()` and for agent names). */
  agents: import('../app/agents-api.js').AgentsApi
  /** How many leads wait in the queue. */
  queueSize: () => Promise<number>
  /** Where listener errors are logged. */
  logger: import('../logging/logger.js').Logger
}
