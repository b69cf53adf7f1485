import {
  createLeadCall,
  isLeadCallError,
  memoryStorage,
  type Priority,
  seededRandom,
  simulatedTelephony,
} from '@leadcall/core'
import { demoAgents, sampleLeads } from './sample-data.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** How many leads arrive (default 60). */
  leads?: number
  /**
   * How many agents (default 5): the sample agents first (one of them on a break), then generated
   * ones, see {@link demoAgents}.
   */
  agents?: number
  /** Over how long they arrive (ms, default 20 s). */
  spreadMs?: number
  /** Talk time of an answered call (ms, default 1 s). */
  talkMs?: number
  /** Ring time (ms, default 0.5 s). */
  ringMs?: number
  /** A call not answered after this long is canceled; the lead is re-dialed once (ms, default 4 s). */
  noAnswerMs?: number
  /** Seed of every random draw: leads' priorities, call outcomes, ties between agents (default 7). */
  seed?: number
  /** Called on every change, for a live progress line. */
  onProgress?: (progress: DemoProgress) => void
}

/** Counters while the demo runs. */
export interface DemoProgress {
  /** Leads received by the pipeline. */
  received: number
  /** Times a lead was queued (no agent free, or waiting for a re-dial). */
  queued: number
  /** Dials started (re-dials included). */
  dialing: number
  /** Leads whose call was answered and completed. */
  completed: number
  /** Leads that reached their end without a completed call. */
  failed: number
  /** Leads refused at intake (no or invalid phone number). */
  rejected: number
  /** How many leads the demo sends. */
  total: number
}

/** One agent's figures at the end. */
export interface AgentRow {
  /** The agent's name. */
  agent: string
  /** Leads the distribution engine assigned to the agent. */
  assigned: number
  /** The agent's calls the lead answered. */
  answered: number
  /** Talk time of those calls (whole seconds). */
  talkSec: number
}

/** What the demo measured. */
export interface DemoSummary {
  /** The counters at the end. */
  progress: DemoProgress
  /** One row per agent, in the engine's order. */
  agents: AgentRow[]
  /** Received → dial started (ms). */
  speedToDial: number[]
  /** Received → answered (ms). */
  speedToAnswer: number[]
  /** Sample leads that were refused at intake, by error code. */
  refused: Record<string, number>
}

const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'normal', 'normal', 'low']

/**
 * Runs the demo on the embedded defaults: memory storage, the simulated provider, five agents (by
 * default) and leads arriving over time with mixed priorities, in real time. No configuration, no
 * network, no keys.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const total = options.leads ?? 60
  const spreadMs = options.spreadMs ?? 20_000
  const random = seededRandom(options.seed ?? 7)
  const telephony = simulatedTelephony({
    seed: options.seed ?? 7,
    ringMs: options.ringMs ?? 500,
    talkMs: options.talkMs ?? 1_000,
    latencyMs: 50,
  })
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony,
    distribution: { random: seededRandom(options.seed ?? 7) },
    // Demo leads come from everywhere at any hour, and the run is short: no calling hours, and
    // re-dials a few seconds apart instead of minutes. A lead is dialed up to 6 times (3 agents, one
    // re-dial): the default cap of 3 dials a day would park the rest until tomorrow, and the demo
    // waits for every lead to end.
    compliance: { callingHours: false, minDelayBetweenAttemptsMs: 1_000, maxAttemptsPerDay: 10 },
    pipeline: {
      redialBackoffMs: [(options.noAnswerMs ?? 4_000) / 2],
      noAnswerTimeoutMs: options.noAnswerMs ?? 4_000,
    },
  })
  for (const agent of demoAgents(options.agents)) await app.agents.upsert({ ...agent, status: 'available' })

  const progress: DemoProgress = {
    received: 0,
    queued: 0,
    dialing: 0,
    completed: 0,
    failed: 0,
    rejected: 0,
    total,
  }
  const received = new Map<string, number>()
  const speedToDial: number[] = []
  const speedToAnswer: number[] = []
  const answeredCalls = new Set<string>()
  const dialed = new Set<string>()
  const refused: Record<string, number> = {}
  const report = () => options.onProgress?.({ ...progress })
  let settle: () => void = () => {}
  const allDone = new Promise<void>((resolve) => {
    settle = resolve
  })
  const checkDone = () => {
    if (progress.completed + progress.failed + progress.rejected >= total) settle()
  }

  app.on('lead.received', (e) => {
    received.set(e.processId, Date.parse(e.at))
    progress.received++
    report()
  })
  app.on('lead.queued', () => {
    progress.queued++
    report()
  })
  app.on('call.started', (e) => {
    progress.dialing++
    const start = received.get(e.processId)
    // Speed to lead is about the first dial of each lead; re-dials do not count.
    if (start !== undefined && !dialed.has(e.processId)) speedToDial.push(Date.parse(e.at) - start)
    dialed.add(e.processId)
    report()
  })
  app.on('call.status', (e) => {
    if (e.status !== 'answered' || answeredCalls.has(e.processId)) return
    answeredCalls.add(e.processId)
    const start = received.get(e.processId)
    if (start !== undefined) speedToAnswer.push(Date.parse(e.at) - start)
  })
  app.on('lead.completed', () => {
    progress.completed++
    report()
    checkDone()
  })
  app.on('lead.failed', () => {
    progress.failed++
    report()
    checkDone()
  })

  const inputs = leadInputs(total, random)
  const submissions: Promise<void>[] = []
  for (const input of inputs) {
    await sleep(spreadMs / total)
    submissions.push(
      app.submitLead(input).then(
        () => undefined,
        (error: unknown) => {
          if (!isLeadCallError(error)) throw error
          refused[error.code] = (refused[error.code] ?? 0) + 1
          progress.rejected++
          report()
          checkDone()
        },
      ),
    )
  }
  // leadcall's own timers never hold a process open (a host's server does): the demo holds it
  // until every lead reached its end.
  const keepAlive = setInterval(() => {}, 1_000)
  await Promise.all(submissions)
  await allDone
  clearInterval(keepAlive)

  const stats = await app.distribution.stats()
  const agents: AgentRow[] = []
  for (const s of stats) {
    let answered = 0
    let talkMs = 0
    for (const call of telephony.calls()) {
      if (call.agentId !== s.agentId) continue
      const answer = call.events.find((e) => e.type === 'answered')
      const end = call.events.find((e) => e.type === 'completed')
      if (!answer) continue
      answered++
      if (end) talkMs += Date.parse(end.at) - Date.parse(answer.at)
    }
    agents.push({ agent: s.name, assigned: s.assigned, answered, talkSec: Math.round(talkMs / 1000) })
  }
  await app.close()
  return { progress, agents, speedToDial, speedToAnswer, refused }
}

/** `count` leads: the sample payloads first (some refused at intake), then generated ones. */
function leadInputs(count: number, random: () => number): unknown[] {
  const out: unknown[] = [...sampleLeads].slice(0, count)
  for (let i = out.length; i < count; i++) {
    const priority = PRIORITIES[Math.floor(random() * PRIORITIES.length)]
    out.push({
      name: `Lead ${i + 1}`,
      phone: `+1 415 555 ${String(1000 + i).slice(-4)}`,
      email: `lead${i + 1}@example.com`,
      priority,
      source: 'web-form',
      externalId: `form-${i + 1}`,
    })
  }
  return out
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
