/**
 * One soak run on one storage: 20 always-available agents, the simulated provider with short calls
 * (so agents free up), and the HTTP handler called directly (in process, no socket) at a steady
 * rate; then heap, latency drift and the accounting of every lead.
 *
 * The run is a sales floor's steady state in fast motion: what a real deployment keeps for days
 * (closed processes, their calls, tracking records, idempotency keys) is kept for a third of the
 * latency window (20 s in a 10-minute run), so that the store stops growing early in the first
 * window, long before the warm-up ends, and the whole heap, memory store included, is measured. Phone
 * numbers recur, as repeat leads do, from a pool of one retention's worth of leads (a recurring
 * number whose process is still open joins it), with the per-number daily cap raised to let them
 * through (its log is kept a day, whatever the retention).
 */
import { PerformanceObserver, performance } from 'node:perf_hooks'
import {
  createHttpHandler,
  createLeadCall,
  type SimulatorStats,
  type StorageV1,
  simulatedTelephony,
} from '@leadcall/core'
import { type Accounting, accountLeads } from './account-leads.js'
import { LatencyLog } from './latency-window.js'
import { LeadOutcomes } from './lead-outcomes.js'
import type { SoakStorage } from './soak-options.js'

export interface SoakRunOptions {
  storage: SoakStorage
  store: StorageV1
  rate: number
  durationSec: number
  agents: number
}

export interface SoakFigures extends Accounting {
  storage: SoakStorage
  rate: number
  durationSec: number
  /** Leads sent. */
  submitted: number
  /** Processes their answers named (a lead joining an open process with its number names that one). */
  processes: number
  achievedRate: number
  /** Answers other than 200/202 and the rejections of the pipeline: 5xx, or a request that threw. */
  httpErrors: number
  firstError?: string
  heap: {
    warmUpBytes: number
    endBytes: number
    /** Growth of the whole heap from warm-up to the end (the target's figure). */
    growthPct: number
  }
  /** How long closed processes, records and idempotency keys were kept (ms). */
  retentionMs: number
  /** Documents in the store's namespace at warm-up and at the end of the load. */
  storeDocuments: { warmUp: number; end: number }
  p99: { firstMs: number; lastMs: number; drift: number; windowSec: number; tenths: number[] }
  /** Time spent in garbage collection during the first and the last window (ms). */
  gcMs: { first: number; last: number }
  /** The simulated provider's counters at the end. */
  provider: SimulatorStats
}

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc
  if (!collect) throw new Error('Run with --expose-gc: the heap is sampled after a full collection')
  collect()
  collect()
}
const heapUsed = (): number => {
  gc()
  return process.memoryUsage().heapUsed
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** A valid US number per lead index, from a pool of `pool` numbers. */
const phone = (i: number, pool: number) => {
  const n = i % pool
  return `+1 212 ${200 + Math.floor(n / 10_000)} ${String(n % 10_000).padStart(4, '0')}`
}

/** Documents in a namespace (read page by page). */
async function countDocuments(store: StorageV1, ns: string): Promise<number> {
  let count = 0
  let cursor: string | undefined
  do {
    const page = await store.list(ns, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) })
    count += page.entries.length
    cursor = page.cursor
  } while (cursor !== undefined)
  return count
}

