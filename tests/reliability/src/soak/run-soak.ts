/**
 * One soak run on one storage: 20 always-available agents, the simulated provider with short calls
 * (so agents free up), and the HTTP handler called directly (in process, no socket) at a steady
 * rate; then heap, latency drift and the accounting of every lead.
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
import { ProcessIdLog } from './process-ids.js'
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
  submitted: number
  achievedRate: number
  /** Answers other than 200/202 and the rejections of the pipeline: 5xx, or a request that threw. */
  httpErrors: number
  firstError?: string
  heap: {
    warmUpBytes: number
    endBytes: number
    /** Growth of the whole heap from warm-up to the end. */
    rawGrowthPct: number
    /** Memory storage: bytes its data held at the end (freed when it was closed), per lead. */
    storeBytesPerLead?: number
    /** Growth with the store's own data taken out at both points (the target's figure). */
    growthPct: number
  }
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
/** A distinct, valid US number per lead index. */
const phone = (i: number) => `+1 212 ${200 + Math.floor(i / 10_000)} ${String(i % 10_000).padStart(4, '0')}`

export async function runSoak(options: SoakRunOptions): Promise<SoakFigures> {
  const { rate, durationSec, store } = options
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
    compliance: { callingHours: false, minDelayBetweenAttemptsMs: 1000 },
    pipeline: { redialBackoffMs: [1000, 2000], noAnswerTimeoutMs: 3000 },
  })
  for (let i = 1; i <= options.agents; i++)
    await app.agents.upsert({ id: `agent-${i}`, name: `Agent ${i}`, status: 'available', capacity: 10 })
  const handler = createHttpHandler(app, { metrics: false, dashboard: false })
  const capacity = Math.ceil(rate * durationSec * 1.05) + 1000
  const ids = new ProcessIdLog(capacity)
  const latency = new LatencyLog(capacity)
  let httpErrors = 0
  let firstError: string | undefined
  let inFlight = 0

  async function send(index: number, sentAt: number): Promise<void> {
    const lead = {
      name: `Soak Lead ${index}`,
      phone: phone(index),
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
        error?: { code: string; message: string }
      }
      latency.add(sentAt, performance.now() - sentAt)
      if (body.processId) ids.add(body.processId)
      if (response.status >= 500 || !body.processId) {
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
  const durationMs = durationSec * 1000
  const start = performance.now()
  const warmUpAt = start + durationMs * 0.2
  let warm: { bytes: number; leads: number } | undefined
  let sent = 0
  const requests = new Set<Promise<void>>()
  for (;;) {
    const now = performance.now()
    if (now - start >= durationMs) break
    if (!warm && now >= warmUpAt) warm = { bytes: heapUsed(), leads: ids.size }
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
  const accounting = await accountLeads(app, ids, 120_000)
  const provider = { ...telephony.stats }
  const endBytes = heapUsed()
  const warmUp = warm ?? { bytes: endBytes, leads: ids.size }

  // The memory store keeps every process, call and record by design (nothing expires within the
  // run): its data is dropped here and weighed, and taken out of both samples in proportion.
  let storeBytesPerLead: number | undefined
  let growthBase = warmUp.bytes
  let growthEnd = endBytes
  if (options.storage === 'memory') {
    await store.close?.()
    const withoutStore = heapUsed()
    storeBytesPerLead = Math.max(0, endBytes - withoutStore) / Math.max(1, ids.size)
    growthBase = warmUp.bytes - storeBytesPerLead * warmUp.leads
    growthEnd = withoutStore
  }
  await app.close().catch(() => undefined)

  const windowMs = durationSec >= 300 ? 60_000 : durationMs * 0.2
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
    achievedRate: sent / (loadMs / 1000),
    httpErrors,
    ...(firstError === undefined ? {} : { firstError }),
    heap: {
      warmUpBytes: warmUp.bytes,
      endBytes,
      rawGrowthPct: ((endBytes - warmUp.bytes) / warmUp.bytes) * 100,
      ...(storeBytesPerLead === undefined ? {} : { storeBytesPerLead }),
      growthPct: ((growthEnd - growthBase) / growthBase) * 100,
    },
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
