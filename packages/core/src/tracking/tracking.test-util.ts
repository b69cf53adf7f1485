/**
 * Test helpers of tracking: a brute-force recomputation of the figures from the records (its own
 * code, sharing nothing with the incremental path but the record's field names), random records,
 * and stand-alone tracking deps.
 */
import { expect } from 'vitest'
import { seededRandom } from '../distribution/random.js'
import type { Agent } from '../domain/agent.js'
import type { ProcessRecord, ProcessStatus, ProcessStep } from '../domain/process-record.js'
import type { LeadCallErrorCode } from '../errors/lead-call-error.js'
import { createEventBus } from '../events/event-bus.js'
import { silentLogger } from '../logging/logger.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { StorageV1 } from '../storage/storage-v1.js'
import { createTrackingCore } from './create-tracking.js'
import type { RecordChange } from './record-store.js'
import type { DurationPercentiles, PeriodFigures, TrackingDeps } from './tracking-api.js'
import { type TrackingConfig, TrackingConfigSchema } from './tracking-config.js'

/** What the brute force finds for a set of records. */
export interface BruteFigures {
  totalProcesses: number
  successfulCalls: number
  failedCalls: number
  rejected: number
  errorsByCode: Record<string, number>
  agents: Record<string, { assigned: number; answered: number; failed: number; talkSec: number }>
  samples: { processing: number[]; dial: number[]; answer: number[] }
  byDay: Record<string, { total: number; ok: number; fail: number }>
  byHour: Record<string, { total: number; ok: number; fail: number }>
  byWeekday: Record<string, { total: number; ok: number; fail: number }>
}

const WEEKDAY: Record<string, string> = {
  Sun: '0',
  Mon: '1',
  Tue: '2',
  Wed: '3',
  Thu: '4',
  Fri: '5',
  Sat: '6',
}

/** Recomputes every figure by scanning `records` (days and hours in `timeZone`). */
export function bruteForce(records: readonly ProcessRecord[], timeZone: string): BruteFigures {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
    weekday: 'short',
  })
  const out: BruteFigures = {
    totalProcesses: 0,
    successfulCalls: 0,
    failedCalls: 0,
    rejected: 0,
    errorsByCode: {},
    agents: {},
    samples: { processing: [], dial: [], answer: [] },
    byDay: {},
    byHour: {},
    byWeekday: {},
  }
  const agent = (id: string) => {
    out.agents[id] ??= { assigned: 0, answered: 0, failed: 0, talkSec: 0 }
    return out.agents[id]
  }
  const bump = (
    map: Record<string, { total: number; ok: number; fail: number }>,
    key: string,
    r: ProcessRecord,
  ) => {
    map[key] ??= { total: 0, ok: 0, fail: 0 }
    map[key].total++
    if (r.status === 'completed') map[key].ok++
    if (r.status === 'failed') map[key].fail++
  }
  for (const r of records) {
    const received = Date.parse(r.timestamp)
    const parts = Object.fromEntries(format.formatToParts(received).map((p) => [p.type, p.value]))
    const day = `${parts.year}-${parts.month}-${parts.day}`
    bump(out.byDay, day, r)
    bump(out.byHour, String(Number(parts.hour)), r)
    bump(out.byWeekday, WEEKDAY[parts.weekday!]!, r)
    out.totalProcesses++
    if (r.status === 'completed') out.successfulCalls++
    if (r.status === 'failed') out.failedCalls++
    if (r.status === 'rejected') out.rejected++
    if ((r.status === 'failed' || r.status === 'rejected') && r.errorCode) {
      out.errorsByCode[r.errorCode] = (out.errorsByCode[r.errorCode] ?? 0) + 1
    }
    const distribute = r.steps.find((s) => s.name === 'distribute')
    for (const a of (distribute?.detail?.assignments ?? []) as { agentId: string }[])
      agent(a.agentId).assigned++
    const track = r.steps.find((s) => s.name === 'track')
    if (r.agent && r.status === 'completed') {
      agent(r.agent.id).answered++
      const talk = track?.detail?.talkSec
      agent(r.agent.id).talkSec += typeof talk === 'number' && talk > 0 ? Math.round(talk) : 0
    }
    if (r.agent && r.status === 'failed') agent(r.agent.id).failed++
    if (r.processingTimeMs !== undefined) out.samples.processing.push(r.processingTimeMs)
    const dialAt = r.steps.find((s) => s.name === 'dial')?.detail?.firstDialAt
    if (typeof dialAt === 'string') out.samples.dial.push(Math.max(0, Date.parse(dialAt) - received))
    const answeredAt = track?.detail?.firstAnsweredAt
    if (typeof answeredAt === 'string')
      out.samples.answer.push(Math.max(0, Date.parse(answeredAt) - received))
  }
  return out
}

