/**
 * The pure part of the simulated provider: how a call's fate is drawn from random numbers, and the
 * timed steps that fate turns into.
 *
 * @module
 */
import type { CallEvent } from '../domain/call-event.js'

/** How many random numbers {@link drawCallPlan} reads for one dial, whatever the outcome. */
export const DRAWS_PER_DIAL = 8

/** Relative jitter of the ring time: ±30%. */
const RING_JITTER = 0.3
/** Relative jitter of the talk time: ±50%. */
const TALK_JITTER = 0.5
/** Share of the lead's non-answers that are a busy line rather than no answer: 1 in 4. */
const BUSY_SHARE = 0.25

/** How a simulated call ends, unless it is hung up first. */
export type SimulatedCallOutcome = 'completed' | 'agent_no_answer' | 'no_answer' | 'busy'

/** What the lead's leg of a simulated call will do once it rings. */
export type SimulatedLeadResponse = 'answer' | 'no_answer' | 'busy'

/**
 * The fate of one simulated call, drawn when it is placed. Every field is drawn for every call (so
 * that the random stream does not depend on outcomes); the ones a call never reaches are unused.
 */
export interface SimulatedCallPlan {
  /** Whether the agent picks up. */
  agentAnswers: boolean
  /** How long the agent's phone rings before the agent picks up (ms). */
  agentRingMs: number
  /** What the lead's leg does. */
  leadResponse: SimulatedLeadResponse
  /** How long the lead's phone rings before an answer or a busy signal (ms). */
  leadRingMs: number
  /** Who answers, when the lead's leg answers. */
  answeredBy: 'human' | 'machine'
  /** How long the conversation lasts once the lead answered (ms). */
  talkMs: number
  /** How the call ends with the request's ring timeout applied, unless it is hung up first. */
  outcome: SimulatedCallOutcome
}

/** The rates and times {@link drawCallPlan} needs (validated simulator options). */
export interface SimulatedCallRates {
  /** Mean ring time of each leg (ms). */
  ringMs: number
  /** Mean talk time (ms). */
  talkMs: number
  /** Probability that the agent answers. */
  agentAnswerRate: number
  /** Probability that the lead answers. */
  answerRate: number
  /** Probability that an answer is an answering machine. */
  machineRate: number
}

/** The event fields a step fills in; the simulator adds provider, ids, time and sequence. */
export type SimulatedEventFields = Pick<CallEvent, 'type'> &
  Partial<Pick<CallEvent, 'party' | 'answeredBy' | 'hangupCause' | 'sipCode'>>

/** One timed step of a simulated call: after `delayMs` from the previous step, this event. */
export interface SimulatedStep {
  /** Wait after the previous step (ms). */
  delayMs: number
  /** The event to emit. */
  event: SimulatedEventFields
  /** True on the step at which the agent has picked up (the lead's leg starts ringing). */
  agentAnswered?: boolean
}

/** `mean` moved by up to ±`spread` of itself, by `random` in [0, 1), in whole milliseconds. */
export function jitter(mean: number, spread: number, random: number): number {
  return Math.max(0, Math.round(mean * (1 + spread * (2 * random - 1))))
}

/**
 * Draws a call's fate from exactly {@link DRAWS_PER_DIAL} − 1 numbers in [0, 1) (the first number
 * of a dial decides the refusal and is read by the simulator itself).
 */
export function drawCallPlan(
  draws: readonly number[],
  rates: SimulatedCallRates,
  timeoutMs: number,
): SimulatedCallPlan {
  const at = (index: number): number => draws[index] ?? 0
  const agentAnswers = at(0) < rates.agentAnswerRate
  const agentRingMs = jitter(rates.ringMs, RING_JITTER, at(1))
  const leadResponse: SimulatedLeadResponse =
    at(2) < rates.answerRate ? 'answer' : at(3) < BUSY_SHARE ? 'busy' : 'no_answer'
  const leadRingMs = jitter(rates.ringMs, RING_JITTER, at(4))
  const answeredBy = at(5) < rates.machineRate ? 'machine' : 'human'
  const talkMs = jitter(rates.talkMs, TALK_JITTER, at(6))
  let outcome: SimulatedCallOutcome
  if (!agentAnswers || agentRingMs > timeoutMs) outcome = 'agent_no_answer'
  else if (leadResponse === 'no_answer' || leadRingMs > timeoutMs) outcome = 'no_answer'
  else outcome = leadResponse === 'busy' ? 'busy' : 'completed'
  return { agentAnswers, agentRingMs, leadResponse, leadRingMs, answeredBy, talkMs, outcome }
}

const NO_ANSWER = { hangupCause: 'NO_ANSWER', sipCode: 480 } as const

/**
 * The timed steps of an agent-first call following `plan`: `initiated`, the agent's leg `ringing`,
 * then either the agent's `no_answer` at `timeoutMs`, or (the agent picked up) the lead's leg
 * `ringing`, then the lead's `answered` and `completed` after the talk time, its `busy`, or its
 * `no_answer` at `timeoutMs`. A leg that would ring longer than `timeoutMs` ends `no_answer` then.
 */
export function planSteps(plan: SimulatedCallPlan, timeoutMs: number): SimulatedStep[] {
  const steps: SimulatedStep[] = [
    { delayMs: 0, event: { type: 'initiated' } },
    { delayMs: 0, event: { type: 'ringing', party: 'agent' } },
  ]
  if (plan.outcome === 'agent_no_answer') {
    steps.push({ delayMs: timeoutMs, event: { type: 'no_answer', party: 'agent', ...NO_ANSWER } })
    return steps
  }
  steps.push({ delayMs: plan.agentRingMs, event: { type: 'ringing', party: 'lead' }, agentAnswered: true })
  if (plan.outcome === 'no_answer') {
    steps.push({ delayMs: timeoutMs, event: { type: 'no_answer', party: 'lead', ...NO_ANSWER } })
  } else if (plan.outcome === 'busy') {
    steps.push({
      delayMs: plan.leadRingMs,
      event: { type: 'busy', party: 'lead', hangupCause: 'USER_BUSY', sipCode: 486 },
    })
  } else {
    steps.push({
      delayMs: plan.leadRingMs,
      event: { type: 'answered', party: 'lead', answeredBy: plan.answeredBy },
    })
    steps.push({ delayMs: plan.talkMs, event: { type: 'completed', hangupCause: 'NORMAL_CLEARING' } })
  }
  return steps
}
