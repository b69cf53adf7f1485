import { seededRandom } from '@leadcall/core'

/** Relative jitter of ring times: ±30%, as the simulated provider of `@leadcall/core`. */
const RING_JITTER = 0.3
/** Relative jitter of talk times: ±50%, as the simulated provider. */
const TALK_JITTER = 0.5
/** Share of a lead's non-answers that are a busy line: 1 in 4, as the simulated provider. */
const BUSY_SHARE = 0.25

/** Mean times and rates of simulated calls. */
export interface CallRates {
  /** Mean ring time of each leg (ms), ±30%. */
  ringMs: number
  /** Mean conversation time (ms), ±50%. */
  talkMs: number
  /** Probability that the lead answers once the agent picked up. */
  answerRate: number
}

/**
 * What happens on one dial of one lead, drawn from the seed, the lead and the dial's number only:
 * whichever strategy runs and whichever agent takes it, the lead's n-th call goes the same way.
 * Whether the agent picks up compares {@link CallFate.agentDraw} with that agent's pick-up rate.
 */
export interface CallFate {
  /** A number in [0, 1): the agent picks up when it is below the agent's pick-up rate. */
  agentDraw: number
  /** How long the agent's phone rings before the agent picks up (ms). */
  agentRingMs: number
  /** What the lead's leg does. */
  leadResponse: 'answer' | 'busy' | 'no_answer'
  /** How long the lead's phone rings before the answer or the busy signal (ms). */
  leadRingMs: number
  /** How long the conversation lasts once the lead answered (ms). */
  talkMs: number
}

/** `mean` moved by up to ±`spread` of itself, by `draw` in [0, 1), in whole milliseconds. */
export function jitter(mean: number, spread: number, draw: number): number {
  return Math.max(0, Math.round(mean * (1 + spread * (2 * draw - 1))))
}

/** A 32-bit seed for the `dial`-th call (0-based) of lead number `lead` in a run seeded `seed`. */
export function fateSeed(seed: number, lead: number, dial: number): number {
  return (seed ^ Math.imul(lead + 1, 0x9e3779b1) ^ Math.imul(dial + 1, 0x85ebca6b)) >>> 0
}

/** Draws the fate of the `dial`-th call (0-based) of lead number `lead`, see {@link CallFate}. */
export function drawCallFate(seed: number, lead: number, dial: number, rates: CallRates): CallFate {
  const random = seededRandom(fateSeed(seed, lead, dial))
  const agentDraw = random()
  const agentRingMs = jitter(rates.ringMs, RING_JITTER, random())
  const answers = random() < rates.answerRate
  const busy = random() < BUSY_SHARE
  const leadRingMs = jitter(rates.ringMs, RING_JITTER, random())
  const talkMs = jitter(rates.talkMs, TALK_JITTER, random())
  return {
    agentDraw,
    agentRingMs,
    leadResponse: answers ? 'answer' : busy ? 'busy' : 'no_answer',
    leadRingMs,
    talkMs,
  }
}
