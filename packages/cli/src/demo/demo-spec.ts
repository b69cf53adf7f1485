import { type CommandSpec, flagOf, HELP_OPTION, JSON_OPTION } from '../command-spec.js'
import { integerOption, numberOption } from '../options.js'
import { demoCommand } from './demo-command.js'
import { demoAgents } from './sample-data.js'

/** `leadcall demo`. */
export const demoSpec: CommandSpec = {
  name: 'demo',
  pattern: 'demo',
  usage: 'demo [--leads N] [--agents N] [--seed S] [--spread SECONDS] [--json]',
  summary: 'Run the demo: sample leads over sample agents, on the embedded defaults',
  description:
    'Runs the whole pipeline on the embedded defaults — memory storage and the simulated telephony\n' +
    'provider, in real time: leads arriving with mixed priorities and payload formats (two of them\n' +
    'cannot be called), distributed round robin over the agents, with a live progress line, then a\n' +
    'table per agent (assigned, answered, talk time) and the speed-to-lead percentiles.',
  options: [
    { flags: '--leads <n>', description: 'How many leads arrive, 1 to 10000 (default: 60)' },
    {
      flags: '--agents <n>',
      description: 'How many agents, 1 to 1000: the five sample agents, then generated ones (default: 5)',
    },
    { flags: '--seed <n>', description: 'Seed of priorities, call outcomes and ties (default: 7)' },
    {
      flags: '--spread <seconds>',
      description: 'Over how long the leads arrive (default: a third of a second per lead, 20 for 60)',
    },
    JSON_OPTION,
    HELP_OPTION,
  ],
  examples: ['leadcall demo', 'leadcall demo --leads 30 --agents 3 --seed 1', 'leadcall demo --json'],
  plan(_args, options) {
    const leads =
      options.leads === undefined ? 60 : integerOption(options.leads, '--leads', { min: 1, max: 10_000 })
    const agents =
      options.agents === undefined
        ? demoAgents().length
        : integerOption(options.agents, '--agents', { min: 1, max: 1_000 })
    const seed =
      options.seed === undefined ? 7 : integerOption(options.seed, '--seed', { min: 0, max: 2 ** 32 - 1 })
    const spreadMs =
      options.spread === undefined
        ? Math.round((leads * 1000) / 3)
        : Math.round(numberOption(options.spread, '--spread', { min: 0, max: 3_600 }) * 1000)
    const json = flagOf(options, 'json')
    return { json, run: (io) => demoCommand({ leads, agents, seed, spreadMs, json }, io) }
  },
}
