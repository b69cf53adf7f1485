/**
 * The simulated telephony provider: {@link simulatedTelephony}.
 *
 * @module
 */
import { z } from 'zod'
import { seededRandom } from '../distribution/random.js'
import type { Agent } from '../domain/agent.js'
import type { CallEvent } from '../domain/call-event.js'
import type { CallStatus } from '../domain/call-session.js'
import type { Lead } from '../domain/lead.js'
import { LeadCallError, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import { validationError } from '../errors/validation.js'
import { createIsoFormatter } from '../util/iso-time.js'
import {
  DRAWS_PER_DIAL,
  drawCallPlan,
  planSteps,
  type SimulatedCallPlan,
  type SimulatedStep,
} from './simulated-call-plan.js'
import type {
  AgentPresenceReport,
  CallEventSink,
  ContactSyncResult,
  DialRequest,
  DialResult,
  ProviderCallOptions,
  TelephonyCapabilities,
  TelephonyProviderV1,
} from './telephony-provider.js'

export type {
  SimulatedCallOutcome,
  SimulatedCallPlan,
  SimulatedLeadResponse,
} from './simulated-call-plan.js'

/** The longest delay `setTimeout` takes without overflowing (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647
/** The most events kept while no sink is connected; older ones are dropped first. */
const BUFFER_LIMIT = 10_000

/**
 * The agents a simulator reports online: their provider ids (`agent.providerRefs[name]`, else
 * `agent.id`), as an iterable (a `Set`, an array) read at every use, or a function returning one.
 */
export type SimulatedAgentsOnline = Iterable<string> | (() => Iterable<string>)

/** Options of {@link simulatedTelephony}; every one is optional. */
export interface SimulatedTelephonyOptions {
  /** The provider's name, in every event and keying `agent.providerRefs` (default `simulator`). */
  name?: string
  /** Seed of the random draws (default: a random one, see {@link SimulatedTelephony.seed}). */
  seed?: number
  /**
   * Time every request takes before it is answered (ms, default 0): `dial`, `syncContact` and
   * `listAgentPresence`. 100 stands for one network round trip in the benchmarks.
   */
  latencyMs?: number
  /** Mean time each leg rings before it answers (ms, default 3000), ±30% seeded jitter. */
  ringMs?: number
  /** Mean conversation time once the lead answered (ms, default 60000), ±50% seeded jitter. */
  talkMs?: number
  /** Probability that the agent picks up (default 0.95); otherwise the agent's leg ends `no_answer`. */
  agentAnswerRate?: number
  /**
   * Probability that the lead picks up once the agent did (default 0.8); otherwise the lead's leg
   * ends `busy` one time in four, `no_answer` the other three.
   */
  answerRate?: number
  /** Probability that the provider refuses a dial request with `CALL_FAILED` (default 0). */
  failRate?: number
  /** Probability that an answered call was answered by a machine (default 0). */
  machineRate?: number
  /**
   * The agents online, reported by `listAgentPresence`; a dial to an agent not among them is refused
   * with `AGENT_NOT_AVAILABLE`. Default: every agent is available.
   */
  agentsOnline?: SimulatedAgentsOnline
  /**
   * How many ended calls {@link SimulatedTelephony.calls} keeps, oldest forgotten first (default
   * 10,000); their dial records and the synced contacts are bounded the same way.
   */
  historyLimit?: number
}

/** Counters of a simulated provider, see {@link SimulatedTelephony.stats}. */
export interface SimulatorStats {
  /** Dial requests that placed a call. */
  dials: number
  /** Dial requests refused: by `failRate`, or because the agent was not online. */
  dialsRefused: number
  /** Dial requests that repeated an `attemptId` and were answered with the first one's call. */
  dialsDeduplicated: number
  /** Dial requests aborted by their signal before the call was placed. */
  dialsAborted: number
  /** Calls the lead answered (`answered` events). */
  answered: number
  /** Of those, answered by a machine. */
  answeredByMachine: number
  /** Calls the agent did not answer (`no_answer` with `party: 'agent'`). */
  agentNoAnswer: number
  /** Calls the lead did not answer, ring timeouts included (`no_answer` with `party: 'lead'`). */
  leadNoAnswer: number
  /** Calls that found the lead's line busy. */
  busy: number
  /** Calls that ended `completed`. */
  completed: number
  /** Calls hung up before the lead answered (`canceled`). */
  canceled: number
  /** Events the sink threw on or rejected. */
  sinkErrors: number
  /** Events dropped because no sink was connected and the buffer was full. */
  eventsDropped: number
  /** Contacts synced (created or updated). */
  contactsSynced: number
}

/** One call placed by a simulated provider, as {@link SimulatedTelephony.calls} lists it. */
export interface SimulatedCall {
  /** The simulator's id of the call, `sim-<n>`. */
  providerCallId: string
  /** The dial attempt that placed it. */
  attemptId: string
  /** The lead process of the dial. */
  processId: string
  /** The agent's leadcall id. */
  agentId: string
  /** The agent's id at the simulator (`agent.providerRefs[name]`, else `agent.id`). */
  providerAgentId: string
  /** The lead's leadcall id. */
  leadId: string
  /** The lead's phone number. */
  leadPhone: string
  /** When the dial request was accepted (ISO 8601). */
  startedAt: string
  /** When the agent picked up, if they did (ISO 8601). */
  agentAnsweredAt?: string
  /** The status of the last event emitted, `queued` before the first. */
  status: CallStatus
  /** True once an ending was emitted. */
  ended: boolean
  /** The call's fate as drawn when it was placed. */
  plan: SimulatedCallPlan
  /** Every event emitted for the call, oldest first. */
  events: CallEvent[]
}

/**
 * A simulated telephony provider, see {@link simulatedTelephony}: a {@link TelephonyProviderV1}
 * with every optional operation, plus what tests and the demo inspect.
 */
export interface SimulatedTelephony extends TelephonyProviderV1 {
  /** The seed of the random draws: pass it back as the `seed` option to replay a run. */
  readonly seed: number
  /** A snapshot of the counters. */
  readonly stats: SimulatorStats
  /** Every call in progress and the last `historyLimit` ended ones, in the order they were placed. */
  calls(): SimulatedCall[]
  /**
   * Ends a call in progress: `canceled` before the lead answered, `completed` after. A call that
   * already ended is left alone.
   *
   * @throws {LeadCallError} `VALIDATION_FAILED` with status 404 for an unknown call id.
   */
  hangup(providerCallId: string, options?: ProviderCallOptions): Promise<void>
  /** Creates the lead's contact, `sim-contact-<n>`, or finds the one with the same phone (`updated: true`). */
  syncContact(lead: Lead, options?: ProviderCallOptions): Promise<ContactSyncResult>
  /** The agents online (`available`, or `on_call` during a simulated call) and the known ones offline. */
  listAgentPresence(options?: ProviderCallOptions): Promise<AgentPresenceReport[]>
  /** Sets where events go; events emitted before are delivered to it at once. */
  connect(sink: CallEventSink): void
  /** Clears every timer: no event is emitted afterwards and pending requests reject. */
  close(): Promise<void>
}

function isAgentsOnline(value: unknown): value is SimulatedAgentsOnline {
  if (typeof value === 'function') return true
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  )
}

