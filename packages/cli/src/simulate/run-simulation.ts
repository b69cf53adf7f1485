import { performance } from 'node:perf_hooks'
import { createLeadCall, LeadCallError, memoryStorage, seededRandom } from '@leadcall/core'
import { coefficientOfVariation, percentile } from '../stats/percentile.js'
import { drawCallFate } from './call-fate.js'
import { type SimulatedAgent, type SimulatedLead, simulatedAgents, simulatedLeads } from './population.js'
import { type SimulationOptions, type SimulationSettings, simulationSettings } from './simulation-settings.js'
import { SIMULATED_STRATEGIES, type SimulatedStrategyName } from './strategies.js'
import { createVirtualScheduler } from './virtual-scheduler.js'
import { virtualTelephony } from './virtual-telephony.js'

export { type SimulationOptions, type SimulationSettings, simulationSettings } from './simulation-settings.js'

/** Where virtual time starts: a Monday, 14:00 UTC (the clock only matters for day boundaries). */
const START = Date.UTC(2026, 0, 5, 14, 0, 0)
/** The longest timer Node takes: the pipeline's own pollers are parked there, the driver polls instead. */
const MAX_TIMER_MS = 2_147_483_647
/** How often the driver looks at the queue, as the pipeline's poller does by default (virtual ms). */
const POLL_MS = 1_000
/** How long an agent the engine put on a break (missed calls in a row) stays away (virtual ms). */
const BREAK_MS = 5 * 60_000
/** How long after the last arrival a run may go on before it is declared stuck (virtual ms). */
const SETTLE_LIMIT_MS = 7 * 86_400_000

/** Percentiles of a duration (ms); `null` when nothing was measured. */
export interface DurationSummary {
  /** The median. */
  p50: number | null
  /** The 95th percentile. */
  p95: number | null
  /** How many values. */
  count: number
}

/** What one strategy did with the simulated leads. */
export interface StrategyResult {
  /** The strategy's name. */
  strategy: SimulatedStrategyName
  /** How the leads ended. */
  outcomes: {
    /** Leads whose call was answered and completed. */
    completed: number
    /** Leads that ended without a completed call (not answered after the re-dials, every agent tried …). */
    failed: number
    /** The failures by error code. */
    failuresByCode: Record<string, number>
  }
  /** How evenly the distribution engine assigned leads (its own `assigned` count per agent). */
  balance: {
    /** Most leads assigned to one agent. */
    maxAssigned: number
    /** Fewest leads assigned to one agent. */
    minAssigned: number
    /** Standard deviation over mean of the assigned counts. */
    coefficientOfVariation: number | null
  }
  /** Leads assigned per agent id. */
  assignedByAgent: Record<string, number>
  /** Speed to lead: received → first dial started. */
  speedToLead: DurationSummary
  /** Leads that talked to an agent (their call was answered), over all leads (0–1). */
  answerRate: number
  /** Waiting for a free agent before the first dial, over the leads that had to (`count`). */
  queueWait: DurationSummary
  /** Dials placed (agent retries and re-dials included). */
  dials: number
  /** Times the engine sent an agent on a break for missed calls in a row (back 5 min later). */
  agentBreaks: number
  /** Virtual time from the start of the run to the last lead's end (ms). */
  simulatedMs: number
  /** Real time the run took (ms). */
  wallMs: number
}

/** What {@link runSimulation} measured. */
export interface SimulationReport {
  /** The settings, defaults applied. */
  settings: SimulationSettings
  /** One result per strategy, in the order run. */
  results: StrategyResult[]
}

function durations(values: readonly number[]): DurationSummary {
  return {
    p50: percentile(values, 50) ?? null,
    p95: percentile(values, 95) ?? null,
    count: values.length,
  }
}

