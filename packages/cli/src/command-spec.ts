import type { HelpOption } from './help.js'
import type { CliIo } from './io.js'
import { baseUrlOption, rawOptionValue, usageError } from './options.js'

/** What a command's parser hands back: the work to run, and whether its output is JSON. */
export interface Planned {
  /** Runs the command; resolves when done, throws on failure. */
  run: (io: CliIo) => Promise<void>
  /** Whether the command prints JSON (a failure is then printed as JSON too). */
  json: boolean
}

/** Parsed options, camel-cased, as the option parser gives them. */
export type ParsedOptions = Record<string, unknown>

/** One option of a command, as registered with the parser and listed by the help. */
export type OptionSpec = HelpOption

/** A `leadcall` command: how it is parsed, documented and planned. */
export interface CommandSpec {
  /** The command's name. */
  name: string
  /** Name and positional arguments, as the option parser takes them: `import <file>`. */
  pattern: string
  /** The usage line of its help. */
  usage: string
  /** One line, for the program's help. */
  summary: string
  /** A few lines, for the command's help. */
  description: string
  /** Its options, `--help` included. */
  options: readonly OptionSpec[]
  /** Example invocations. */
  examples: readonly string[]
  /**
   * Checks the arguments and options and returns the work to run; throws a usage error
   * (`usageError`) on a bad one. `argv` is the raw command line, for string options.
   */
  plan(args: readonly string[], options: ParsedOptions, argv: readonly string[], io: CliIo): Planned
}

/** `-h, --help`, which every command takes. */
export const HELP_OPTION: OptionSpec = { flags: '-h, --help', description: 'Display this message' }

/** `--json`, which every command takes. */
export const JSON_OPTION: OptionSpec = {
  flags: '--json',
  description: 'Print machine-readable JSON to stdout, and nothing else there',
}

/** `--url`, of the commands that talk to a server. */
export const URL_OPTION: OptionSpec = {
  flags: '--url <base-url>',
  description: "The server's base URL, where its handler is mounted (required)",
}

/** `--token`, of the commands that talk to a server. */
export const TOKEN_OPTION: OptionSpec = {
  flags: '--token <token>',
  description: 'Sent as `Authorization: Bearer <token>` (default: $LEADCALL_TOKEN)',
}

/** Whether a boolean option (`--json`) was given. */
export function flagOf(options: ParsedOptions, name: string): boolean {
  return options[name] === true
}

/** `--token`, as typed, else `LEADCALL_TOKEN`, else none. */
export function tokenOf(options: ParsedOptions, argv: readonly string[], io: CliIo): string | undefined {
  if (options.token === undefined) return io.env.LEADCALL_TOKEN || undefined
  const raw = rawOptionValue(argv, '--token')
  if (raw === undefined || raw === '') throw usageError('--token needs a value')
  return raw
}

/** `--url`, as typed and checked (see `baseUrlOption`). */
export function urlOf(options: ParsedOptions, argv: readonly string[]): string {
  if (options.url === undefined) throw usageError('--url is required: the base URL of the leadcall server')
  return baseUrlOption(rawOptionValue(argv, '--url'))
}