const rate = z.number().min(0).max(1)
const milliseconds = z.number().min(0).max(MAX_TIMER_MS)

const OptionsSchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  seed: z.number().optional(),
  latencyMs: milliseconds.optional(),
  ringMs: milliseconds.optional(),
  talkMs: milliseconds.optional(),
  agentAnswerRate: rate.optional(),
  answerRate: rate.optional(),
  failRate: rate.optional(),
  machineRate: rate.optional(),
  agentsOnline: z
    .custom<SimulatedAgentsOnline>(isAgentsOnline, {
      message: 'Expected a function or an iterable (Set, array) of agent ids',
    })
    .optional(),
  historyLimit: z.number().int().min(0).optional(),
})

const DialRequestCheck = z.object({
  attemptId: z.string().min(1).max(128),
  processId: z.string().min(1).max(128),
  timeoutMs: z.number().positive().max(MAX_TIMER_MS),
  agent: z.object({ id: z.string().min(1) }),
  lead: z.object({ id: z.string().min(1), phone: z.string().min(1) }),
})

const LeadCheck = z.object({ phone: z.string().min(1) })

type Timer = ReturnType<typeof setTimeout>

/** A dial whose latency is running; every request with its attemptId waits on it. */
interface PendingDial {
  kind: 'pending'
  promise: Promise<DialResult>
  /** Requests waiting on it; when every one of them aborted, the dial is dropped. */
  waiters: number
  /** True once the latency elapsed (placed or refused). */
  settled: boolean
  controller: AbortController
}

