/**
 * The shared-store drivers under load: distribution decisions per second with 1 and 4 processes on
 * Redis and on PostgreSQL, beside each store's raw speed with the same number of clients measured
 * in the same run (`redis-benchmark` running EVALSHA of a trivial script; `pgbench` running a
 * one-row update), and the end-to-end `submitLead` rate with 4 worker processes.
 *
 * Targets: Redis decisions/s ≥ 0.3 × raw EVALSHA/s; PostgreSQL decisions/s ≥ 0.2 × pgbench TPS.
 * A store that is not reachable is skipped with a message (`CI=true` fails instead).
 *
 * `pnpm bench storage [--json] [--quick] [--only redis|postgres]`
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createLeadCall } from '@leadcall/core'
import { startCluster } from '../tests/scale-out/src/cluster.js'
import { DRIVER_URLS, dropScope, gate, openStorage } from '../tests/scale-out/src/drivers.js'
import type { DriverName } from '../tests/scale-out/src/protocol.js'
import { json, phone, report } from './support.js'

const quick = process.argv.includes('--quick')
const onlyAt = process.argv.indexOf('--only')
const only = onlyAt >= 0 ? process.argv[onlyAt + 1]?.split(',') : undefined
const DURATION_MS = quick ? 2_000 : 6_000
const CONCURRENCY = 8
const E2E_LEADS = quick ? 1_000 : 4_000
const AGENTS = 7
const DECIDER = fileURLToPath(new URL('./storage/decider.ts', import.meta.url))
const here = fileURLToPath(new URL('.', import.meta.url))

const note = (message: string) => {
  if (!json) console.log(message)
  else console.error(message)
}

async function prepare(driver: DriverName, scope: string): Promise<void> {
  const app = createLeadCall({
    storage: await openStorage(driver, DRIVER_URLS[driver], scope),
    tenant: 'bench',
  })
  for (let i = 0; i < AGENTS; i++) {
    await app.agents.upsert({ id: `a${i}`, name: `Agent ${i}`, status: 'available', capacity: 1000 })
  }
  await app.close()
}

/** Runs `processes` deciders at once on one store; decisions per second, summed. */
async function decisionsPerSecond(driver: DriverName, scope: string, processes: number): Promise<number> {
  const children = Array.from({ length: processes }, () =>
    spawn(
      process.execPath,
      [
        '--conditions=dev-source',
        '--import',
        'tsx',
        DECIDER,
        driver,
        DRIVER_URLS[driver],
        scope,
        String(DURATION_MS),
        String(CONCURRENCY),
      ],
      { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  )
  const lines = children.map((child) => createInterface({ input: child.stdout! })[Symbol.asyncIterator]())
  for (const line of lines) await line.next() // "ready"
  for (const child of children) child.stdin!.write('go\n')
  let total = 0
  for (const line of lines) {
    const { value } = await line.next()
    const result = JSON.parse(String(value)) as { decisions: number; elapsedMs: number }
    total += result.decisions / (result.elapsedMs / 1000)
  }
  return total
}

/** EVALSHA of `return 1` with `clients` connections, requests per second. */
function redisRaw(clients: number): number {
  const url = new URL(DRIVER_URLS.redis)
  const host = url.hostname
  const port = url.port || '6379'
  const load = spawnSync('redis-cli', ['-h', host, '-p', port, 'SCRIPT', 'LOAD', 'return 1'], {
    encoding: 'utf8',
  })
  if (load.status !== 0) throw new Error(`redis-cli SCRIPT LOAD failed: ${load.stderr}`)
  const sha = load.stdout.trim()
  const run = spawnSync(
    'redis-benchmark',
    [
      '-h',
      host,
      '-p',
      port,
      '-c',
      String(clients),
      '-n',
      quick ? '50000' : '200000',
      '--csv',
      'EVALSHA',
      sha,
      '0',
    ],
    { encoding: 'utf8' },
  )
  if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr}`)
  // CSV: "test","rps",... then one row per test.
  const row = run.stdout.trim().split('\n').at(-1) ?? ''
  const rps = Number(row.split(',')[1]?.replaceAll('"', ''))
  if (!Number.isFinite(rps)) throw new Error(`unexpected redis-benchmark output: ${run.stdout}`)
  return rps
}

/** TPS of a one-row update by primary key with `clients` connections (pgbench, custom script). */
function postgresRaw(scope: string, clients: number): number {
  const url = new URL(DRIVER_URLS.postgres)
  const args = [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username || 'postgres'),
  ]
  const db = url.pathname.slice(1) || 'postgres'
  const table = `"${scope}".pgbench_one_row`
  const psql = (sql: string) => {
    const run = spawnSync('psql', [...args, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql, db], {
      encoding: 'utf8',
    })
    if (run.status !== 0) throw new Error(`psql failed: ${run.stderr}`)
  }
  psql(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, v bigint NOT NULL DEFAULT 0)`)
  psql(`INSERT INTO ${table} (id) SELECT g FROM generate_series(1, 10000) g ON CONFLICT DO NOTHING`)
  const script = join(tmpdir(), `leadcall-pgbench-${randomUUID()}.sql`)
  writeFileSync(script, `\\set id random(1, 10000)\nUPDATE ${table} SET v = v + 1 WHERE id = :id;\n`)
  const run = spawnSync(
    'pgbench',
    [
      ...args,
      '-n',
      '-c',
      String(clients),
      '-j',
      String(clients),
      '-T',
      String(DURATION_MS / 1000),
      '-f',
      script,
      db,
    ],
    { encoding: 'utf8' },
  )
  if (run.status !== 0) throw new Error(`pgbench failed: ${run.stderr}`)
  const tps = Number(/tps = ([\d.]+)/.exec(run.stdout)?.[1])
  if (!Number.isFinite(tps)) throw new Error(`unexpected pgbench output: ${run.stdout}`)
  return tps
}

