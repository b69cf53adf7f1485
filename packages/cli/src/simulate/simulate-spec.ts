import { LeadCallError } from '@leadcall/core'
import { type CommandSpec, flagOf, HELP_OPTION, JSON_OPTION } from '../command-spec.js'
import {
  integerOption,
  isUsageError,
  listOption,
  numberOption,
  rawOptionValue,
  usageError,
} from '../options.js'
import { simulationSettings } from './run-simulation.js'
import { simulateCommand } from './simulate-command.js'
import { SIMULATED_STRATEGIES, SIMULATED_STRATEGY_NAMES } from './strategies.js'

/** `leadcall simulate`. */
export const simulateSpec: CommandSpec = {
  name: 'simulate',
  pattern: 'simulate',
  usage: 'simulate [--agents N] [--leads N] [--strategy NAME] [--compare A,B,C] [--seed S] [--json]',
  summary: 'Compare distribution strategies on the same simulated traffic, in virtual time',
  description:
    'Runs each strategy through the real pipeline (memory storage, a telephony provider that places\n' +
    'no call) on virtual time, so hours of traffic take seconds: the same agents, the same lead\n' +
    'arrival times and the same fate for each call of each lead (answer, busy, no answer, ring and\n' +
    'talk times; agents pick up at their own rate, 85–99%). Then compares the balance of leads\n' +
    'assigned per agent (max/min, coefficient of variation), the speed to lead (received → first\n' +
    'dial, p50/p95), the share of leads answered and the wait for a free agent (p50/p95).\n' +
    'The pipeline keeps its defaults (no-answer timeout 30 s, re-dials after 1 and 5 min, up to 3\n' +
    'agents per lead), without calling hours; an agent sent on a break for missed calls comes back\n' +
    'after 5 min.\n\nStrategies:\n' +
    SIMULATED_STRATEGY_NAMES.map((name) => `  ${name.padEnd(22)}${SIMULATED_STRATEGIES[name].about}`).join(
      '\n',
    ),
  options: [
    { flags: '--agents <n>', description: 'How many agents, 1 to 1000 (default: 10)' },
    { flags: '--leads <n>', description: 'How many leads, 1 to 100000 (default: 500)' },
    { flags: '--strategy <name>', description: 'The strategy to run first (default: round-robin)' },
    {
      flags: '--compare <a,b,c>',
      description: 'More strategies to run on the same traffic, comma-separated',
    },
    { flags: '--seed <n>', description: 'Seed of agents, arrivals and call fates (default: 1)' },
    { flags: '--gap <seconds>', description: 'Mean time between two leads (default: 20)' },
    { flags: '--talk <seconds>', description: 'Mean talk time of an answered call, ±50% (default: 180)' },
    {
      flags: '--answer-rate <ratio>',
      description: 'Probability that a lead answers a call, 0 to 1 (default: 0.8)',
    },
    JSON_OPTION,
    HELP_OPTION,
  ],
  examples: [
    'leadcall simulate --agents 10 --leads 500 --strategy round-robin --compare longest-idle,fewest-assigned',
    'leadcall simulate --compare weighted-round-robin,tiers,skills-based --seed 7 --json',
  ],
  plan(_args, options, argv) {
    const strategy = options.strategy === undefined ? 'round-robin' : rawOptionValue(argv, '--strategy')
    if (strategy === undefined || strategy === '') throw usageError('--strategy needs a value')
    const compare = options.compare === undefined ? [] : listOption(rawOptionValue(argv, '--compare') ?? '')
    if (options.compare !== undefined && compare.length === 0)
      throw usageError('--compare needs strategy names')
    let settings: ReturnType<typeof simulationSettings>
    try {
      settings = simulationSettings({
        strategies: [strategy, ...compare],
        ...(options.agents === undefined
          ? {}
          : { agents: integerOption(options.agents, '--agents', { min: 1, max: 1_000 }) }),
        ...(options.leads === undefined
          ? {}
          : { leads: integerOption(options.leads, '--leads', { min: 1, max: 100_000 }) }),
        ...(options.seed === undefined
          ? {}
          : { seed: integerOption(options.seed, '--seed', { min: 0, max: 2 ** 32 - 1 }) }),
        ...(options.gap === undefined
          ? {}
          : { meanGapMs: numberOption(options.gap, '--gap', { min: 0.001, max: 86_400 }) * 1000 }),
        ...(options.talk === undefined
          ? {}
          : { talkMs: numberOption(options.talk, '--talk', { min: 0, max: 86_400 }) * 1000 }),
        ...(options.answerRate === undefined
          ? {}
          : { answerRate: numberOption(options.answerRate, '--answer-rate', { min: 0, max: 1 }) }),
      })
    } catch (error) {
      if (isUsageError(error) || !LeadCallError.isInstance(error)) throw error
      throw usageError(error.message)
    }
    const json = flagOf(options, 'json')
    return { json, run: (io) => simulateCommand({ ...settings, json }, io) }
  },
}