interface PlacedDial {
  kind: 'placed'
  result: DialResult
}

interface CallState {
  readonly id: string
  readonly request: DialRequest
  readonly providerAgentId: string
  readonly startedMs: number
  readonly startedAt: string
  readonly plan: SimulatedCallPlan
  steps: SimulatedStep[]
  next: number
  timer: Timer | undefined
  sequence: number
  status: CallStatus
  answered: boolean
  ended: boolean
  hangingUp: boolean
  agentAnsweredAt: string | undefined
  readonly events: CallEvent[]
}

const CAPABILITIES: TelephonyCapabilities = Object.freeze({
  agentFirstDial: true,
  leadFirstDial: false,
  contactSync: true,
  presence: true,
  hangup: true,
  idempotentDial: true,
  // No provider-side campaigns, no recordings, no webhooks to sign; answered events always carry
  // `answeredBy` (drawn with `machineRate`).
  campaignMode: false,
  recording: false,
  machineDetection: true,
  signedWebhooks: false,
})

function emptyStats(): SimulatorStats {
  return {
    dials: 0,
    dialsRefused: 0,
    dialsDeduplicated: 0,
    dialsAborted: 0,
    answered: 0,
    answeredByMachine: 0,
    agentNoAnswer: 0,
    leadNoAnswer: 0,
    busy: 0,
    completed: 0,
    canceled: 0,
    sinkErrors: 0,
    eventsDropped: 0,
    contactsSynced: 0,
  }
}

function providerAgentIdOf(agent: Agent, name: string): string {
  return agent.providerRefs?.[name] ?? agent.id
}

function closedError(code: LeadCallErrorCode): LeadCallError {
  return new LeadCallError(code, { message: 'The simulated telephony provider is closed', retryable: false })
}

/**
 * A simulated telephony provider: it places no real call but emits, on timers, the events a real
 * agent-first (click-to-call) provider's webhooks would. With a `seed` it is deterministic: the same
 * dials, in the same order, give the same events. Tests drive it with fake timers
 * (`vi.useFakeTimers()`); the demo and the benchmarks use it with real ones. Like a real call's
 * socket, a call in progress keeps the process alive until it ends or `close()` is called.
 *
 * Each accepted dial (after `latencyMs`) becomes a call `sim-<n>` whose events follow one another:
 *
 * 1. `initiated`, on the timer tick right after `dial` resolved (Node runs a 0 ms timer 1 ms later);
 * 2. `ringing` with `party: 'agent'`: the agent's phone rings;
 * 3. the agent picks up after `ringMs` ±30% (with probability `agentAnswerRate`), which is no event
 *    (an `answered` would mean the lead answered); otherwise `no_answer` with `party: 'agent'` at
 *    the request's `timeoutMs`, and the call ends;
 * 4. `ringing` with `party: 'lead'`: the lead's phone rings;
 * 5. after `ringMs` ±30%: `answered` with `party: 'lead'` and `answeredBy` (with probability
 *    `answerRate`), else `busy` (one time in four, SIP 486); a lead that does not answer, or would
 *    ring longer than `timeoutMs`, ends `no_answer` with `party: 'lead'` at `timeoutMs` (SIP 480);
 * 6. `completed` after `talkMs` ±50%.
 *
 * Every event carries the provider's name, `providerCallId`, the request's `attemptId` and
 * `processId`, `at` (the clock, `Date.now()`, when it is emitted) and a `sequence` counting from 1
 * per call; endings carry `durationSec` (whole seconds since `initiated`) and `hangupCause`, and a
 * `completed` call dialled with `record: true` a `recordingUrl`. Events go to the sink given to
 * `connect` (held, up to 10,000, until one is connected); a sink that throws or rejects is counted in
 * `stats.sinkErrors` and never stops the simulation.
 *
 * `dial` is idempotent on `attemptId`: a repeated request gets the first one's `providerCallId` and
 * places no second call. Every request honours its `signal`: already aborted, it rejects with the
 * signal's reason; aborted during the latency, it rejects and no call is placed.
 *
 * @param options see {@link SimulatedTelephonyOptions}.
 * @throws {LeadCallError} `VALIDATION_FAILED` listing every invalid option.
 *
 * @example
 * ```ts
 * import { simulatedTelephony } from '@leadcall/core'
 *
 * const telephony = simulatedTelephony({ seed: 42, answerRate: 0.7, latencyMs: 100 })
 * telephony.connect((event) => console.log(event.type, event.party ?? ''))
 * const { providerCallId } = await telephony.dial({ attemptId, processId, agent, lead, timeoutMs: 30_000 })
 * ```
 */