/** The value at quantile `q` of sorted `values` (nearest rank, clamped). */
export function quantile(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index]!
}

/**
 * Checks a sketch's percentiles against the exact values: each must lie between the exact
 * quantiles `rankTolerance` below and above (t-digest's error is in rank, not in value).
 */
export function expectPercentiles(
  actual: DurationPercentiles,
  samples: readonly number[],
  rankTolerance = 0.02,
) {
  expect(actual.count).toBe(samples.length)
  if (samples.length === 0) {
    expect(actual).toMatchObject({ p50: null, p95: null, p99: null })
    return
  }
  const sorted = [...samples].sort((a, b) => a - b)
  for (const [key, q] of [
    ['p50', 0.5],
    ['p95', 0.95],
    ['p99', 0.99],
  ] as const) {
    const value = actual[key]
    expect(value, key).not.toBeNull()
    const low = quantile(sorted, q - rankTolerance) - 1
    const high = quantile(sorted, Math.min(1, q + rankTolerance)) + 1
    expect(value!, `${key} in [${low}, ${high}]`).toBeGreaterThanOrEqual(low)
    expect(value!, `${key} in [${low}, ${high}]`).toBeLessThanOrEqual(high)
  }
}

/** Checks a period's counters against the brute force, exactly. */
export function expectCounters(figures: PeriodFigures, brute: BruteFigures) {
  expect(figures.totalProcesses).toBe(brute.totalProcesses)
  expect(figures.successfulCalls).toBe(brute.successfulCalls)
  expect(figures.failedCalls).toBe(brute.failedCalls)
  expect(figures.rejected).toBe(brute.rejected)
  expect(figures.errorsByCode).toEqual(brute.errorsByCode)
  const ended = brute.successfulCalls + brute.failedCalls
  expect(figures.successRate).toBe(ended > 0 ? brute.successfulCalls / ended : null)
  const agents = Object.fromEntries(
    figures.agents.map((a) => [
      a.agentId,
      { assigned: a.assigned, answered: a.answered, failed: a.failed, talkSec: a.talkSec },
    ]),
  )
  expect(agents).toEqual(brute.agents)
  for (const a of figures.agents) expect(a.successRate).toBe(a.assigned > 0 ? a.answered / a.assigned : null)
  const assigned = figures.agents.map((a) => a.assigned)
  if (assigned.length > 0) {
    expect(figures.balance.maxAssigned).toBe(Math.max(...assigned))
    expect(figures.balance.minAssigned).toBe(Math.min(...assigned))
    const mean = assigned.reduce((s, n) => s + n, 0) / assigned.length
    const sd = Math.sqrt(assigned.reduce((s, n) => s + (n - mean) ** 2, 0) / assigned.length)
    if (mean > 0) expect(figures.balance.coefficientOfVariation).toBeCloseTo(sd / mean, 10)
  }
}

/** A random source: floats in [0, 1). */
export type Random = () => number

const STATUSES: ProcessStatus[] = [
  'completed',
  'completed',
  'completed',
  'failed',
  'failed',
  'rejected',
  'queued',
  'dialing',
  'in_call',
]
const CODES: LeadCallErrorCode[] = [
  'CALL_FAILED',
  'NO_AGENTS_AVAILABLE',
  'AGENT_NOT_AVAILABLE',
  'DNC_BLOCKED',
  'AGENT_BUSY',
]

/**
 * A random record received at `receivedAt`, as the builder shapes them: assignments, milestones
 * and outcomes of every kind.
 */
