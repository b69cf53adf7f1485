/**
 * What the documents, queue and records parts of one storage share: the pool, the quoted schema,
 * the clock, and how a statement runs.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto'
import type { StorageCallOptions } from '@leadcall/core'
import type pg from 'pg'
import { gateOf } from './postgres-gate.js'
import { execute, type RawRow, type Statement } from './postgres-support.js'

/** How `atomic` makes its commits durable, see `PostgresStorageOptions.commitMode`. @internal */
export type CommitMode = 'early-release' | 'synchronous' | 'asynchronous'

/** The shared state of one storage's operations. @internal */
export interface DriverContext {
  /** The schema, quoted for SQL. */
  readonly schema: string
  /** The client clock in ms, or `null` to use the database's clock. */
  now(): number | null
  /** How `atomic` commits, see `PostgresStorageOptions.commitMode`. */
  readonly commitMode: CommitMode
  /**
   * Runs one statement. `name` marks a fixed statement, prepared once per connection (when
   * prepared statements are enabled); dynamic statements pass `undefined`. `urgent` statements
   * (commits) get a connection before the others, see `postgres-gate.ts`.
   */
  run(
    name: string | undefined,
    text: string,
    values: unknown[],
    options?: StorageCallOptions,
    urgent?: boolean,
    followUp?: Statement['followUp'],
  ): Promise<pg.QueryResult<RawRow>>
}

/** Settings of {@link createContext}. @internal */
export interface ContextSettings {
  pool: pg.Pool
  /** How many statements of the driver may run at once on the pool (its size). */
  concurrency: number
  /** The schema name, unquoted (already validated). */
  schemaName: string
  quotedSchema: string
  now: (() => number) | undefined
  prepareStatements: boolean
  commitMode: CommitMode
  /** Awaited before every statement (e.g. the automatic migration). */
  ready: (options?: StorageCallOptions) => Promise<void> | undefined
}

/** Creates the context of one storage. @internal */
export function createContext(settings: ContextSettings): DriverContext {
  const { pool, now, prepareStatements, ready } = settings
  const gate = gateOf(pool, settings.concurrency)
  // Statement names are per connection and shared by every storage on the pool: they carry a hash
  // of the schema, since the same statement has another text in another schema.
  const prefix = `leadcall_${createHash('sha256').update(settings.schemaName).digest('hex').slice(0, 12)}_`
  return {
    schema: settings.quotedSchema,
    now: now === undefined ? () => null : now,
    commitMode: settings.commitMode,
    async run(name, text, values, options, urgent = false, followUp = undefined) {
      const waiting = ready(options)
      if (waiting !== undefined) await waiting
      const statement: Statement = { text, values }
      if (prepareStatements && name !== undefined) statement.name = prefix + name
      if (followUp !== undefined) statement.followUp = followUp
      return execute(pool, gate, statement, urgent, options?.signal)
    },
  }
}
