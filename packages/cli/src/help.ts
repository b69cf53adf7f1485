/** One option of a command, as its help lists it. */
export interface HelpOption {
  /** As typed, with its value: `--url <base-url>`, `-h, --help`. */
  flags: string
  /** What it does, defaults included. */
  description: string
}

/** What the help of one command (or of the whole program) shows. */
export interface HelpPage {
  /** The usage line after `$ leadcall `. */
  usage: string
  /** What the command does, in a few lines. */
  description: string
  /** The commands, for the program's page: name with arguments, and what it does. */
  commands?: readonly { usage: string; description: string; name: string }[]
  /** The options. */
  options: readonly HelpOption[]
  /** Example invocations, after `$ `. */
  examples?: readonly string[]
}

/** The exit codes every command uses, as the help lists them. */
export const EXIT_CODE_HELP = [
  ['0', 'success'],
  ['1', 'failure: the command ran and failed (refused by the server, server unreachable, …)'],
  ['2', 'usage error: unknown command or option, missing or invalid value'],
] as const

function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n')
}

/** Renders a help page: usage, description, commands, options, exit codes and examples. */
export function renderHelp(name: string, version: string, page: HelpPage): string {
  const sections = [`${name}/${version}`, `Usage:\n  $ ${name} ${page.usage}`, page.description]
  if (page.commands && page.commands.length > 0) {
    sections.push(`Commands:\n${columns(page.commands.map((c) => [c.usage, c.description] as const))}`)
    sections.push(
      `For more info, run any command with the \`--help\` flag:\n${page.commands
        .map((c) => `  $ ${name} ${c.name} --help`)
        .join('\n')}`,
    )
  }
  sections.push(`Options:\n${columns(page.options.map((o) => [o.flags, o.description] as const))}`)
  sections.push(`Exit codes:\n${columns(EXIT_CODE_HELP)}`)
  if (page.examples && page.examples.length > 0)
    sections.push(`Examples:\n${page.examples.map((e) => `  $ ${e}`).join('\n')}`)
  return `${sections.join('\n\n')}\n`
}
