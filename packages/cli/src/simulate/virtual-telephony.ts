import {
  type CallEvent,
  type CallEventSink,
  type DialRequest,
  type DialResult,
  LeadCallError,
  type TelephonyCapabilities,
  type TelephonyProviderV1,
} from '@leadcall/core'
import type { VirtualScheduler } from './virtual-scheduler.js'

/** How one simulated call goes, decided when it is dialed. */
export interface VirtualCallPlan {
  /** Whether the agent picks up. */
  agentAnswers: boolean
  /** How long the agent's phone rings before the agent picks up (ms). */
  agentRingMs: number
  /** What the lead's leg does once it rings. */
  leadResponse: 'answer' | 'busy' | 'no_answer'
  /** How long the lead's phone rings before the answer or the busy signal (ms). */
  leadRingMs: number
  /** How long the conversation lasts once the lead answered (ms). */
  talkMs: number
}

/** Options of {@link virtualTelephony}. */
export interface VirtualTelephonyOptions {
  /** The clock calls run on: every event is a task of this scheduler, stamped with its time. */
  scheduler: VirtualScheduler
  /** Decides how a call goes, once per dial request. */
  plan(request: DialRequest): VirtualCallPlan
  /** The provider's name, in every event (default `simulator`). */
  name?: string
}

/** A telephony provider on virtual time, see {@link virtualTelephony}. */
export interface VirtualTelephony extends TelephonyProviderV1 {
  /** Calls placed. */
  readonly dials: number
  /** What the event sink threw or rejected with, in order: a simulation with any is not to be trusted. */
  readonly sinkErrors: readonly unknown[]
  /** Ends a call in progress: `canceled` before the lead answered, `completed` after. */
  hangup(providerCallId: string): Promise<void>
  /** Sets where events go. */
  connect(sink: CallEventSink): void
  /** Drops every call in progress: no event is emitted afterwards. */
  close(): Promise<void>
}

/** One step of a call: at `offsetMs` after the dial, this event. */
interface Step {
  offsetMs: number
  event: Pick<CallEvent, 'type'> &
    Partial<Pick<CallEvent, 'party' | 'answeredBy' | 'hangupCause' | 'sipCode'>>
}

interface CallState {
  id: string
  request: DialRequest
  startedAt: number
  answered: boolean
  ended: boolean
  /** Hung up: the rest of the plan never happens, only the ending. */
  hungUp: boolean
  sequence: number
}

const CAPABILITIES: TelephonyCapabilities = Object.freeze({
  agentFirstDial: true,
  leadFirstDial: false,
  contactSync: false,
  presence: false,
  hangup: true,
  idempotentDial: true,
})

const NO_ANSWER = { hangupCause: 'NO_ANSWER', sipCode: 480 } as const

/**
 * The events of an agent-first call following `plan`, as the simulated provider of
 * `@leadcall/core` orders them: `initiated` and the agent's leg `ringing` at once; the agent's
 * `no_answer` at `timeoutMs` when the agent does not pick up; else the lead's leg `ringing`, then
 * `answered` and `completed` after the talk time, or `busy`. A call the lead has not answered
 * `timeoutMs` after the dial ends `no_answer` then, which is when the pipeline's no-answer timeout
 * (`pipeline.noAnswerTimeoutMs`, the request's `timeoutMs`) would cancel it.
 */
export function callSteps(plan: VirtualCallPlan, timeoutMs: number): Step[] {
  const steps: Step[] = [
    { offsetMs: 0, event: { type: 'initiated' } },
    { offsetMs: 0, event: { type: 'ringing', party: 'agent' } },
  ]
  if (!plan.agentAnswers || plan.agentRingMs >= timeoutMs) {
    steps.push({ offsetMs: timeoutMs, event: { type: 'no_answer', party: 'agent', ...NO_ANSWER } })
    return steps
  }
  steps.push({ offsetMs: plan.agentRingMs, event: { type: 'ringing', party: 'lead' } })
  const responseAt = plan.agentRingMs + plan.leadRingMs
  if (plan.leadResponse === 'no_answer' || responseAt >= timeoutMs) {
    steps.push({ offsetMs: timeoutMs, event: { type: 'no_answer', party: 'lead', ...NO_ANSWER } })
  } else if (plan.leadResponse === 'busy') {
    steps.push({
      offsetMs: responseAt,
      event: { type: 'busy', party: 'lead', hangupCause: 'USER_BUSY', sipCode: 486 },
    })
  } else {
    steps.push({ offsetMs: responseAt, event: { type: 'answered', party: 'lead', answeredBy: 'human' } })
    steps.push({
      offsetMs: responseAt + plan.talkMs,
      event: { type: 'completed', hangupCause: 'NORMAL_CLEARING' },
    })
  }
  return steps
}

