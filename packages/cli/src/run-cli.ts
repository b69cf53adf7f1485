import { LeadCallError } from '@leadcall/core'
import { cac } from 'cac'
import { type CommandSpec, flagOf, HELP_OPTION, type ParsedOptions, type Planned } from './command-spec.js'
import { demoSpec } from './demo/demo-spec.js'
import { type HelpPage, renderHelp } from './help.js'
import { importSpec } from './import/import-spec.js'
import { type CliIo, processIo, writeJson, writeLine } from './io.js'
import { isUsageError } from './options.js'
import { simulateSpec } from './simulate/simulate-spec.js'
import { statsSpec } from './stats/stats-spec.js'
import { CLI_VERSION } from './version.js'

/** The exit codes of `leadcall`: 0 success, 1 failure, 2 usage error. */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  ok: 0,
  /** The command ran and failed: the server refused or could not be reached, the pipeline failed. */
  failure: 1,
  /** The command line is wrong: unknown command or option, missing or invalid value. */
  usage: 2,
} as const

const COMMANDS: readonly CommandSpec[] = [demoSpec, importSpec, simulateSpec, statsSpec]

const PROGRAM_HELP: HelpPage = {
  usage: '<command> [options]',
  description: 'leadcall turns incoming leads into phone calls with the right agent.',
  commands: COMMANDS.map((c) => ({ name: c.name, usage: c.pattern, description: c.summary })),
  options: [HELP_OPTION, { flags: '-v, --version', description: 'Display the version number' }],
  examples: [
    'leadcall demo',
    'leadcall simulate --compare longest-idle,random',
    'leadcall stats --url http://localhost:3000',
  ],
}

function helpOf(spec: CommandSpec | undefined): string {
  if (spec === undefined) return renderHelp('leadcall', CLI_VERSION, PROGRAM_HELP)
  return renderHelp('leadcall', CLI_VERSION, {
    usage: spec.usage,
    description: spec.description,
    options: spec.options,
    examples: spec.examples,
  })
}

function usageFailure(io: CliIo, message: string, spec: CommandSpec | undefined): number {
  writeLine(io.stderr, `leadcall: ${message}`)
  writeLine(io.stderr, `Run "leadcall ${spec ? `${spec.name} ` : ''}--help" for usage.`)
  return EXIT_CODES.usage
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Runs the `leadcall` command line: parses `argv` (the arguments after the program, e.g.
 * `['simulate', '--compare', 'random']`), runs the command, and resolves with the exit code —
 * {@link EXIT_CODES}: 0 on success, 1 when the command failed (its message on stderr, and with
 * `--json` the error as JSON on stdout), 2 on a usage error (its message on stderr). Never exits the
 * process and never throws; `io` defaults to the process's streams and environment.
 *
 * @example
 * ```ts
 * import { runCli } from '@leadcall/cli'
 *
 * process.exitCode = await runCli(['simulate', '--leads', '200', '--compare', 'longest-idle'])
 * ```
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const cliIo: CliIo = { ...processIo(), ...io }
  const cli = cac('leadcall')
  cli.option('-h, --help', 'Display this message')
  cli.option('-v, --version', 'Display the version number')
  for (const spec of COMMANDS) {
    const command = cli.command(spec.pattern, spec.summary)
    for (const option of spec.options)
      if (option !== HELP_OPTION) command.option(option.flags, option.description)
  }

  let parsed: { args: readonly string[]; options: ParsedOptions }
  try {
    parsed = cli.parse(['node', 'leadcall', ...argv], { run: false })
  } catch (error) {
    return usageFailure(cliIo, messageOf(error), undefined)
  }
  const command = cli.matchedCommand
  const spec = COMMANDS.find((c) => c.name === command?.name)
  if (parsed.options.help === true) {
    cliIo.stdout.write(helpOf(spec))
    return EXIT_CODES.ok
  }
  if (parsed.options.version === true) {
    writeLine(cliIo.stdout, CLI_VERSION)
    return EXIT_CODES.ok
  }
  if (command === undefined || spec === undefined) {
    if (parsed.args.length === 0) {
      cliIo.stderr.write(helpOf(undefined))
      return EXIT_CODES.usage
    }
    return usageFailure(cliIo, `Unknown command "${parsed.args[0]}"`, undefined)
  }

  let planned: Planned
  try {
    command.checkUnknownOptions()
    command.checkOptionValue()
    command.checkRequiredArgs()
    command.checkUnusedArgs()
    planned = spec.plan(parsed.args, parsed.options, argv, cliIo)
  } catch (error) {
    // The option parser's own errors (unknown option, missing value or argument) and ours.
    if (isUsageError(error) || (error instanceof Error && error.name === 'CACError'))
      return usageFailure(cliIo, messageOf(error), spec)
    return failure(cliIo, spec, error, flagOf(parsed.options, 'json'))
  }

  try {
    await planned.run(cliIo)
    return EXIT_CODES.ok
  } catch (error) {
    return failure(cliIo, spec, error, planned.json)
  }
}

/** Reports a failed command: its message on stderr, and with `--json` the error as JSON on stdout. */
function failure(io: CliIo, spec: CommandSpec, error: unknown, json: boolean): number {
  const known = LeadCallError.isInstance(error)
  const message = known
    ? error.message
    : `unexpected error: ${error instanceof Error ? error.stack : String(error)}`
  writeLine(io.stderr, `leadcall ${spec.name}: ${message}`)
  if (json) {
    writeJson(
      io.stdout,
      known ? error.toJSON() : { error: { code: 'INTERNAL_ERROR', message: messageOf(error), status: 500 } },
    )
  }
  return EXIT_CODES.failure
}