export function simulatedTelephony(options: SimulatedTelephonyOptions = {}): SimulatedTelephony {
  const parsed = OptionsSchema.safeParse(options ?? {})
  if (!parsed.success) throw validationError('simulated telephony options', parsed.error)
  const config = parsed.data
  const name = config.name ?? 'simulator'
  const seed = config.seed ?? Math.floor(Math.random() * 2 ** 32)
  const latencyMs = config.latencyMs ?? 0
  const failRate = config.failRate ?? 0
  const rates = {
    ringMs: config.ringMs ?? 3000,
    talkMs: config.talkMs ?? 60_000,
    agentAnswerRate: config.agentAnswerRate ?? 0.95,
    answerRate: config.answerRate ?? 0.8,
    machineRate: config.machineRate ?? 0,
  }
  const agentsOnline = config.agentsOnline
  const historyLimit = config.historyLimit ?? 10_000

  const random = seededRandom(seed)
  const iso = createIsoFormatter()
  const stats = emptyStats()
  const timers = new Set<Timer>()
  /** Rejecters of the requests waiting on a latency, called by `close`. */
  const closers = new Set<() => void>()
  const attempts = new Map<string, PendingDial | PlacedDial>()
  const calls = new Map<string, CallState>()
  const endedOrder: string[] = []
  let endedHead = 0
  /** Provider agent id → calls in progress with that agent. */
  const agentCalls = new Map<string, number>()
  /** Provider agent ids seen in dial requests. */
  const knownAgents = new Set<string>()
  const contacts = new Map<string, string>()
  let contactCount = 0
  let buffer: CallEvent[] = []
  let sink: CallEventSink | undefined
  let callCount = 0
  let closed = false

  function setTimer(ms: number, run: () => void): Timer {
    const timer = setTimeout(() => {
      timers.delete(timer)
      run()
    }, ms)
    timers.add(timer)
    return timer
  }

  function clearTimer(timer: Timer | undefined): void {
    if (timer === undefined) return
    clearTimeout(timer)
    timers.delete(timer)
  }

  /** Waits `ms`, rejecting with the signal's reason on abort and with `closedCode` on close. */
  function sleep(ms: number, signal: AbortSignal | undefined, closedCode: LeadCallErrorCode): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (closed) return Promise.reject(closedError(closedCode))
    if (ms <= 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const finish = (): void => {
        signal?.removeEventListener('abort', onAbort)
        closers.delete(onClose)
      }
      const timer = setTimer(ms, () => {
        finish()
        resolve()
      })
      const onAbort = (): void => {
        clearTimer(timer)
        finish()
        reject(signal?.reason)
      }
      const onClose = (): void => {
        finish()
        reject(closedError(closedCode))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      closers.add(onClose)
    })
  }

  function invokeSink(target: CallEventSink, event: CallEvent): void {
    try {
      const result = target(event)
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        ;(result as Promise<void>).then(undefined, () => {
          stats.sinkErrors++
        })
      }
    } catch {
      stats.sinkErrors++
    }
  }

  function deliver(event: CallEvent): void {
    if (sink !== undefined) {
      invokeSink(sink, event)
      return
    }
    if (buffer.length >= BUFFER_LIMIT) {
      buffer.shift()
      stats.eventsDropped++
    }
    buffer.push(event)
  }

  function count(event: CallEvent): void {
    switch (event.type) {
      case 'answered':
        stats.answered++
        if (event.answeredBy === 'machine') stats.answeredByMachine++
        break
      case 'no_answer':
        if (event.party === 'agent') stats.agentNoAnswer++
        else stats.leadNoAnswer++
        break
      case 'busy':
        stats.busy++
        break
      case 'completed':
        stats.completed++
        break
      case 'canceled':
        stats.canceled++
        break
      default:
        break
    }
  }

  function endCall(call: CallState): void {
    call.ended = true
    const left = (agentCalls.get(call.providerAgentId) ?? 1) - 1
    if (left > 0) agentCalls.set(call.providerAgentId, left)
    else agentCalls.delete(call.providerAgentId)
    endedOrder.push(call.id)
    while (endedOrder.length - endedHead > historyLimit) {
      const oldest = endedOrder[endedHead++]
      if (oldest === undefined) continue
      // The attempt's idempotency record goes with its call: a repeat of a dial this old never comes.
      const evicted = calls.get(oldest)
      if (evicted && attempts.get(evicted.request.attemptId)?.kind === 'placed')
        attempts.delete(evicted.request.attemptId)
      calls.delete(oldest)
    }
    if (endedHead > 1024 && endedHead * 2 > endedOrder.length) {
      endedOrder.splice(0, endedHead)
      endedHead = 0
    }
  }

  function emit(call: CallState, step: SimulatedStep): void {
    const now = Date.now()
    const at = iso(now)
    if (step.agentAnswered) call.agentAnsweredAt = at
    const { request } = call
    const event: CallEvent = {
      provider: name,
      type: step.event.type,
      providerCallId: call.id,
      attemptId: request.attemptId,
      processId: request.processId,
      at,
      sequence: ++call.sequence,
    }
    if (step.event.party !== undefined) event.party = step.event.party
    if (step.event.answeredBy !== undefined) event.answeredBy = step.event.answeredBy
    const terminal =
      step.event.type !== 'initiated' && step.event.type !== 'ringing' && step.event.type !== 'answered'
    if (terminal) event.durationSec = Math.max(0, Math.round((now - call.startedMs) / 1000))
    if (step.event.hangupCause !== undefined) event.hangupCause = step.event.hangupCause
    if (step.event.sipCode !== undefined) event.sipCode = step.event.sipCode
    if (step.event.type === 'completed' && request.record === true) {
      event.recordingUrl = `https://simulator.invalid/recordings/${encodeURIComponent(call.id)}.wav`
    }
    call.status = event.type
    if (event.type === 'answered') call.answered = true
    call.events.push(event)
    if (terminal) endCall(call)
    count(event)
    deliver(event)
  }

  function scheduleNext(call: CallState): void {
    if (closed || call.ended) return
    const step = call.steps[call.next]
    if (step === undefined) return
    call.timer = setTimer(step.delayMs, () => {
      call.timer = undefined
      call.next++
      emit(call, step)
      // Steps due at the same instant follow in the same tick (a new 0 ms timer would fire 1 ms
      // later). The sink may have hung up (scheduling the ending) or closed the simulator meanwhile.
      let following = call.steps[call.next]
      while (
        following !== undefined &&
        following.delayMs === 0 &&
        call.timer === undefined &&
        !call.ended &&
        !closed
      ) {
        call.next++
        emit(call, following)
        following = call.steps[call.next]
      }
      if (call.timer === undefined) scheduleNext(call)
    })
  }

  function onlineAgents(): ReadonlySet<string> | undefined {
    if (agentsOnline === undefined) return undefined
    const ids = typeof agentsOnline === 'function' ? agentsOnline() : agentsOnline
    return ids instanceof Set ? (ids as ReadonlySet<string>) : new Set(ids)
  }

  /** Runs once the latency of a new dial elapsed: refuses it, or places the call. */
  function place(entry: PendingDial, request: DialRequest, draws: readonly number[]): DialResult {
    entry.settled = true
    if (closed) throw closedError('CALL_FAILED')
    const providerAgentId = providerAgentIdOf(request.agent, name)
    knownAgents.add(providerAgentId)
    let refusal: LeadCallError | undefined
    if ((draws[0] ?? 0) < failRate) {
      refusal = new LeadCallError('CALL_FAILED', {
        message: 'The simulated provider refused the call',
        details: { attemptId: request.attemptId },
      })
    } else if (onlineAgents()?.has(providerAgentId) === false) {
      refusal = new LeadCallError('AGENT_NOT_AVAILABLE', {
        message: `Agent ${providerAgentId} is not online at the simulated provider`,
        details: { attemptId: request.attemptId, providerAgentId },
      })
    }
    if (refusal !== undefined) {
      // No call was placed, so the attempt may be tried again.
      attempts.delete(request.attemptId)
      stats.dialsRefused++
      throw refusal
    }
    const id = `sim-${++callCount}`
    const plan = drawCallPlan(draws.slice(1), rates, request.timeoutMs)
    const now = Date.now()
    const call: CallState = {
      id,
      request,
      providerAgentId,
      startedMs: now,
      startedAt: iso(now),
      plan,
      steps: planSteps(plan, request.timeoutMs),
      next: 0,
      timer: undefined,
      sequence: 0,
      status: 'queued',
      answered: false,
      ended: false,
      hangingUp: false,
      agentAnsweredAt: undefined,
      events: [],
    }
    calls.set(id, call)
    agentCalls.set(providerAgentId, (agentCalls.get(providerAgentId) ?? 0) + 1)
    const result: DialResult = { providerCallId: id, raw: { simulated: true, providerCallId: id } }
    attempts.set(request.attemptId, { kind: 'placed', result })
    stats.dials++
    scheduleNext(call)
    return result
  }

  function startDial(request: DialRequest): PendingDial {
    const draws: number[] = []
    for (let i = 0; i < DRAWS_PER_DIAL; i++) draws.push(random())
    const controller = new AbortController()
    const entry: PendingDial = {
      kind: 'pending',
      promise: Promise.resolve({}),
      waiters: 0,
      settled: false,
      controller,
    }
    entry.promise = sleep(latencyMs, controller.signal, 'CALL_FAILED').then(() =>
      place(entry, request, draws),
    )
    entry.promise.catch(() => {})
    attempts.set(request.attemptId, entry)
    return entry
  }

  function joinDial(
    entry: PendingDial,
    attemptId: string,
    signal: AbortSignal | undefined,
  ): Promise<DialResult> {
    entry.waiters++
    // A request without a signal waits to the end, so the dial is never dropped.
    if (signal === undefined) return entry.promise
    return new Promise<DialResult>((resolve, reject) => {
      const onAbort = (): void => {
        entry.waiters--
        if (entry.waiters === 0 && !entry.settled && attempts.get(attemptId) === entry) {
          attempts.delete(attemptId)
          stats.dialsAborted++
          entry.controller.abort(signal.reason)
        }
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      entry.promise.then(
        (result) => {
          signal.removeEventListener('abort', onAbort)
          resolve(result)
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      )
    })
  }

  function snapshot(call: CallState): SimulatedCall {
    const { request } = call
    const view: SimulatedCall = {
      providerCallId: call.id,
      attemptId: request.attemptId,
      processId: request.processId,
      agentId: request.agent.id,
      providerAgentId: call.providerAgentId,
      leadId: request.lead.id,
      leadPhone: request.lead.phone,
      startedAt: call.startedAt,
      status: call.status,
      ended: call.ended,
      plan: { ...call.plan },
      events: call.events.map((event) => ({ ...event })),
    }
    if (call.agentAnsweredAt !== undefined) view.agentAnsweredAt = call.agentAnsweredAt
    return view
  }

  return {
    specificationVersion: 'v1',
    name,
    capabilities: CAPABILITIES,
    seed,

    get stats(): SimulatorStats {
      return { ...stats }
    },

    calls(): SimulatedCall[] {
      return [...calls.values()].map(snapshot)
    },

    async dial(request: DialRequest, callOptions: ProviderCallOptions = {}): Promise<DialResult> {
      const { signal } = callOptions
      signal?.throwIfAborted()
      if (closed) throw closedError('CALL_FAILED')
      const checked = DialRequestCheck.safeParse(request)
      if (!checked.success) throw validationError('dial request', checked.error)
      const known = attempts.get(request.attemptId)
      if (known?.kind === 'placed') {
        stats.dialsDeduplicated++
        await sleep(latencyMs, signal, 'CALL_FAILED')
        return { ...known.result }
      }
      if (known !== undefined) stats.dialsDeduplicated++
      return joinDial(known ?? startDial(request), request.attemptId, signal)
    },

    async hangup(providerCallId: string, callOptions: ProviderCallOptions = {}): Promise<void> {
      callOptions.signal?.throwIfAborted()
      if (closed) throw closedError('CALL_FAILED')
      const call = calls.get(providerCallId)
      if (call === undefined) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: `Unknown call ${providerCallId} at the simulated provider`,
          details: { providerCallId },
          status: 404,
        })
      }
      if (call.ended || call.hangingUp) return
      call.hangingUp = true
      clearTimer(call.timer)
      call.timer = undefined
      const ending: SimulatedStep = call.answered
        ? { delayMs: 0, event: { type: 'completed', hangupCause: 'NORMAL_CLEARING' } }
        : { delayMs: 0, event: { type: 'canceled', hangupCause: 'ORIGINATOR_CANCEL', sipCode: 487 } }
      call.steps = [...call.steps.slice(0, call.next), ending]
      scheduleNext(call)
    },

    async syncContact(lead: Lead, callOptions: ProviderCallOptions = {}): Promise<ContactSyncResult> {
      const { signal } = callOptions
      signal?.throwIfAborted()
      if (closed) throw closedError('CONTACT_CREATION_FAILED')
      const checked = LeadCheck.safeParse(lead)
      if (!checked.success) throw validationError('lead', checked.error)
      await sleep(latencyMs, signal, 'CONTACT_CREATION_FAILED')
      stats.contactsSynced++
      const existing = contacts.get(checked.data.phone)
      if (existing !== undefined) return { contactId: existing, updated: true }
      const contactId = `sim-contact-${++contactCount}`
      contacts.set(checked.data.phone, contactId)
      // Bounded like the call history: the oldest contacts are forgotten first.
      while (contacts.size > Math.max(historyLimit, 1)) {
        const oldest = contacts.keys().next().value
        if (oldest === undefined) break
        contacts.delete(oldest)
      }
      return { contactId, updated: false }
    },

    async listAgentPresence(callOptions: ProviderCallOptions = {}): Promise<AgentPresenceReport[]> {
      const { signal } = callOptions
      signal?.throwIfAborted()
      if (closed) throw closedError('CALL_FAILED')
      await sleep(latencyMs, signal, 'CALL_FAILED')
      const online = onlineAgents()
      const reports: AgentPresenceReport[] = []
      const status = (id: string): AgentPresenceReport['status'] =>
        agentCalls.has(id) ? 'on_call' : 'available'
      for (const id of online ?? knownAgents) reports.push({ providerAgentId: id, status: status(id) })
      if (online !== undefined) {
        for (const id of knownAgents) {
          if (!online.has(id)) reports.push({ providerAgentId: id, status: 'offline' })
        }
      }
      return reports
    },

    connect(next: CallEventSink): void {
      sink = next
      const held = buffer
      buffer = []
      for (const event of held) invokeSink(next, event)
    },

    async close(): Promise<void> {
      if (closed) return
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      const waiting = [...closers]
      closers.clear()
      for (const reject of waiting) reject()
      buffer = []
    },
  }
}
