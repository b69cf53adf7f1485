/**
 * A small pino-compatible logger writing JSON lines: {@link consoleLogger}.
 *
 * @module
 */
import type { LogFn, Logger } from '@leadcall/core'
import type { LogLevel } from './example-config.js'

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 }

/** An error as JSON: its name, message, code and stack (its cause too, one level). */
function serialize(value: unknown): unknown {
  if (!(value instanceof Error)) return value
  const out: Record<string, unknown> = { type: value.name, message: value.message }
  const code = (value as { code?: unknown }).code
  if (code !== undefined) out.code = code
  if (value.stack !== undefined) out.stack = value.stack
  if (value.cause instanceof Error) out.cause = { type: value.cause.name, message: value.cause.message }
  return out
}

/**
 * A logger writing one JSON object per line (`level`, `time`, `msg` and the fields), as pino does,
 * for the lines at `level` or more severe; errors under `err` are written with their stack.
 *
 * @param write where each line goes (default: standard output)
 */
export function consoleLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  bindings: Record<string, unknown> = {},
): Logger {
  const method =
    (name: Exclude<LogLevel, 'silent'>): LogFn =>
    (objOrMsg: Record<string, unknown> | string, msg?: string) => {
      if (RANK[name] > RANK[level]) return
      const fields = typeof objOrMsg === 'string' ? {} : objOrMsg
      const text = typeof objOrMsg === 'string' ? objOrMsg : msg
      const line: Record<string, unknown> = { level: name, time: new Date().toISOString(), ...bindings }
      for (const [key, value] of Object.entries(fields)) line[key] = serialize(value)
      if (text !== undefined) line.msg = text
      write(JSON.stringify(line))
    }
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    child: (more) => consoleLogger(level, write, { ...bindings, ...more }),
  }
}