function isTerminal(type: CallEvent['type']): boolean {
  return type !== 'initiated' && type !== 'ringing' && type !== 'answered'
}

/**
 * A telephony provider whose calls run on a {@link VirtualScheduler}: it places no call, but emits
 * the events a click-to-call provider's webhooks would, each at its virtual time, so that a whole
 * day of calls runs through the real pipeline in moments. How each call goes is up to `plan`.
 * `dial` answers at once; the call's first events follow as soon as the dial is recorded.
 */
export function virtualTelephony(options: VirtualTelephonyOptions): VirtualTelephony {
  const { scheduler } = options
  const name = options.name ?? 'simulator'
  const calls = new Map<string, CallState>()
  const byAttempt = new Map<string, DialResult>()
  const sinkErrors: unknown[] = []
  let sink: CallEventSink | undefined
  let count = 0
  let closed = false

  function emit(call: CallState, step: Step, ending = false): void {
    if (closed || call.ended || (call.hungUp && !ending)) return
    const now = scheduler.now()
    const event: CallEvent = {
      ...step.event,
      provider: name,
      providerCallId: call.id,
      attemptId: call.request.attemptId,
      processId: call.request.processId,
      at: new Date(now).toISOString(),
      sequence: ++call.sequence,
    }
    if (step.event.type === 'answered') call.answered = true
    if (isTerminal(step.event.type)) {
      call.ended = true
      event.durationSec = Math.max(0, Math.round((now - call.startedAt) / 1000))
    }
    if (sink === undefined) return
    try {
      const result = sink(event)
      if (result instanceof Promise) result.catch((error: unknown) => sinkErrors.push(error))
    } catch (error) {
      sinkErrors.push(error)
    }
  }

  return {
    specificationVersion: 'v1',
    name,
    capabilities: CAPABILITIES,
    get dials() {
      return count
    },
    sinkErrors,

    async dial(request: DialRequest): Promise<DialResult> {
      if (closed) throw new LeadCallError('CALL_FAILED', { message: 'The virtual telephony is closed' })
      const known = byAttempt.get(request.attemptId)
      if (known) return { ...known }
      const call: CallState = {
        id: `vsim-${++count}`,
        request,
        startedAt: scheduler.now(),
        answered: false,
        ended: false,
        hungUp: false,
        sequence: 0,
      }
      calls.set(call.id, call)
      const result: DialResult = { providerCallId: call.id }
      byAttempt.set(request.attemptId, result)
      for (const step of callSteps(options.plan(request), request.timeoutMs)) {
        scheduler.at(call.startedAt + step.offsetMs, () => emit(call, step))
      }
      return { ...result }
    },

    async hangup(providerCallId: string): Promise<void> {
      const call = calls.get(providerCallId)
      if (call === undefined) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: `Unknown call ${providerCallId}`,
          status: 404,
        })
      }
      if (call.ended || call.hungUp) return
      call.hungUp = true
      const ending: Step = call.answered
        ? { offsetMs: 0, event: { type: 'completed', hangupCause: 'NORMAL_CLEARING' } }
        : { offsetMs: 0, event: { type: 'canceled', hangupCause: 'ORIGINATOR_CANCEL', sipCode: 487 } }
      scheduler.after(0, () => emit(call, ending, true))
    },

    connect(next: CallEventSink): void {
      sink = next
    },

    async close(): Promise<void> {
      closed = true
      calls.clear()
    },
  }
}
