import {
  type CommandSpec,
  flagOf,
  HELP_OPTION,
  JSON_OPTION,
  TOKEN_OPTION,
  tokenOf,
  URL_OPTION,
  urlOf,
} from '../command-spec.js'
import { statsCommand } from './stats-command.js'

/** `leadcall stats`. */
export const statsSpec: CommandSpec = {
  name: 'stats',
  pattern: 'stats',
  usage: 'stats --url <base-url> [--token T] [--json]',
  summary: "Print a server's figures of today (GET /stats)",
  description:
    "Reads GET <url>/stats and prints today's figures: leads, completed and failed calls, success\n" +
    'rate, agents available, queue, speed to lead, balance, and one line per agent.',
  options: [URL_OPTION, TOKEN_OPTION, JSON_OPTION, HELP_OPTION],
  examples: [
    'leadcall stats --url http://localhost:3000',
    'leadcall stats --url http://localhost:3000 --json',
  ],
  plan(_args, options, argv, io) {
    const url = urlOf(options, argv)
    const token = tokenOf(options, argv, io)
    const json = flagOf(options, 'json')
    return {
      json,
      run: (cliIo) => statsCommand({ url, json, ...(token === undefined ? {} : { token }) }, cliIo),
    }
  },
}
