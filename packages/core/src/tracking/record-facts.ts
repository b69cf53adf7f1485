/**
 * The contribution of one process record to the metrics, and the change between two versions of a
 * record: the only way metrics are ever written.
 *
 * A record contributes, to the day and hour it was received (tracking time zone):
 *
 * - `total` 1; `ok` 1 when `completed`, `fail` 1 when `failed`, `rejected` 1 when `rejected`
 *   (per day and, but `rejected`, per hour);
 * - `err:<code>` 1 when it ended `failed` or `rejected` with an error code;
 * - per agent: `assigned` 1 for each assignment it lists; for the agent of the record, `answered`
 *   1 and `talk` its talk seconds when `completed`, `failed` 1 when `failed`;
 * - `n:processing`, `n:dial`, `n:answer` 1 when it has that duration, and the duration itself as a
 *   sample of the day's percentile sketch;
 * - `metrics:open` 1 while it is open.
 *
 * Every field these come from is set once or only grows, so committing `facts(next) − facts(prev)`
 * together with `next` keeps the counters equal to the sum over the stored records, exactly.
 *
 * @internal
 * @module
 */
import type { ProcessRecord } from '../domain/process-record.js'
import { assignmentsOf, DETAIL, isOpen, stepDetail } from './record-builder.js'
import { type SketchName, tk } from './tracking-keys.js'
import type { ZonedCalendar } from './zoned-calendar.js'

/** What one record contributes. @internal */
export interface RecordFacts {
  day: string
  /** Counter key → amount. */
  counters: Map<string, number>
  /** Durations (ms) of the record, by sketch. */
  samples: Partial<Record<SketchName, number>>
  /** Agents with figures from this record: id → name. */
  agents: Map<string, string>
}

/** The change two versions of a record make to the metrics. @internal */
export interface FactsDelta {
  day: string
  /** Counter key → amount to add (never 0). */
  increments: Map<string, number>
  /** Durations that appeared. */
  samples: { name: SketchName; value: number }[]
  /** Agents that appeared (id → name). */
  agents: Map<string, string>
}

/** The contribution of `record`. @internal */
export function factsOf(record: ProcessRecord, calendar: ZonedCalendar): RecordFacts {
  const received = Date.parse(record.timestamp)
  const { day, hour } = calendar.at(received)
  const counters = new Map<string, number>()
  const add = (key: string, by: number) => {
    if (by !== 0) counters.set(key, (counters.get(key) ?? 0) + by)
  }
  const agents = new Map<string, string>()
  add(tk.day(day, 'total'), 1)
  add(tk.hour(day, hour, 'total'), 1)
  if (isOpen(record)) add(tk.open, 1)
  const agent = record.agent
  if (record.status === 'completed') {
    add(tk.day(day, 'ok'), 1)
    add(tk.hour(day, hour, 'ok'), 1)
    if (agent) {
      add(tk.agent(day, agent.id, 'answered'), 1)
      add(tk.agent(day, agent.id, 'talk'), talkSecOf(record))
      agents.set(agent.id, agent.name)
    }
  } else if (record.status === 'failed') {
    add(tk.day(day, 'fail'), 1)
    add(tk.hour(day, hour, 'fail'), 1)
    if (agent) {
      add(tk.agent(day, agent.id, 'failed'), 1)
      agents.set(agent.id, agent.name)
    }
  } else if (record.status === 'rejected') {
    add(tk.day(day, 'rejected'), 1)
  }
  if ((record.status === 'failed' || record.status === 'rejected') && record.errorCode) {
    add(tk.error(day, record.errorCode), 1)
  }
  for (const a of assignmentsOf(record)) {
    add(tk.agent(day, a.agentId, 'assigned'), 1)
    if (!agents.has(a.agentId)) agents.set(a.agentId, agent?.id === a.agentId ? agent.name : a.agentId)
  }
  const samples: RecordFacts['samples'] = {}
  if (record.processingTimeMs !== undefined) {
    add(tk.day(day, 'n:processing'), 1)
    samples.processing = record.processingTimeMs
  }
  const dialMs = sinceReceived(stepDetail(stepOf(record, 'dial'), DETAIL.firstDialAt), received)
  if (dialMs !== undefined) {
    add(tk.day(day, 'n:dial'), 1)
    samples.dial = dialMs
  }
  const answerMs = sinceReceived(stepDetail(stepOf(record, 'track'), DETAIL.firstAnsweredAt), received)
  if (answerMs !== undefined) {
    add(tk.day(day, 'n:answer'), 1)
    samples.answer = answerMs
  }
  return { day, counters, samples, agents }
}

/** `facts(next) − facts(prev)`: what committing `next` over `prev` changes. @internal */
export function diffFacts(prev: RecordFacts | undefined, next: RecordFacts): FactsDelta {
  const increments = new Map<string, number>()
  for (const [key, value] of next.counters) {
    const by = value - (prev?.counters.get(key) ?? 0)
    if (by !== 0) increments.set(key, by)
  }
  if (prev) {
    for (const [key, value] of prev.counters) if (!next.counters.has(key)) increments.set(key, -value)
  }
  const samples: FactsDelta['samples'] = []
  for (const name of ['processing', 'dial', 'answer'] as const) {
    const value = next.samples[name]
    if (value !== undefined && prev?.samples[name] === undefined) samples.push({ name, value })
  }
  const agents = new Map<string, string>()
  for (const [id, name] of next.agents) {
    if (!prev?.agents.has(id)) agents.set(id, name)
  }
  return { day: next.day, increments, samples, agents }
}

/** Talk seconds of a completed record (from its call result). @internal */
export function talkSecOf(record: ProcessRecord): number {
  const value = stepOf(record, 'track')?.detail?.[DETAIL.talkSec]
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0
}

function stepOf(record: ProcessRecord, name: string) {
  return record.steps.find((s) => s.name === name)
}

function sinceReceived(iso: string | undefined, received: number): number | undefined {
  if (iso === undefined) return undefined
  const at = Date.parse(iso)
  return Number.isFinite(at) ? Math.max(0, at - received) : undefined
}