export async function runSoak(options: SoakRunOptions): Promise<SoakFigures> {
  const { rate, durationSec, store } = options
  const durationMs = durationSec * 1000
  // The p99 of the first and the last window are compared: a minute, or a fifth of a short run.
  const windowMs = durationSec >= 300 ? 60_000 : durationMs * 0.2
  // The store fills for one retention, then holds steady: a third of the first window, so that both
  // windows measure mostly the steady state, not an empty store against a full one.
  const retentionMs = Math.max(1_000, Math.round(windowMs / 3))
  const phones = Math.max(100, Math.round((rate * retentionMs) / 1000))
  // Short calls free the agents quickly; one lead in ten does not answer: its ring is given up
  // after 3 s (not 30) and it is re-dialed a second later (compliance's spacing of attempts
  // shortened to match), so no-answers, re-dials and final failures all run during the soak.
  const telephony = simulatedTelephony({
    seed: 42,
    ringMs: 40,
    talkMs: 150,
    agentAnswerRate: 1,
    answerRate: 0.9,
    historyLimit: 1000,
  })
  const app = createLeadCall({
    storage: store,
    tenant: 'soak',
    telephony,
    compliance: { callingHours: false, minDelayBetweenAttemptsMs: 1000, maxAttemptsPerDay: 1_000_000 },
    pipeline: {
      redialBackoffMs: [1000, 2000],
      noAnswerTimeoutMs: 3000,
      closedRetentionMs: retentionMs,
      dedupeWindowMs: retentionMs,
    },
    tracking: { recordRetentionMs: retentionMs },
  })
  for (let i = 1; i <= options.agents; i++)
    await app.agents.upsert({ id: `agent-${i}`, name: `Agent ${i}`, status: 'available', capacity: 10 })
  const handler = createHttpHandler(app, { metrics: false, dashboard: false })
  const capacity = Math.ceil(rate * durationSec * 1.05) + 1000
  const outcomes = new LeadOutcomes(capacity)
  app.on('lead.completed', (event) => outcomes.addEnded(event.processId, 'completed'))
  app.on('lead.failed', (event) => outcomes.addEnded(event.processId, 'failed'))
  const latency = new LatencyLog(capacity)
  let httpErrors = 0
  let firstError: string | undefined
  let inFlight = 0

  async function send(index: number, sentAt: number): Promise<void> {
    const lead = {
      name: `Soak Lead ${index}`,
      phone: phone(index, phones),
      source: 'soak',
      externalId: `soak-${index}`,
    }
    try {
      const response = await handler(
        new Request('http://soak.local/leads', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(lead),
        }),
      )
      const body = (await response.json()) as {
        processId?: string
        error?: { code: string; message: string; details?: { processId?: string } }
      }
      latency.add(sentAt, performance.now() - sentAt)
      // A number that recurs while its process is still open joins it (409 DUPLICATE_LEAD).
      const joined = response.status === 409 && body.error?.code === 'DUPLICATE_LEAD'
      const processId = body.processId ?? (joined ? body.error?.details?.processId : undefined)
      if (processId) outcomes.addSubmitted(processId)
      if (response.status >= 500 || !processId) {
        httpErrors++
        firstError ??= `${response.status} ${JSON.stringify(body.error)}`
      }
    } catch (error) {
      httpErrors++
      firstError ??= String(error)
    }
  }

  const gcPauses: { at: number; ms: number }[] = []
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push({ at: entry.startTime, ms: entry.duration })
  })
  gcObserver.observe({ entryTypes: ['gc'] })
  const start = performance.now()
  const warmUpAt = start + durationMs * 0.2
  let warm: { bytes: number; documents: number } | undefined
  let sent = 0
  const requests = new Set<Promise<void>>()
  for (;;) {
    const now = performance.now()
    if (now - start >= durationMs) break
    if (!warm && now >= warmUpAt)
      warm = { bytes: heapUsed(), documents: await countDocuments(store, app.tenant) }
    const due = Math.floor(((now - start) / 1000) * rate)
    // Open loop, bounded: at most two seconds' worth of requests wait at once.
    while (sent < due && inFlight < rate * 2) {
      const index = sent++
      inFlight++
      const request = send(index, performance.now()).finally(() => {
        inFlight--
        requests.delete(request)
      })
      requests.add(request)
    }
    await sleep(5)
  }
  const loadMs = performance.now() - start
  await Promise.all(requests)
  gcObserver.disconnect()
  // The end of the load is sampled before the drain: the heap and the store as the load left them.
  const endBytes = heapUsed()
  const endDocuments = await countDocuments(store, app.tenant)
  const warmUp = warm ?? { bytes: endBytes, documents: endDocuments }
  const accounting = await accountLeads(app, outcomes, 120_000)
  const provider = { ...telephony.stats }
  await app.close().catch(() => undefined)

  const first = latency.p99(start, start + windowMs)
  const last = latency.p99(start + loadMs - windowMs, start + loadMs + 1)
  const gcIn = (from: number, to: number) =>
    gcPauses.filter((p) => p.at >= from && p.at < to).reduce((sum, p) => sum + p.ms, 0)
  const firstMs = first?.p99 ?? Number.NaN
  const lastMs = last?.p99 ?? Number.NaN
  return {
    storage: options.storage,
    rate,
    durationSec,
    submitted: sent,
    processes: outcomes.submitted,
    achievedRate: sent / (loadMs / 1000),
    httpErrors,
    ...(firstError === undefined ? {} : { firstError }),
    heap: {
      warmUpBytes: warmUp.bytes,
      endBytes,
      growthPct: ((endBytes - warmUp.bytes) / warmUp.bytes) * 100,
    },
    retentionMs,
    storeDocuments: { warmUp: warmUp.documents, end: endDocuments },
    p99: {
      firstMs,
      lastMs,
      drift: lastMs / firstMs,
      windowSec: windowMs / 1000,
      // The p99 of each tenth of the run: a steady climb is the code, a lone spike the machine.
      tenths: Array.from(
        { length: 10 },
        (_, i) => latency.p99(start + (loadMs * i) / 10, start + (loadMs * (i + 1)) / 10)?.p99 ?? Number.NaN,
      ),
    },
    gcMs: { first: gcIn(start, start + windowMs), last: gcIn(start + loadMs - windowMs, start + loadMs + 1) },
    provider,
    ...accounting,
  }
}