export function randomRecord(
  random: Random,
  i: number,
  receivedAt: number,
  agents: readonly string[],
): ProcessRecord {
  const iso = (ms: number) => new Date(ms).toISOString()
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
  const status: ProcessStatus = pick(STATUSES)
  const nAssigned =
    status === 'rejected' ? 0 : status === 'queued' ? Math.floor(random() * 2) : 1 + Math.floor(random() * 3)
  const assignments = Array.from({ length: nAssigned }, (_, k) => ({
    agentId: pick(agents),
    reservationId: `r-${i}-${k}`,
  }))
  const dialed = nAssigned > 0 && status !== 'queued'
  const dialAt = receivedAt + Math.round(200 + random() ** 3 * 20_000)
  const answered = status === 'completed' || status === 'in_call' || (status === 'failed' && random() < 0.2)
  const answerAt = dialAt + Math.round(1_000 + random() * 15_000)
  const talkSec = Math.round(random() * 600)
  const steps: ProcessStep[] = [
    {
      name: 'normalize',
      status: 'done',
      startedAt: iso(receivedAt),
      endedAt: iso(receivedAt),
      durationMs: 0,
    },
  ]
  if (assignments.length > 0) {
    steps.push({
      name: 'distribute',
      status: 'done',
      startedAt: iso(receivedAt),
      endedAt: iso(receivedAt + 5),
      detail: { assignments },
    })
  }
  if (dialed) {
    steps.push({
      name: 'dial',
      status: 'done',
      startedAt: iso(dialAt),
      endedAt: iso(dialAt + 50),
      detail: { firstDialAt: iso(dialAt), callId: `c-${i}` },
    })
  }
  if (answered) {
    const detail: Record<string, unknown> = {
      firstAnsweredAt: iso(answerAt),
      callStatus: status === 'in_call' ? 'answered' : 'completed',
    }
    if (status === 'completed') detail.talkSec = talkSec
    steps.push({ name: 'track', status: status === 'in_call' ? 'running' : 'done', detail })
  }
  const closed = status === 'completed' || status === 'failed' || status === 'rejected'
  const record: ProcessRecord = {
    processId: `p-${i}`,
    type: 'lead',
    timestamp: iso(receivedAt),
    updatedAt: iso(receivedAt + 60_000),
    status,
    lead: {
      id: `l-${i}`,
      name: `Lead ${i}`,
      phone: '+39350****567',
      source: pick(['web', 'ghl', 'csv']),
      priority: 'normal',
    },
    steps,
    attempts: nAssigned,
    metadata: { dayOfWeek: 0, hourOfDay: 0, source: 'web' },
  }
  const last = assignments.at(-1)
  if (last) record.agent = { id: last.agentId, name: last.agentId.toUpperCase() }
  if (dialed) record.processingTimeMs = dialAt - receivedAt
  else if (closed) record.processingTimeMs = Math.round(random() * 3_000)
  if (closed) {
    record.success = status === 'completed'
    record.finalStatus = status === 'completed' ? 'completed' : pick(['no_answer', 'busy', 'failed', status])
  }
  if (status === 'failed' || status === 'rejected') {
    record.errorCode =
      status === 'rejected' ? pick(['DNC_BLOCKED', 'NO_AGENTS_AVAILABLE'] as const) : pick(CODES)
    record.errorMessage = 'x'
  }
  return record
}

/** Stand-alone deps of tracking (no pipeline: `getProcess` answers null). */
export function standaloneDeps(
  options: {
    storage?: StorageV1
    config?: TrackingConfig
    now?: () => number
    agents?: Partial<Agent>[]
    queueSize?: number
  } = {},
): TrackingDeps {
  const agents = (options.agents ?? []) as Agent[]
  return {
    storage: options.storage ?? memoryStorage(),
    ns: 'default',
    events: createEventBus(),
    now: options.now ?? (() => Date.now()),
    maskPii: true,
    config: TrackingConfigSchema.parse(options.config ?? {}),
    getProcess: async () => null,
    agents: {
      get: async (id: string) => agents.find((a) => a.id === id) ?? null,
      list: async () => agents,
    } as unknown as TrackingDeps['agents'],
    queueSize: async () => options.queueSize ?? 0,
    logger: silentLogger,
  }
}

