import { Console } from 'node:console'

/** A stream the CLI writes to: `process.stdout`, `process.stderr`, or any writable (tests). */
export type CliStream = NodeJS.WritableStream & {
  /** True when the stream is a terminal: live progress is drawn only then. */
  isTTY?: boolean
  /** The terminal's width in columns, when it is one. */
  columns?: number
}

/** Where the CLI reads its environment from and writes to; {@link runCli} defaults to the process's. */
export interface CliIo {
  /** Results: tables, summaries, and with `--json` the JSON document and nothing else. */
  stdout: CliStream
  /** Progress and error messages. */
  stderr: CliStream
  /** Environment variables (`LEADCALL_TOKEN`). */
  env: Readonly<Record<string, string | undefined>>
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env }
}

/** Writes `text` and a newline. */
export function writeLine(stream: CliStream, text = ''): void {
  stream.write(`${text}\n`)
}

/** Writes `value` as indented JSON and a newline: what `--json` prints. */
export function writeJson(stream: CliStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Prints `data` with `console.table` formatting, to `stream`. */
export function writeConsoleTable(stream: CliStream, data: unknown): void {
  new Console({ stdout: stream, stderr: stream }).table(data)
}
