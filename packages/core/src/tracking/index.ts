/**
 * Tracking and analytics: process records, incremental metrics, reads, export, retention and the
 * JSONL file sink. The app exposes it as `app.tracking`.
 *
 * @module
 */
export type { TrackingService } from './create-tracking.js'
export { scrubPii } from './record-builder.js'
export type {
  AgentFigures,
  Analytics,
  AnalyticsOptions,
  DurationPercentiles,
  ExportOptions,
  LiveStats,
  PeriodFigures,
  RecentOptions,
  TrackingApi,
} from './tracking-api.js'
export * from './tracking-config.js'
