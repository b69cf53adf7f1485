/**
 * `tracking.analytics()` over one month holding 1,000,000 process records on memory storage, beside
 * a full scan of the same records computing the same totals (counters, per-agent figures, errors by
 * code, exact percentiles), in the same run.
 *
 * Records are written through tracking's record writer, the path every pipeline event takes (the
 * record and its counter increments in one atomic commit, stream entry, duration samples into the
 * day's t-digest), in batches of 1,000 records per commit instead of one event at a time; the
 * metrics come from exactly the same incremental code. Analytics then reads only the 31 days'
 * metric documents.
 *
 * `pnpm bench analytics [--json] [--records N]`
 */
import {
  createEventBus,
  type LeadCallErrorCode,
  memoryStorage,
  type ProcessRecord,
  silentLogger,
} from '@leadcall/core'
import { createTrackingCore } from '../packages/core/src/tracking/create-tracking.js'
import type { RecordChange } from '../packages/core/src/tracking/record-store.js'
import type { TrackingDeps } from '../packages/core/src/tracking/tracking-api.js'
import { TrackingConfigSchema } from '../packages/core/src/tracking/tracking-config.js'
import { createIsoFormatter } from '../packages/core/src/util/iso-time.js'
import { report } from './support.js'

const recordsAt = process.argv.indexOf('--records')
const RECORDS = recordsAt >= 0 ? Number(process.argv[recordsAt + 1]) : 1_000_000
const BATCH = 1_000
const AGENTS = 50
const FROM = Date.parse('2026-10-01T00:00:00.000Z')
const TO = Date.parse('2026-11-01T00:00:00.000Z')
const ANALYTICS_RUNS = 15

/** sfc32: a small seeded generator, so every run writes the same month. */
function seeded(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed
  let b = 0x243f6a88
  let c = 0xb7e15162
  let d = 1
  return () => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
}

const random = seeded(42)
const iso = createIsoFormatter()
const agentIds = Array.from({ length: AGENTS }, (_, i) => `agent-${String(i).padStart(2, '0')}`)
const CODES: LeadCallErrorCode[] = ['CALL_FAILED', 'AGENT_NOT_AVAILABLE', 'AGENT_BUSY', 'NO_AGENTS_AVAILABLE']

