/**
 * Key layout of tracking within a tenant namespace.
 *
 * - `record:<processId>`: the `ProcessRecord` of a process (the latest version);
 * - stream `process-records`: one entry `{ processId }` per process at the time it was received,
 *   for range reads, export and retention;
 * - `metrics:<day>:<counter>`: the day's counters, changed only by `increment` mutations committed
 *   together with the record they come from;
 * - `metrics:<day>:agents`: the agents with figures that day (id → name);
 * - `metrics:<day>:sketch:<metric>`: the day's t-digest of a duration;
 * - `metrics:<day>:rev`: a counter every write to the day's metrics increments, in the same commit;
 * - `metrics:<day>:summary`: the whole day in one document, tagged with the `rev` it was read at (a
 *   cache: reads use it while the day's `rev` is unchanged, and rebuild it otherwise);
 * - `metrics:days`: the days that have metrics (for retention); `metrics:open`: open processes.
 *
 * Days are `YYYY-MM-DD` in the tracking time zone; every figure of a process counts for the day
 * (and hour) it was received.
 *
 * @internal
 * @module
 */
import { ERROR_CODES } from '../errors/lead-call-error.js'

/** The stream of record entries. @internal */
export const RECORD_STREAM = 'process-records'

/** What a stream entry holds. @internal */
export interface RecordRef {
  processId: string
}

/** The durations a percentile sketch is kept for. @internal */
export const SKETCHES = ['processing', 'dial', 'answer'] as const
/** A duration with a percentile sketch. @internal */
export type SketchName = (typeof SKETCHES)[number]

/** Per-day counters that are not per hour, code or agent. @internal */
export const DAY_COUNTERS = [
  'rev',
  'total',
  'ok',
  'fail',
  'rejected',
  'n:processing',
  'n:dial',
  'n:answer',
] as const
/** Per-hour counters. @internal */
export const HOUR_COUNTERS = ['total', 'ok', 'fail'] as const
/** Per-agent counters. @internal */
export const AGENT_COUNTERS = ['assigned', 'answered', 'failed', 'talk'] as const

/** Every error code there is (one counter each per day). @internal */
export const CODES: readonly string[] = ERROR_CODES

/** Tracking's keys. @internal */
export const tk = {
  record: (processId: string) => `record:${processId}`,
  days: 'metrics:days',
  open: 'metrics:open',
  day: (day: string, counter: (typeof DAY_COUNTERS)[number]) => `metrics:${day}:${counter}`,
  error: (day: string, code: string) => `metrics:${day}:err:${code}`,
  hour: (day: string, hour: number, counter: (typeof HOUR_COUNTERS)[number]) =>
    `metrics:${day}:h${hour < 10 ? '0' : ''}${hour}:${counter}`,
  agents: (day: string) => `metrics:${day}:agents`,
  agent: (day: string, agentId: string, counter: (typeof AGENT_COUNTERS)[number]) =>
    `metrics:${day}:a:${counter}:${agentId}`,
  sketch: (day: string, name: SketchName) => `metrics:${day}:sketch:${name}`,
  summary: (day: string) => `metrics:${day}:summary`,
} as const

/** Every fixed key of a day (not the per-agent ones). @internal */
export function fixedDayKeys(day: string): string[] {
  const out: string[] = DAY_COUNTERS.map((c) => tk.day(day, c))
  for (const code of CODES) out.push(tk.error(day, code))
  for (let h = 0; h < 24; h++) for (const c of HOUR_COUNTERS) out.push(tk.hour(day, h, c))
  for (const s of SKETCHES) out.push(tk.sketch(day, s))
  out.push(tk.agents(day))
  return out
}
