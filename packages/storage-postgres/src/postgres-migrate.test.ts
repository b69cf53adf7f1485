import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, dropSchemas, skip, testSchema } from './postgres.test-util.js'
import { listMigrations, migrate } from './postgres-migrate.js'

const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url))
const pool = skip === false ? new pg.Pool({ connectionString: DATABASE_URL, max: 4 }) : undefined
const created: string[] = []
const tempDirs: string[] = []

/** A schema name for one test, dropped after the file. */
function fresh(label: string): string {
  const schema = testSchema(label)
  created.push(schema)
  return schema
}

/** A copy of the migrations directory, plus extra files. */
async function migrationsCopy(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leadcall-migrations-'))
  tempDirs.push(dir)
  for (const migration of await listMigrations()) {
    const file = `${String(migration.version).padStart(4, '0')}_${migration.name}.sql`
    await copyFile(join(migrationsDir, file), join(dir, file))
  }
  for (const [file, sql] of Object.entries(extra)) await writeFile(join(dir, file), sql)
  return dir
}

async function applied(schema: string): Promise<{ version: number; name: string; checksum: string }[]> {
  const { rows } = await pool!.query(
    `SELECT version, name, checksum FROM "${schema}".schema_migrations ORDER BY version`,
  )
  return rows
}

async function tables(schema: string): Promise<string[]> {
  const { rows } = await pool!.query<{ name: string }>(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
    [schema],
  )
  return rows.map((row) => row.name)
}

afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true })
  if (pool === undefined) return
  await dropSchemas(pool, ...created)
  await pool.end()
})

describe('listMigrations', () => {
  it('lists the shipped migrations in order, with their SQL written for the schema', async () => {
    const migrations = await listMigrations({ schema: 'Custom_1' })
    expect(migrations.map((m) => [m.version, m.name])).toEqual([
      [1, 'initial'],
      [2, 'process_analytics'],
    ])
    for (const migration of migrations) {
      expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/)
      expect(migration.sql).not.toContain('{{schema}}')
      expect(migration.sql).toContain('"Custom_1".')
    }
    expect(migrations[0]!.sql).toContain('CREATE TABLE "Custom_1".documents')
    expect(migrations[1]!.sql).toContain('CREATE VIEW "Custom_1".process_records')
    expect((await listMigrations())[0]?.sql).toContain('CREATE TABLE "leadcall".documents')
  })

  it('checksums the file itself: not the schema, not the line endings', async () => {
    const [lf] = await listMigrations({ schema: 'one' })
    const dir = await mkdtemp(join(tmpdir(), 'leadcall-migrations-'))
    tempDirs.push(dir)
    const text = await readFile(join(migrationsDir, '0001_initial.sql'), 'utf8')
    await writeFile(join(dir, '0001_initial.sql'), text.replace(/\n/g, '\r\n'))
    const [crlf] = await listMigrations({ schema: 'two', migrationsDir: dir })
    expect(crlf?.checksum).toBe(lf?.checksum)
  })

  it('rejects a bad schema name and a directory without migrations', async () => {
    await expect(listMigrations({ schema: 'x"y' })).rejects.toThrow(/identifier/)
    await expect(listMigrations({ migrationsDir: join(tmpdir(), 'no-such-dir-leadcall') })).rejects.toThrow(
      /Cannot read the leadcall migrations/,
    )
    await expect(migrate({ schema: 'drop table', connectionString: DATABASE_URL })).rejects.toThrow(
      /identifier/,
    )
  })
})