/** One realistic record: the steps the pipeline writes, an outcome drawn at random. */
function makeRecord(i: number, receivedAt: number): ProcessRecord {
  const r = random()
  const status: ProcessRecord['status'] =
    r < 0.62 ? 'completed' : r < 0.8 ? 'failed' : r < 0.86 ? 'rejected' : r < 0.93 ? 'queued' : 'in_call'
  const rejected = status === 'rejected'
  const agentId = agentIds[Math.floor(random() ** 1.3 * AGENTS)]!
  const second = random() < 0.15 ? agentIds[Math.floor(random() * AGENTS)]! : undefined
  const dialAt = receivedAt + 150 + Math.floor(random() ** 4 * 30_000)
  const answerAt = dialAt + 2_000 + Math.floor(random() * 20_000)
  const answered = status === 'completed' || status === 'in_call'
  const end = answerAt + Math.floor(random() * 600_000)
  const steps: ProcessRecord['steps'] = [
    {
      name: 'normalize',
      status: 'done',
      startedAt: iso(receivedAt),
      endedAt: iso(receivedAt),
      durationMs: 0,
    },
    {
      name: 'deduplicate',
      status: 'done',
      startedAt: iso(receivedAt),
      endedAt: iso(receivedAt),
      durationMs: 0,
    },
    rejected
      ? {
          name: 'compliance',
          status: 'failed',
          startedAt: iso(receivedAt),
          endedAt: iso(receivedAt + 1),
          durationMs: 1,
          errorCode: 'DNC_BLOCKED',
          detail: { reason: 'block_list' },
        }
      : {
          name: 'compliance',
          status: 'done',
          startedAt: iso(receivedAt),
          endedAt: iso(receivedAt + 1),
          durationMs: 1,
        },
  ]
  const record: ProcessRecord = {
    processId: `p-${i}`,
    type: 'lead',
    timestamp: iso(receivedAt),
    updatedAt: iso(rejected ? receivedAt + 1 : end),
    status,
    lead: {
      id: `l-${i}`,
      name: `Lead ${i}`,
      phone: '+39350****567',
      source: i % 3 === 0 ? 'ghl' : 'web',
      priority: 'normal',
    },
    steps,
    attempts: 0,
    metadata: { dayOfWeek: 0, hourOfDay: 0, source: i % 3 === 0 ? 'ghl' : 'web', tenant: 'default' },
  }
  if (rejected) {
    record.success = false
    record.finalStatus = 'rejected'
    record.errorCode = 'DNC_BLOCKED'
    record.errorMessage = 'Not callable: block_list'
    record.processingTimeMs = 1
    return record
  }
  const assignments = [{ agentId, reservationId: `r-${i}-0` }]
  if (second && status !== 'queued') assignments.push({ agentId: second, reservationId: `r-${i}-1` })
  const agent = assignments.at(-1)!.agentId
  steps.push(
    {
      name: 'contactSync',
      status: 'done',
      startedAt: iso(receivedAt + 1),
      endedAt: iso(receivedAt + 2),
      durationMs: 1,
      detail: { mode: 'background', contactId: `c-${i}` },
    },
    {
      name: 'distribute',
      status: 'done',
      startedAt: iso(receivedAt + 2),
      endedAt: iso(dialAt - 5),
      durationMs: dialAt - 5 - receivedAt - 2,
      detail: { agentId: agent, agentName: agent.toUpperCase(), strategy: 'round-robin', assignments },
    },
  )
  record.agent = { id: agent, name: agent.toUpperCase() }
  record.contactId = `c-${i}`
  record.attempts = assignments.length
  if (status === 'queued' && random() < 0.5) return record // waiting for an agent, never dialed yet
  steps.push({
    name: 'dial',
    status: 'done',
    startedAt: iso(dialAt),
    endedAt: iso(dialAt + 80),
    durationMs: 80,
    detail: {
      provider: 'simulator',
      providerCallId: `sim-${i}`,
      callId: `call-${i}`,
      firstDialAt: iso(dialAt),
    },
  })
  record.callId = `call-${i}`
  record.processingTimeMs = dialAt - receivedAt
  if (status === 'completed' || status === 'in_call') {
    const talkSec = Math.round((end - answerAt) / 1000)
    steps.push({
      name: 'track',
      status: status === 'completed' ? 'done' : 'running',
      startedAt: iso(answerAt),
      ...(status === 'completed' ? { endedAt: iso(end), durationMs: end - answerAt } : {}),
      detail: {
        callStatus: status === 'completed' ? 'completed' : 'answered',
        firstAnsweredAt: iso(answerAt),
        ...(status === 'completed' ? { talkSec } : {}),
      },
    })
  } else if (status === 'failed') {
    steps.push({
      name: 'track',
      status: 'failed',
      startedAt: iso(dialAt),
      endedAt: iso(dialAt + 30_000),
      durationMs: 30_000,
      errorCode: 'CALL_FAILED',
      detail: { callStatus: 'no_answer', ...(answered ? { firstAnsweredAt: iso(answerAt) } : {}) },
    })
  }
  if (status === 'completed' || status === 'failed') {
    record.success = status === 'completed'
    record.finalStatus = status === 'completed' ? 'completed' : 'no_answer'
  }
  if (status === 'failed') {
    record.errorCode = CODES[Math.floor(random() * CODES.length)]!
    record.errorMessage = 'The lead did not answer after 3 call(s) (last: no_answer)'
  }
  return record
}

const storage = memoryStorage()
const config = TrackingConfigSchema.parse({ timeZone: 'UTC', flushMs: 3_600_000 })
const deps: TrackingDeps = {
  storage,
  ns: 'default',
  events: createEventBus(),
  now: () => TO,
  maskPii: true,
  config,
  getProcess: async () => null,
  agents: {
    get: async (id: string) => ({ id, name: id.toUpperCase() }),
    list: async () => [],
  } as unknown as TrackingDeps['agents'],
  queueSize: async () => 0,
  logger: silentLogger,
}
const { tracking, writer, metrics } = createTrackingCore(deps)

