import { LeadCallError } from '@leadcall/core'
import { MAX_SIMULATED_LEADS, type PickUpRange } from './population.js'
import type { StrategyResult } from './run-simulation.js'
import {
  isSimulatedStrategyName,
  SIMULATED_STRATEGY_NAMES,
  type SimulatedStrategyName,
} from './strategies.js'

/** Options of `runSimulation`; every one has a default. */
export interface SimulationOptions {
  /** How many agents (default 10), see `simulatedAgents`. */
  agents?: number
  /** How many leads (default 500). */
  leads?: number
  /** The strategies to run, one after the other on the same leads (default `['round-robin']`). */
  strategies?: readonly string[]
  /** Seed of the agents, the arrivals and the calls' fates (default 1). */
  seed?: number
  /** Mean time between two leads' arrivals (ms, default 20 s). */
  meanGapMs?: number
  /** Mean talk time of an answered call (ms, default 3 min), ±50%. */
  talkMs?: number
  /** Mean ring time of each leg (ms, default 3 s), ±30%. */
  ringMs?: number
  /** Probability that the lead answers once the agent picked up (default 0.8). */
  answerRate?: number
  /** The range agents' pick-up rates are drawn from (default 0.85 to 0.99). */
  pickUpRate?: PickUpRange
  /** Called after each strategy's run, with its result. */
  onResult?: (result: StrategyResult) => void
}

/** The settings a simulation ran with (defaults applied). */
export interface SimulationSettings {
  /** How many agents. */
  agents: number
  /** How many leads. */
  leads: number
  /** The strategies run, in order. */
  strategies: SimulatedStrategyName[]
  /** The seed. */
  seed: number
  /** Mean time between two arrivals (ms). */
  meanGapMs: number
  /** Mean talk time (ms). */
  talkMs: number
  /** Mean ring time of each leg (ms). */
  ringMs: number
  /** Probability that the lead answers once the agent picked up. */
  answerRate: number
  /** The range agents' pick-up rates are drawn from. */
  pickUpRate: PickUpRange
}

function invalid(message: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', { message })
}

function checkInteger(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(`${name} must be a whole number from ${min} to ${max}, got ${value}`)
  return value
}

function checkRange(value: number, name: string, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max)
    throw invalid(`${name} must be from ${min} to ${max}, got ${value}`)
  return value
}

function pickUpRange(range: PickUpRange): PickUpRange {
  const min = checkRange(range.min, 'lowest pick-up rate', 0, 1)
  const max = checkRange(range.max, 'highest pick-up rate', min, 1)
  return { min, max }
}

/** Applies the defaults and checks every option; throws `VALIDATION_FAILED` on the first bad one. */
export function simulationSettings(options: SimulationOptions = {}): SimulationSettings {
  const strategies: SimulatedStrategyName[] = []
  for (const name of options.strategies ?? ['round-robin']) {
    if (!isSimulatedStrategyName(name))
      throw invalid(`Unknown strategy "${name}"; one of: ${SIMULATED_STRATEGY_NAMES.join(', ')}`)
    if (!strategies.includes(name)) strategies.push(name)
  }
  if (strategies.length === 0) throw invalid('No strategy to simulate')
  return {
    agents: checkInteger(options.agents ?? 10, 'agents', 1, 1_000),
    leads: checkInteger(options.leads ?? 500, 'leads', 1, MAX_SIMULATED_LEADS),
    strategies,
    seed: checkInteger(options.seed ?? 1, 'seed', 0, 2 ** 32 - 1),
    meanGapMs: checkRange(options.meanGapMs ?? 20_000, 'mean gap between leads (ms)', 1, 86_400_000),
    talkMs: checkRange(options.talkMs ?? 180_000, 'talk time (ms)', 0, 86_400_000),
    ringMs: checkRange(options.ringMs ?? 3_000, 'ring time (ms)', 0, 60_000),
    answerRate: checkRange(options.answerRate ?? 0.8, 'answer rate', 0, 1),
    pickUpRate: pickUpRange(options.pickUpRate ?? { min: 0.85, max: 0.99 }),
  }
}
