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
import { abortable } from './postgres-common.js'
import { createFlusher, FLUSH_SQL } from './postgres-flush.js'
import { gateOf } from './postgres-gate.js'
import { execute, executeLate, type RawRow, type Statement } from './postgres-support.js'

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
  ): Promise<pg.QueryResult<RawRow>>
  /**
   * Runs the statement `build` returns once a turn and a connection are there (nothing when it
   * returns `undefined`), as a call that is not a commit: calls that queue meanwhile can join it.
   */
  runLate(build: () => LateStatement | undefined): Promise<pg.QueryResult<RawRow> | undefined>
  /**
   * Resolves once every commit completed before this call is durable (flushed to the WAL on disk),
   * see `postgres-flush.ts`. Rejects with the signal's reason if it aborts first.
   */
  flush(options?: StorageCallOptions): Promise<void>
  /**
   * Runs a commit and its flush wait, counted as under way until both are done, see {@link idle}.
   */
  committing<T>(task: () => Promise<T>): Promise<T>
  /** Resolves once no commit is under way (`close()` waits for it before ending the pool). */
  idle(): Promise<void>
}

/** A fixed statement of the driver (`name`, prepared once per connection) and its values. @internal */
export interface LateStatement {
  name: string
  text: string
  values: unknown[]
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
  // The flush statement is the same in every schema: no schema hash in its name.
  const flushStatement: Statement = { text: FLUSH_SQL, values: [] }
  if (prepareStatements) flushStatement.name = 'leadcall_flush'
  const flusher = createFlusher(() => execute(pool, gate, flushStatement, 'flush', undefined))
  /** The commits under way, with their flush waits. */
  const underway = new Set<Promise<void>>()
  return {
    schema: settings.quotedSchema,
    now: now === undefined ? () => null : now,
    commitMode: settings.commitMode,
    async run(name, text, values, options, urgent = false) {
      const waiting = ready(options)
      if (waiting !== undefined) await waiting
      const statement: Statement = { text, values }
      if (prepareStatements && name !== undefined) statement.name = prefix + name
      return execute(pool, gate, statement, urgent ? 'commit' : 'other', options?.signal)
    },
    async runLate(build) {
      const waiting = ready()
      if (waiting !== undefined) await waiting
      return executeLate(
        pool,
        gate,
        () => {
          const late = build()
          if (late === undefined) return undefined
          const statement: Statement = { text: late.text, values: late.values }
          if (prepareStatements) statement.name = prefix + late.name
          return statement
        },
        'other',
      )
    },
    flush(options) {
      const signal = options?.signal
      return signal === undefined ? flusher.wait() : abortable(signal, () => flusher.wait())
    },
    committing(task) {
      const work = task()
      const done = work.then(
        () => {},
        () => {},
      )
      underway.add(done)
      done.then(() => underway.delete(done))
      return work
    },
    async idle() {
      while (underway.size > 0) await Promise.all(underway)
      await flusher.idle()
    },
  }
}
