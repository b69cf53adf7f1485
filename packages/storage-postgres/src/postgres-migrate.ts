/**
 * The versioned SQL migrations of the PostgreSQL driver: {@link migrate} and {@link listMigrations}.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { abortable, DEFAULT_SCHEMA, quoteSchemaName, schemaProblem } from './postgres-common.js'

/** A migration shipped with the package, see {@link listMigrations}. */
export interface MigrationInfo {
  /** The version, from the file name (`0001_initial.sql` is version 1). */
  version: number
  /** The name, from the file name (`initial`). */
  name: string
  /** SHA-256 (hex) of the file, line endings normalised; recorded when the migration is applied. */
  checksum: string
}

/** A migration with its SQL, ready to run in one schema. */
export interface Migration extends MigrationInfo {
  /** The SQL of the file with the schema placeholder replaced by the quoted schema name. */
  sql: string
}

/** Options of {@link listMigrations}. */
export interface ListMigrationsOptions {
  /** The schema the SQL is written for (default `leadcall`). */
  schema?: string
  /**
   * Where the `.sql` files are. Defaults to the `migrations` directory of the package, found next
   * to the module file (`dist/` or `src/`). Set it when a bundler moved the code away from it.
   */
  migrationsDir?: string | URL
}

/** Options of {@link migrate}. */
export interface MigrateOptions extends ListMigrationsOptions {
  /**
   * Where to connect, e.g. `postgres://user:password@host:5432/db`. Without it (and without a
   * `pool`), the `PG*` environment variables of libpq apply (`PGHOST`, `PGDATABASE`, …).
   */
  connectionString?: string
  /** An existing pool to take one connection from (it is not ended). */
  pool?: pg.Pool
  /** TLS settings of the connection `migrate` opens (ignored with `pool`), as in `pg`. */
  ssl?: pg.ClientConfig['ssl']
  /** Stops waiting for the lock, and stops between migrations. Migrations already applied stay. */
  signal?: AbortSignal
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** The schema migrated. */
  schema: string
  /** The migrations this call applied, in order (empty when the schema was up to date). */
  applied: MigrationInfo[]
  /** The highest migration version applied to the schema after this call (0 for none). */
  version: number
}

/** The schema placeholder of the migration files. */
const PLACEHOLDER = /\{\{schema\}\}/g
const FILE = /^(\d{4,})_([A-Za-z0-9_-]+)\.sql$/
/** How often a waiting `migrate` tries the lock again, in ms. */
const LOCK_POLL_MS = 50

/** The `migrations` directory of the package: a sibling of `src/` and of `dist/`. */
function defaultMigrationsDir(): string {
  return fileURLToPath(new URL('../migrations/', import.meta.url))
}

/**
 * The migrations shipped with the package, in version order, with their SQL written for `schema`:
 * to review the SQL, or to apply it with your own migration tool. ({@link migrate} skips a
 * migration only when `<schema>.schema_migrations` has its version.)
 */
export async function listMigrations(options: ListMigrationsOptions = {}): Promise<Migration[]> {
  const quoted = checkedSchema(options.schema ?? DEFAULT_SCHEMA)
  const dir = migrationsDir(options.migrationsDir)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (cause) {
    throw new Error(`Cannot read the leadcall migrations in ${dir}; set migrationsDir`, { cause })
  }
  const found = names
    .map((file) => ({ file, match: FILE.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }) => ({ file, version: Number(match[1]), name: match[2]! }))
    .sort((a, b) => a.version - b.version)
  if (found.length === 0) throw new Error(`No migration files (NNNN_name.sql) in ${dir}; set migrationsDir`)
  const migrations: Migration[] = []
  for (const { file, version, name } of found) {
    if (migrations.at(-1)?.version === version)
      throw new Error(`Two migration files have version ${version} in ${dir}`)
    const text = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n')
    const checksum = createHash('sha256').update(text).digest('hex')
    migrations.push({ version, name, checksum, sql: text.replace(PLACEHOLDER, quoted) })
  }
  return migrations
}

function migrationsDir(dir: string | URL | undefined): string {
  if (dir === undefined) return defaultMigrationsDir()
  return dir instanceof URL ? fileURLToPath(dir) : dir
}

/**
 * Applies the migrations of the package that the schema does not have yet, in version order, each
 * in its own transaction together with its row in `<schema>.schema_migrations` (version, name,
 * checksum, applied_at). Creates the schema when it does not exist.
 *
 * - Idempotent: a second run applies nothing.
 * - Safe to run from several processes at once (e.g. every replica at start-up): a session
 *   advisory lock keyed by the schema name lets one run at a time; the others wait, then find
 *   everything applied.
 * - Refuses to go on when an applied migration's file changed since (checksum mismatch).
 *
 * @example
 * ```ts
 * import { migrate } from '@leadcall/postgres'
 *
 * const { applied } = await migrate({ connectionString: process.env.DATABASE_URL })
 * for (const m of applied) console.log(`applied ${m.version} ${m.name}`)
 * ```
 */