/**
 * Runs every strategy of the settings on the same simulated leads, one after the other, and
 * measures what each did. Each run is the real pipeline — `createLeadCall` with memory storage, the
 * strategy, and a telephony provider that places no call — on virtual time: the app's clock (`now`),
 * the storage's clock and the calls' events all follow a discrete-event scheduler, so hours of
 * traffic take seconds, and the same seed gives the same figures.
 *
 * Every strategy sees the same agents, the same arrival times, and the same fate for the n-th call
 * of each lead (whether the lead answers or is busy, ring and talk times, and the draw that decides
 * whether the agent picks up, against that agent's own pick-up rate). The pipeline runs with its
 * defaults (no-answer timeout 30 s, re-dials after 1 and 5 min, up to 3 agents per lead, no
 * wrap-up), no calling hours, at most 10 dials a day per number; the driver looks at the queue every
 * second as the pipeline's poller does, and an agent the engine puts on a break for missed calls
 * comes back 5 minutes later.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for a bad option; `CALL_FAILED` when the pipeline
 * itself failed during a run (its figures would not be trustworthy).
 */
export async function runSimulation(options: SimulationOptions = {}): Promise<SimulationReport> {
  const settings = simulationSettings(options)
  const agents = simulatedAgents(settings.agents, settings.seed, settings.pickUpRate)
  const leads = simulatedLeads(settings.leads, settings.seed, settings.meanGapMs)
  const results: StrategyResult[] = []
  for (const strategy of settings.strategies) {
    const result = await simulateStrategy(strategy, settings, agents, leads)
    results.push(result)
    options.onResult?.(result)
  }
  return { settings, results }
}

/** `+1 415 555 0001` → `+14155550001`, as the pipeline normalizes the simulated numbers. */
function e164(phone: string): string {
  return phone.replaceAll(' ', '')
}

