import { spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, dropSchemas, skip, testSchema } from './postgres.test-util.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const tsxCli = require.resolve('tsx/cli')
/** tsup's command, run in the package directory: its configuration and dependencies apply. */
const tsupCli = join(require.resolve('tsup/package.json'), '..', 'dist/cli-default.js')
const schemas: string[] = []
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/test'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its end, with a clean environment (no DATABASE_URL unless given). */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { DATABASE_URL: _, ...inherited } = process.env
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: packageDir, env: { ...inherited, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** `leadcall-postgres` from the sources, through tsx. */
const fromSource = (args: string[], env?: Record<string, string>) =>
  run(process.execPath, [tsxCli, join(packageDir, 'src/cli.ts'), ...args], env)

function schema(label: string): string {
  const name = testSchema(label)
  schemas.push(name)
  return name
}

afterAll(async () => {
  if (skip !== false || schemas.length === 0) return
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
  await dropSchemas(pool, ...schemas)
  await pool.end()
})

describe('leadcall-postgres (sources)', () => {
  it('prints its usage with --help', async () => {
    const result = await fromSource(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: leadcall-postgres migrate/)
  })

  it('fails with one line and exit code 1 on bad usage or an unreachable database', async () => {
    for (const [args, env, message] of [
      [['migrate'], {}, 'leadcall-postgres: no database: pass --url or set DATABASE_URL\n'],
      [[], {}, 'leadcall-postgres: missing command: migrate\n'],
      [['upgrade', '--url', UNREACHABLE], {}, 'leadcall-postgres: unknown command: upgrade\n'],
      [['migrate', '--url', UNREACHABLE, '--schema', 'no-good'], {}, /schema must be an identifier/],
      [['migrate'], { DATABASE_URL: UNREACHABLE }, /^leadcall-postgres: .*ECONNREFUSED.*\n$/],
    ] as const) {
      const result = await fromSource([...args], env)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr).toMatch(typeof message === 'string' ? new RegExp(`^${message}$`) : message)
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1)
    }
  }, 60_000)

  it.skipIf(skip)(
    'applies the migrations, then finds nothing to apply; with --url or DATABASE_URL',
    async () => {
      const target = schema('cli')
      const first = await fromSource(['migrate', '--url', DATABASE_URL, '--schema', target])
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      expect(first.stdout).toContain('applied 0001_initial\n')
      expect(first.stdout).toContain('applied 0002_process_analytics\n')
      expect(first.stdout).toContain(`schema "${target}" is at version 2 (2 applied)`)

      const second = await fromSource(['migrate', '--schema', target], { DATABASE_URL })
      expect(second.code).toBe(0)
      expect(second.stdout).not.toContain('applied 0001')
      expect(second.stdout).toContain(`schema "${target}" is up to date at version 2: nothing to apply`)
    },
    60_000,
  )
})

describe('leadcall-postgres (built package)', () => {
  let root: string

  // Builds the package with its own tsup configuration (types aside) into a directory laid out like
  // the published package (dist/ next to migrations/), in both module formats.
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'leadcall-postgres-build-'))
    const built = await run(process.execPath, [
      tsupCli,
      '--out-dir',
      join(root, 'dist'),
      '--no-dts',
      '--silent',
    ])
    if (built.code !== 0) throw new Error(`tsup failed: ${built.stderr}`)
    await cp(join(packageDir, 'migrations'), join(root, 'migrations'), { recursive: true })
    await writeFile(join(root, 'package.json'), JSON.stringify({ type: 'module' }))
    await symlink(join(packageDir, 'node_modules'), join(root, 'node_modules'), 'dir')
  }, 60_000)

  afterAll(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true })
  })

  for (const file of ['cli.js', 'cli.cjs']) {
    it(`starts with a node hashbang and is executable (${file})`, async () => {
      const path = join(root, 'dist', file)
      expect((await readFile(path, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node')
      expect((await stat(path)).mode & 0o111).not.toBe(0)
    })

    it.skipIf(skip)(
      `finds its migrations and applies them (${file})`,
      async () => {
        const target = schema('built')
        const result = await run(
          process.execPath,
          [join(root, 'dist', file), 'migrate', '--schema', target],
          {
            DATABASE_URL,
          },
        )
        expect(result.stderr).toBe('')
        expect(result.code).toBe(0)
        expect(result.stdout).toContain('applied 0001_initial\n')
      },
      60_000,
    )
  }
})
