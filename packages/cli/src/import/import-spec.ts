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
import { usageError } from '../options.js'
import { importCommand } from './import-command.js'

/** `leadcall import`. */
export const importSpec: CommandSpec = {
  name: 'import',
  pattern: 'import <file>',
  usage: 'import <file.csv> --url <base-url> [--token T] [--json]',
  summary: "Stream a CSV file of leads to a server's POST /leads/import",
  description:
    'Streams the CSV file to POST <url>/leads/import (content-type text/csv), with a progress bar of\n' +
    'the bytes sent on stderr when it is a terminal, then prints how many rows were accepted, queued,\n' +
    'rejected (with each line and reason) and skipped as duplicates. Exits 1 when the server refuses\n' +
    'the import (unauthorized, too large, …) or cannot be reached; rejected rows are not a failure.',
  options: [URL_OPTION, TOKEN_OPTION, JSON_OPTION, HELP_OPTION],
  examples: [
    'leadcall import leads.csv --url http://localhost:3000',
    'LEADCALL_TOKEN=secret leadcall import leads.csv --url https://example.com/leadcall --json',
  ],
  plan(args, options, argv, io) {
    const file = args[0]
    if (file === undefined || file === '') throw usageError('The CSV file to import is missing')
    const url = urlOf(options, argv)
    const token = tokenOf(options, argv, io)
    const json = flagOf(options, 'json')
    return {
      json,
      run: (cliIo) => importCommand({ file, url, json, ...(token === undefined ? {} : { token }) }, cliIo),
    }
  },
}