async function simulateStrategy(
  strategy: SimulatedStrategyName,
  settings: SimulationSettings,
  agents: readonly SimulatedAgent[],
  leads: readonly SimulatedLead[],
): Promise<StrategyResult> {
  const wallStart = performance.now()
  const scheduler = createVirtualScheduler(START)
  const now = scheduler.now
  const rates = { ringMs: settings.ringMs, talkMs: settings.talkMs, answerRate: settings.answerRate }
  const leadByPhone = new Map(leads.map((lead) => [e164(lead.input.phone), lead.index]))
  const pickUpRate = new Map(agents.map((agent) => [agent.input.id, agent.pickUpRate]))
  const capacity = new Map(agents.map((agent) => [agent.input.id, agent.input.capacity ?? 1]))
  const dialsOfLead = new Map<number, number>()
  const failures: unknown[] = []

  const telephony = virtualTelephony({
    scheduler,
    plan(request) {
      const lead = leadByPhone.get(request.lead.phone)
      if (lead === undefined)
        throw new LeadCallError('VALIDATION_FAILED', {
          message: `A dial to an unknown number: ${request.lead.phone}`,
        })
      const dial = dialsOfLead.get(lead) ?? 0
      dialsOfLead.set(lead, dial + 1)
      const fate = drawCallFate(settings.seed, lead, dial, rates)
      return {
        agentAnswers: fate.agentDraw < (pickUpRate.get(request.agent.id) ?? 0),
        agentRingMs: fate.agentRingMs,
        leadResponse: fate.leadResponse,
        leadRingMs: fate.leadRingMs,
        talkMs: fate.talkMs,
      }
    },
  })
  const app = createLeadCall({
    storage: memoryStorage({ now }),
    telephony,
    now,
    distribution: { strategy: SIMULATED_STRATEGIES[strategy].create(), random: seededRandom(settings.seed) },
    compliance: { callingHours: false, maxAttemptsPerDay: 10 },
    // The pipeline's own pollers run on real timers: parked, the driver below polls in virtual time.
    pipeline: { contactSync: 'off', pollMs: MAX_TIMER_MS, presencePollMs: 0 },
  })

  try {
    for (const agent of agents) await app.agents.upsert(agent.input)

    const received = new Map<string, number>()
    const waitingSince = new Map<string, number>()
    const dialed = new Set<string>()
    const answered = new Set<string>()
    const speedToLead: number[] = []
    const queueWaits: number[] = []
    const failuresByCode: Record<string, number> = {}
    let completed = 0
    let failed = 0
    let agentBreaks = 0
    const ended = () => completed + failed

    app.on('lead.received', (e) => {
      received.set(e.processId, Date.parse(e.at))
    })
    app.on('lead.queued', (e) => {
      if (e.reason === 'NO_AGENTS_AVAILABLE' && !dialed.has(e.processId) && !waitingSince.has(e.processId))
        waitingSince.set(e.processId, Date.parse(e.at))
    })
    app.on('call.started', (e) => {
      if (dialed.has(e.processId)) return
      dialed.add(e.processId)
      const at = Date.parse(e.at)
      const start = received.get(e.processId)
      if (start !== undefined) speedToLead.push(at - start)
      const since = waitingSince.get(e.processId)
      if (since !== undefined) queueWaits.push(at - since)
    })
    app.on('call.status', (e) => {
      if (e.status === 'answered') answered.add(e.processId)
    })
    app.on('lead.completed', () => {
      completed++
    })
    app.on('lead.failed', (e) => {
      failed++
      failuresByCode[e.code] = (failuresByCode[e.code] ?? 0) + 1
    })
    app.on('agent.status', (e) => {
      if (e.status !== 'break' || e.source !== 'system') return
      agentBreaks++
      scheduler.after(BREAK_MS, () => {
        app.agents.setStatus(e.agentId, 'available').catch((error: unknown) => failures.push(error))
      })
    })

    for (const lead of leads) {
      scheduler.at(START + lead.arrivalMs, () => {
        app.submitLead(lead.input).catch((error: unknown) => {
          // Every simulated lead is valid: a refusal at intake is a failure of the run.
          failures.push(error)
        })
      })
    }

    // The pipeline's poller, in virtual time: waiting leads whose time came (re-dials, rate limits)
    // are dispatched when an agent is free; a free agent already triggers a dispatch by itself.
    const poll = async () => {
      if ((await app.queue.size()) === 0) return
      const free = (await app.distribution.stats()).some(
        (agent) => agent.status === 'available' && agent.active < (capacity.get(agent.agentId) ?? 1),
      )
      if (free) await app.queue.dispatch()
    }
    const tick = () => {
      if (ended() >= leads.length) return
      poll().catch((error: unknown) => failures.push(error))
      scheduler.after(POLL_MS, tick)
    }
    scheduler.after(POLL_MS, tick)

    const lastArrival = leads.at(-1)?.arrivalMs ?? 0
    await scheduler.run({
      done: () => failures.length > 0 || telephony.sinkErrors.length > 0 || ended() >= leads.length,
      deadline: START + lastArrival + SETTLE_LIMIT_MS,
    })
    const problem = failures[0] ?? telephony.sinkErrors[0]
    if (problem !== undefined) {
      throw new LeadCallError('CALL_FAILED', {
        message: `The pipeline failed during the ${strategy} simulation: ${
          problem instanceof Error ? problem.message : String(problem)
        }`,
        cause: problem,
        retryable: false,
      })
    }

    const stats = await app.distribution.stats()
    const assignedByAgent: Record<string, number> = {}
    for (const agent of stats) assignedByAgent[agent.agentId] = agent.assigned
    const assigned = stats.map((agent) => agent.assigned)
    return {
      strategy,
      outcomes: { completed, failed, failuresByCode },
      balance: {
        maxAssigned: Math.max(...assigned),
        minAssigned: Math.min(...assigned),
        coefficientOfVariation: coefficientOfVariation(assigned),
      },
      assignedByAgent,
      speedToLead: durations(speedToLead),
      answerRate: answered.size / leads.length,
      queueWait: durations(queueWaits),
      dials: telephony.dials,
      agentBreaks,
      simulatedMs: now() - START,
      wallMs: Math.round(performance.now() - wallStart),
    }
  } finally {
    await app.close()
  }
}