export async function migrate(options: MigrateOptions = {}): Promise<MigrateResult> {
  const { signal } = options
  signal?.throwIfAborted()
  const schema = options.schema ?? DEFAULT_SCHEMA
  const quoted = checkedSchema(schema)
  const migrations = await listMigrations(options)
  if (options.pool !== undefined && options.connectionString !== undefined)
    throw new Error('migrate: pass either pool or connectionString, not both')

  let client: pg.ClientBase
  let release: (failure?: Error) => Promise<void> | void
  if (options.pool !== undefined) {
    const pooled = await options.pool.connect()
    client = pooled
    // After a failure a pooled connection is discarded rather than reused: whatever state the
    // session was left in (lock, aborted transaction) goes with it.
    release = (failure) => pooled.release(failure)
  } else {
    const config: pg.ClientConfig = { application_name: 'leadcall-migrate' }
    if (options.connectionString !== undefined) config.connectionString = options.connectionString
    if (options.ssl !== undefined) config.ssl = options.ssl
    const own = new pg.Client(config)
    // An error of the idle connection (e.g. the server went away) surfaces in the next query.
    own.on('error', () => {})
    await own.connect()
    client = own
    release = () => own.end().catch(() => {})
  }
  let failure: Error | undefined
  try {
    return await withLock(client, schema, signal, () => applyAll(client, schema, quoted, migrations, signal))
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error))
    throw error
  } finally {
    await release(failure)
  }
}

/** Runs `task` while holding the session advisory lock of the schema's migrations. */
async function withLock<T>(
  client: pg.ClientBase,
  schema: string,
  signal: AbortSignal | undefined,
  task: () => Promise<T>,
): Promise<T> {
  const lockKey = `leadcall.migrate:${schema}`
  const tryLock = `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`
  for (;;) {
    signal?.throwIfAborted()
    const { rows } = await client.query<{ locked: boolean }>(tryLock, [lockKey])
    if (rows[0]?.locked) break
    await sleep(LOCK_POLL_MS, signal)
  }
  let result: T
  try {
    result = await task()
  } catch (error) {
    // The caller discards the connection after a failure, which ends the session and so releases
    // the lock even when this unlock fails.
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]).catch(() => {})
    throw error
  }
  await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey])
  return result
}

async function applyAll(
  client: pg.ClientBase,
  schema: string,
  quoted: string,
  migrations: readonly Migration[],
  signal: AbortSignal | undefined,
): Promise<MigrateResult> {
  // Created only when missing, so that a role without CREATE on the database can migrate a schema
  // an administrator created for it.
  const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
  if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoted}`)
  await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`)
  const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
    `SELECT version, name, checksum FROM ${quoted}.schema_migrations ORDER BY version`,
  )
  const done = new Map(rows.map((row) => [row.version, row]))
  for (const migration of migrations) {
    const applied = done.get(migration.version)
    if (applied !== undefined && applied.checksum !== migration.checksum)
      throw new Error(
        `Migration ${label(migration)} changed after it was applied to schema "${schema}" ` +
          `(checksum ${applied.checksum.slice(0, 12)}… recorded, ${migration.checksum.slice(0, 12)}… now); ` +
          'applied migrations must never be edited: add a new migration instead',
      )
  }

  const applied: MigrationInfo[] = []
  for (const migration of migrations) {
    if (done.has(migration.version)) continue
    signal?.throwIfAborted()
    await client.query('BEGIN')
    try {
      await client.query(migration.sql)
      await client.query(
        `INSERT INTO ${quoted}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
        [migration.version, migration.name, migration.checksum],
      )
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      const message = error instanceof Error ? error.message : String(error)
      throw new Error(`Migration ${label(migration)} failed in schema "${schema}": ${message}`, {
        cause: error,
      })
    }
    applied.push({ version: migration.version, name: migration.name, checksum: migration.checksum })
  }
  const version = Math.max(0, ...done.keys(), ...applied.map((m) => m.version))
  return { schema, applied, version }
}

function checkedSchema(schema: string): string {
  const problem = schemaProblem(schema)
  if (problem !== undefined) throw new Error(problem)
  return quoteSchemaName(schema)
}

function label(migration: MigrationInfo): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}`
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const wait = () => new Promise<void>((resolve) => setTimeout(resolve, ms))
  return signal === undefined ? wait() : abortable(signal, wait)
}