/** An earlier version of `record`: received and dialing its first agent, nothing ended yet. */
export function openVersionOf(record: ProcessRecord): ProcessRecord {
  const early: ProcessRecord = structuredClone(record)
  delete early.success
  delete early.finalStatus
  delete early.errorCode
  delete early.errorMessage
  early.steps = early.steps.filter((s) => s.name !== 'track')
  const distribute = early.steps.find((s) => s.name === 'distribute')
  const dial = early.steps.find((s) => s.name === 'dial')
  if (distribute?.detail) {
    distribute.detail.assignments = (distribute.detail.assignments as unknown[]).slice(0, 1)
    const first = (distribute.detail.assignments as { agentId: string }[])[0]!
    early.agent = { id: first.agentId, name: first.agentId.toUpperCase() }
  }
  early.status = dial ? 'dialing' : 'received'
  if (!dial) delete early.processingTimeMs
  return early
}

/** Options of {@link writeRandomRecords}. */
export interface RandomRecordsOptions {
  storage: StorageV1
  /** The namespace (tenant), `default` unless given. */
  ns?: string
  seed: number
  count: number
  /** Records are received in `[start, start + days)`. */
  start: number
  days: number
  agents: readonly string[]
  timeZone?: string
}

/**
 * Random records written through tracking's record writer (the path every event takes): a third
 * of them first as an open process, then updated to how they ended, the rest created in batches of
 * random size. Close `core.tracking` afterwards.
 */
export async function writeRandomRecords(options: RandomRecordsOptions) {
  const { storage, seed, count, start, days, agents } = options
  const ns = options.ns ?? 'default'
  const random = seededRandom(seed)
  const core = createTrackingCore({
    ...standaloneDeps({
      storage,
      config: { timeZone: options.timeZone ?? 'UTC' },
      now: () => start + (days + 1) * 86_400_000,
    }),
    ns,
  })
  const records: ProcessRecord[] = []
  const times = Array.from({ length: count }, () => start + Math.floor(random() * days * 86_400_000)).sort(
    (a, b) => a - b,
  )
  let batch: RecordChange[] = []
  const flush = async () => {
    expect(await core.writer.commit(batch)).toBe(true)
    batch = []
  }
  for (const [i, time] of times.entries()) {
    const record = randomRecord(random, i, time, agents)
    records.push(record)
    if (random() < 0.33) {
      await flush()
      expect(await core.writer.commit([{ prev: null, next: openVersionOf(record) }])).toBe(true)
      const entry = await storage.get<ProcessRecord>(ns, `record:${record.processId}`)
      expect(
        await core.writer.commit([{ prev: { record: entry!.value, version: entry!.version }, next: record }]),
      ).toBe(true)
    } else {
      batch.push({ prev: null, next: record })
      if (batch.length >= 1 + Math.floor(random() * 50)) await flush()
    }
  }
  await flush()
  return { core, records }
}

/** Checks a series of counts (by day, hour or weekday) against the brute force's `expected`. */
export function expectSeries(
  series: readonly { key: string; totalProcesses: number; successfulCalls: number; failedCalls: number }[],
  expected: Record<string, { total: number; ok: number; fail: number }>,
) {
  for (const s of series) {
    const b = expected[s.key] ?? { total: 0, ok: 0, fail: 0 }
    expect([s.key, s.totalProcesses, s.successfulCalls, s.failedCalls]).toEqual([
      s.key,
      b.total,
      b.ok,
      b.fail,
    ])
  }
}

/** Checks a series by agent (assigned, answered, failed) against the brute force's agents. */
export function expectAgentSeries(
  series: readonly { key: string; totalProcesses: number; successfulCalls: number; failedCalls: number }[],
  agents: BruteFigures['agents'],
) {
  expect(
    Object.fromEntries(series.map((s) => [s.key, [s.totalProcesses, s.successfulCalls, s.failedCalls]])),
  ).toEqual(
    Object.fromEntries(Object.entries(agents).map(([id, a]) => [id, [a.assigned, a.answered, a.failed]])),
  )
}