// ---------------------------------------------------------------- one month of records
const rssIdle = process.memoryUsage().rss
let peakRss = rssIdle
const ingestStart = performance.now()
const span = TO - FROM
for (let i = 0; i < RECORDS; i += BATCH) {
  const changes: RecordChange[] = []
  for (let j = i; j < Math.min(RECORDS, i + BATCH); j++) {
    // Sorted times spread over the month, a little jitter within each slot.
    const time = FROM + Math.floor(((j + random()) * span) / RECORDS)
    changes.push({ prev: null, next: makeRecord(j, time) })
  }
  if (!(await writer.commit(changes))) throw new Error('unexpected conflict')
  if (i % 100_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss)
}
await metrics.flushSketches() // the t-digests buffered in memory, merged into each day's document
const ingestMs = performance.now() - ingestStart
peakRss = Math.max(peakRss, process.memoryUsage().rss)

// ---------------------------------------------------------------- analytics (incremental metrics)
/** Collects garbage before a timed section (the bench runs with --expose-gc), so ingest's heap churn is not billed to reads. */
const collect = (): void => (globalThis as { gc?: () => void }).gc?.()

// The first read finds no day summary yet: every day is read from its counters (then cached).
collect()
const coldStart = performance.now()
let result = await tracking.analytics({ from: FROM, to: TO })
const coldMs = performance.now() - coldStart
for (let run = 0; run < 3; run++) await tracking.analytics({ from: FROM, to: TO }) // warm-up
collect()
const timings: number[] = []
for (let run = 0; run < ANALYTICS_RUNS; run++) {
  const t0 = performance.now()
  result = await tracking.analytics({ from: FROM, to: TO })
  timings.push(performance.now() - t0)
}
timings.sort((a, b) => a - b)
const analyticsMs = timings[Math.floor(timings.length / 2)]!
collect()
const byAgent: number[] = []
for (let run = 0; run < 5; run++) {
  const t0 = performance.now()
  await tracking.analytics({ from: FROM, to: TO, groupBy: 'agent' })
  byAgent.push(performance.now() - t0)
}
byAgent.sort((a, b) => a - b)
// The month ends today and today keeps changing: before each read a new process lands on the
// last day, so its summary is stale and that day is read from its counters again.
collect()
const live: number[] = []
for (let run = 0; run < ANALYTICS_RUNS; run++) {
  const i = RECORDS + run
  await writer.commit([{ prev: null, next: makeRecord(i, TO - 60_000 + run) }])
  const t0 = performance.now()
  await tracking.analytics({ from: FROM, to: TO })
  live.push(performance.now() - t0)
}
live.sort((a, b) => a - b)
result = await tracking.analytics({ from: FROM, to: TO })
const TOTAL = RECORDS + ANALYTICS_RUNS

// ---------------------------------------------------------------- full scan of the same records
collect()
const scanStart = performance.now()
const scan = await fullScan()
const scanMs = performance.now() - scanStart
peakRss = Math.max(peakRss, process.memoryUsage().rss)