describe.skipIf(skip)('migrate', () => {
  it('creates the schema and its tables, records what it applied, and applies nothing the second time', async () => {
    const schema = fresh('first')
    const first = await migrate({ connectionString: DATABASE_URL, schema })
    expect(first).toEqual({
      schema,
      applied: [
        expect.objectContaining({ version: 1, name: 'initial' }),
        expect.objectContaining({ version: 2, name: 'process_analytics' }),
      ],
      version: 2,
    })
    expect(await tables(schema)).toEqual([
      'documents',
      'process_records',
      'queue_items',
      'records',
      'schema_migrations',
    ])
    const shipped = await listMigrations({ schema })
    expect(await applied(schema)).toEqual([
      { version: 1, name: 'initial', checksum: shipped[0]!.checksum },
      { version: 2, name: 'process_analytics', checksum: shipped[1]!.checksum },
    ])

    expect(await migrate({ connectionString: DATABASE_URL, schema })).toEqual({
      schema,
      applied: [],
      version: 2,
    })
    expect(await applied(schema)).toHaveLength(2)
  })

  it('applies everything exactly once when several processes migrate at the same time', async () => {
    const schema = fresh('concurrent')
    const results = await Promise.all(
      Array.from({ length: 6 }, () => migrate({ connectionString: DATABASE_URL, schema })),
    )
    expect(results.flatMap((result) => result.applied.map((m) => m.version))).toEqual([1, 2])
    expect(results.every((result) => result.version === 2)).toBe(true)
    expect((await applied(schema)).map((row) => row.version)).toEqual([1, 2])
  })

  it('refuses to go on when an applied migration changed', async () => {
    const schema = fresh('changed')
    await migrate({ connectionString: DATABASE_URL, schema })
    await pool!.query(`UPDATE "${schema}".schema_migrations SET checksum = 'edited' WHERE version = 1`)
    await expect(migrate({ connectionString: DATABASE_URL, schema })).rejects.toThrow(
      /0001_initial changed after it was applied/,
    )
    // The lock was released: a run that finds nothing wrong goes through.
    await pool!.query(`DELETE FROM "${schema}".schema_migrations`)
    const dir = await migrationsCopy()
    await pool!.query(`DROP SCHEMA "${schema}" CASCADE`)
    expect((await migrate({ connectionString: DATABASE_URL, schema, migrationsDir: dir })).version).toBe(2)
  })

  it('applies new migrations in order, and rolls back one that fails, recording nothing of it', async () => {
    const schema = fresh('incremental')
    await migrate({ connectionString: DATABASE_URL, schema })
    const dir = await migrationsCopy({
      '0003_extra.sql': 'CREATE TABLE {{schema}}.extra (id integer PRIMARY KEY);\n',
      '0004_broken.sql': 'CREATE TABLE {{schema}}.half (id integer);\nSELECT * FROM no_such_table;\n',
    })
    await expect(migrate({ connectionString: DATABASE_URL, schema, migrationsDir: dir })).rejects.toThrow(
      /Migration 0004_broken failed in schema ".*": relation "no_such_table" does not exist/,
    )
    expect((await applied(schema)).map((row) => row.version)).toEqual([1, 2, 3])
    expect(await tables(schema)).toContain('extra')
    expect(await tables(schema)).not.toContain('half')

    await writeFile(join(dir, '0004_broken.sql'), 'CREATE TABLE {{schema}}.half (id integer);\n')
    const fixed = await migrate({ connectionString: DATABASE_URL, schema, migrationsDir: dir })
    expect(fixed.applied.map((m) => m.name)).toEqual(['broken'])
    expect(fixed.version).toBe(4)
  })

  it('takes one connection from a pool it is given, gives it back, and leaves the pool open', async () => {
    const schema = fresh('pool')
    const own = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
    try {
      expect((await migrate({ pool: own, schema })).applied).toHaveLength(2)
      expect((await migrate({ pool: own, schema })).applied).toHaveLength(0)
      expect(own.ended).toBe(false)
      expect(own.idleCount).toBe(1)
      // The session lock was released: another connection can take it at once.
      const { rows } = await pool!.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [
        `leadcall.migrate:${schema}`,
      ])
      expect(rows[0].locked).toBe(true)
      await pool!.query('SELECT pg_advisory_unlock_all()')
    } finally {
      await own.end()
    }
  })

  it('uses the schema name exactly, case included', async () => {
    const schema = fresh('Upper').replace('lc_test_', 'LC_Test_')
    created.push(schema)
    await migrate({ connectionString: DATABASE_URL, schema })
    const { rows } = await pool!.query('SELECT nspname FROM pg_namespace WHERE nspname = $1', [schema])
    expect(rows).toEqual([{ nspname: schema }])
  })

  it('stops waiting for the lock when its signal aborts', async () => {
    const schema = fresh('abort')
    await expect(
      migrate({ connectionString: DATABASE_URL, schema, signal: AbortSignal.abort(new Error('early')) }),
    ).rejects.toThrow('early')
    const holder = await pool!.connect()
    try {
      await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`leadcall.migrate:${schema}`])
      const controller = new AbortController()
      const waiting = migrate({ connectionString: DATABASE_URL, schema, signal: controller.signal })
      setTimeout(() => controller.abort(new Error('gave up')), 200)
      await expect(waiting).rejects.toThrow('gave up')
      const { rows } = await pool!.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
      expect(rows).toEqual([])
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()')
      holder.release()
    }
  })
})
