/**
 * Module hooks that append the URL of every module a process resolves to the file named by
 * `register(…, { data: { log } })`: what importing a package really loads.
 */
import { appendFileSync } from 'node:fs'

let log = ''

/** Receives the log file's path. */
export function initialize(data) {
  log = data.log
}

/** Resolves as the next hook does, and records the result. */
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(log, `${result.url}\n`)
  return result
}