// The two must agree (counters exactly).
const totals = result.totals
const mismatches: string[] = []
const same = (what: string, a: unknown, b: unknown) => {
  if (JSON.stringify(a) !== JSON.stringify(b))
    mismatches.push(`${what}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
}
same('records', scan.records, TOTAL)
same('totalProcesses', totals.totalProcesses, scan.total)
same('successfulCalls', totals.successfulCalls, scan.ok)
same('failedCalls', totals.failedCalls, scan.fail)
same('rejected', totals.rejected, scan.rejected)
same('errorsByCode', sortKeys(totals.errorsByCode), sortKeys(scan.errors))
same(
  'agents',
  totals.agents.map((a) => [a.agentId, a.assigned, a.answered, a.failed, a.talkSec]),
  [...scan.agents.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, a]) => [id, a.assigned, a.answered, a.failed, a.talk]),
)
same('processing count', totals.processingTime.count, scan.processing.length)
same('answer count', totals.speedToAnswer.count, scan.answer.length)
if (mismatches.length > 0) {
  console.error(`analytics and the full scan disagree:\n${mismatches.join('\n')}`)
  process.exit(1)
}

report({
  name: `tracking.analytics 1 month / ${TOTAL.toLocaleString('en-US')} records`,
  value: round(analyticsMs),
  unit: 'ms',
  baseline: round(scanMs),
  ratio: Number((analyticsMs / scanMs).toPrecision(3)),
})
report({ name: 'tracking.analytics groupBy=agent (50 agents)', value: round(byAgent[2]!), unit: 'ms' })
report({
  name: 'tracking.analytics, today changing (1 day re-read)',
  value: round(live[Math.floor(live.length / 2)]!),
  unit: 'ms',
})
report({ name: 'tracking.analytics, first read (no day cached)', value: round(coldMs), unit: 'ms' })
report({ name: 'full scan of the same records (baseline)', value: round(scanMs), unit: 'ms' })
report({
  name: 'records written (record + metrics, batches of 1,000)',
  value: Math.round(RECORDS / (ingestMs / 1000)),
  unit: 'records/s',
})
report({
  name: 'p95 processing time, sketch vs exact',
  value: totals.processingTime.p95 ?? 0,
  unit: 'ms',
  baseline: scan.p95processing,
  ratio: Number(((totals.processingTime.p95 ?? 0) / scan.p95processing).toFixed(4)),
})
report({ name: 'peak RSS', value: Math.round(peakRss / 1e6), unit: 'MB' })

async function fullScan() {
  let records = 0
  let total = 0
  let ok = 0
  let fail = 0
  let rejected = 0
  const errors: Record<string, number> = {}
  const agents = new Map<string, { assigned: number; answered: number; failed: number; talk: number }>()
  const agent = (id: string) => {
    let a = agents.get(id)
    if (!a) {
      a = { assigned: 0, answered: 0, failed: 0, talk: 0 }
      agents.set(id, a)
    }
    return a
  }
  const processing: number[] = []
  const answer: number[] = []
  // Page through the stream by time, then read the records (what a report over the raw records does).
  let from = FROM
  const seen = new Set<string>()
  for (;;) {
    const page = await storage.range<{ processId: string }>('default', 'process-records', {
      from,
      to: TO,
      limit: 10_000,
    })
    const fresh = page.filter((e) => !seen.has(e.id))
    const entries = await storage.getMany<ProcessRecord>(
      'default',
      fresh.map((e) => `record:${e.data.processId}`),
    )
    for (const entry of entries) {
      if (!entry) continue
      const r = entry.value
      records++
      total++
      if (r.status === 'completed') ok++
      else if (r.status === 'failed') fail++
      else if (r.status === 'rejected') rejected++
      if ((r.status === 'failed' || r.status === 'rejected') && r.errorCode)
        errors[r.errorCode] = (errors[r.errorCode] ?? 0) + 1
      const distribute = r.steps.find((s) => s.name === 'distribute')
      for (const a of (distribute?.detail?.assignments ?? []) as { agentId: string }[])
        agent(a.agentId).assigned++
      const track = r.steps.find((s) => s.name === 'track')
      if (r.agent && r.status === 'completed') {
        const a = agent(r.agent.id)
        a.answered++
        a.talk += Math.round(Number(track?.detail?.talkSec ?? 0))
      }
      if (r.agent && r.status === 'failed') agent(r.agent.id).failed++
      if (r.processingTimeMs !== undefined) processing.push(r.processingTimeMs)
      const answeredAt = track?.detail?.firstAnsweredAt
      if (typeof answeredAt === 'string') answer.push(Date.parse(answeredAt) - Date.parse(r.timestamp))
    }
    if (page.length < 10_000) break
    const last = page[page.length - 1]!.time
    seen.clear()
    for (const e of page) if (e.time === last) seen.add(e.id)
    from = last
  }
  processing.sort((a, b) => a - b)
  answer.sort((a, b) => a - b)
  const p95processing = processing[Math.ceil(0.95 * processing.length) - 1] ?? 0
  return { records, total, ok, fail, rejected, errors, agents, processing, answer, p95processing }
}

function sortKeys(o: Record<string, number>) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)))
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}
