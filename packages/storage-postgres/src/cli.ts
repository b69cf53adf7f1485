#!/usr/bin/env node
/**
 * The `leadcall-postgres` command.
 *
 * ```sh
 * leadcall-postgres migrate --url postgres://user@host:5432/db --schema leadcall
 * DATABASE_URL=postgres://user@host:5432/db leadcall-postgres migrate
 * ```
 *
 * Prints each migration it applies and the schema's version; exits with 1 and a one-line message
 * (no stack trace) on any failure.
 *
 * @internal
 * @module
 */
import { parseArgs } from 'node:util'
import { migrate } from './postgres-migrate.js'

const USAGE = `Usage: leadcall-postgres migrate [--url <connection string>] [--schema <name>]

Applies the migrations of @leadcall/postgres that the schema does not have yet.
Safe to run from several processes at once; a second run applies nothing.

Options:
  --url <url>       PostgreSQL connection string (default: the DATABASE_URL environment variable)
  --schema <name>   schema of the leadcall tables (default: leadcall)
  -h, --help        show this help`

async function main(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      schema: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const [command, ...rest] = positionals
  if (command !== 'migrate' || rest.length > 0)
    throw new Error(
      command === undefined ? 'missing command: migrate' : `unknown command: ${[command, ...rest].join(' ')}`,
    )
  const url = values.url ?? env.DATABASE_URL
  if (url === undefined || url === '') throw new Error('no database: pass --url or set DATABASE_URL')
  const schema = values.schema ?? 'leadcall'
  console.log(`migrating schema "${schema}" of ${redact(url)}`)
  const result = await migrate({ connectionString: url, schema })
  for (const migration of result.applied)
    console.log(`applied ${String(migration.version).padStart(4, '0')}_${migration.name}`)
  console.log(
    result.applied.length === 0
      ? `schema "${result.schema}" is up to date at version ${result.version}: nothing to apply`
      : `schema "${result.schema}" is at version ${result.version} (${result.applied.length} applied)`,
  )
  return 0
}

/** The connection string without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the given database'
  }
}

/** A one-line description of an error (a refused connection may be an AggregateError without message). */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.message === '')
    return error.errors.map(describe).join('; ') || 'connection failed'
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name)
  return String(error)
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(`leadcall-postgres: ${describe(error)}`)
    process.exitCode = 1
  },
)