/** `submitLead` calls resolved per second across 4 worker processes (every lead dialed and completed). */
async function endToEnd(driver: DriverName, scope: string): Promise<number> {
  const cluster = await startCluster({ driver, url: DRIVER_URLS[driver], scope, tenant: 'bench', workers: 4 })
  try {
    const start = performance.now()
    const results = await Promise.all(
      Array.from({ length: E2E_LEADS }, (_, i) => cluster.submit({ name: `Lead ${i}`, phone: phone(i) })),
    )
    const elapsed = performance.now() - start
    const failed = results.filter((r) => r.error)
    if (failed.length > 0) throw new Error(`${failed.length} submissions failed: ${failed[0]?.error}`)
    await cluster.waitFor(() => cluster.completed.size >= E2E_LEADS, 300_000, 'every lead to complete')
    return E2E_LEADS / (elapsed / 1000)
  } finally {
    await cluster.stop()
  }
}

for (const driver of ['redis', 'postgres'] as const) {
  if (only && !only.includes(driver)) continue
  const skip = await gate(driver)
  if (skip) {
    note(`${driver}: ${skip}`)
    continue
  }
  const scope = `lc_bench_${randomUUID().slice(0, 8)}`
  try {
    await prepare(driver, scope)
    for (const processes of [1, 4]) {
      const decisions = await decisionsPerSecond(driver, scope, processes)
      const raw = driver === 'redis' ? redisRaw(processes) : postgresRaw(scope, processes)
      report({
        name: `storage.${driver}.decisions.${processes}-process${processes > 1 ? 'es' : ''}`,
        value: decisions,
        unit: 'decisions/s',
        baseline: raw,
        ratio: decisions / raw,
      })
    }
    const e2eScope = `lc_bench_${randomUUID().slice(0, 8)}`
    try {
      await prepare(driver, e2eScope)
      report({
        name: `storage.${driver}.submitLead.4-processes`,
        value: await endToEnd(driver, e2eScope),
        unit: 'leads/s',
      })
    } finally {
      await dropScope(driver, DRIVER_URLS[driver], e2eScope)
    }
  } finally {
    await dropScope(driver, DRIVER_URLS[driver], scope)
  }
}
