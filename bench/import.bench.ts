/**
 * CSV import of 100,000 rows: rows per second and peak RSS growth over the idle process.
 *
 * A 100,000-row CSV file is generated in the OS temp folder, then imported twice, each time in a
 * fresh child process so that neither run inherits the other's memory:
 *
 * 1. `app`: `app.importLeads({ path })` through a real app on memory storage, the zero-latency
 *    simulator, compliance off, 1,000 agents available. Memory storage keeps every lead's process
 *    state, call session and indexes in the process's heap, so this RSS growth is mostly the 100,000
 *    leads being stored, not the import.
 * 2. `importer`: the same file through `createLeadImporter` with a `submitLead` that keeps nothing
 *    (it answers `dialing` on the next macrotask, like a storage round trip): the RSS growth due to
 *    the importer itself (parser, read-ahead window, in-file duplicate set of 100,000 phones).
 *    Target: < 100 MB.
 *
 * RSS is sampled every 50 ms; growth is the peak during the import less the RSS of the idle
 * process just before it (after a GC, the app and its agents already created). The app run's
 * throughput is reported beside the importer-only run's (`baseline`, `ratio`).
 *
 * `pnpm bench import [--json] [--rows N]`
 */
import { spawnSync } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { createLeadImporter, type ImportSummary } from '@leadcall/core'
import { json, phone, report, zeroLatencyApp } from './support.js'

const rowsAt = process.argv.indexOf('--rows')
const ROWS = rowsAt >= 0 ? Number(process.argv[rowsAt + 1]) : 100_000
const AGENTS = 1_000
const SAMPLE_MS = 50
const MB = 1024 * 1024

/** What a child process reports back. */
interface RunResult {
  rowsPerSecond: number
  peakRssGrowthMb: number
  idleRssMb: number
  summary: Omit<ImportSummary, 'rejected'>
}

async function generate(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path)
  out.write('Full Name,Phone Number,Email,Company,Priority,Tags\r\n')
  const priorities = ['urgent', 'high', 'normal', 'low']
  for (let i = 0; i < rows; i++) {
    const line = `Lead ${i},${phone(i)},lead${i}@example.com,"Company ${i % 997}, Inc.",${priorities[i % 4]},"csv,batch-${i % 10}"\r\n`
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  out.end()
  await finished(out)
}

function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

/** Runs `work` while sampling RSS; returns the peak growth over the RSS before it, in MB. */
async function measured<T>(
  work: () => Promise<T>,
): Promise<{ result: T; ms: number; growth: number; idle: number }> {
  gc()
  await new Promise((resolve) => setTimeout(resolve, 100))
  gc()
  const idle = process.memoryUsage().rss
  let peak = idle
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, SAMPLE_MS)
  const start = performance.now()
  try {
    const result = await work()
    const ms = performance.now() - start
    peak = Math.max(peak, process.memoryUsage().rss)
    return { result, ms, growth: (peak - idle) / MB, idle: idle / MB }
  } finally {
    clearInterval(timer)
  }
}

function strip(summary: ImportSummary): RunResult['summary'] {
  const { rejected: _rejected, ...rest } = summary
  return rest
}

async function runApp(path: string): Promise<RunResult> {
  const app = await zeroLatencyApp(AGENTS)
  const { result, ms, growth, idle } = await measured(() => app.importLeads({ path }))
  await app.close()
  return {
    rowsPerSecond: (result.rows / ms) * 1000,
    peakRssGrowthMb: growth,
    idleRssMb: idle,
    summary: strip(result),
  }
}

async function runImporter(path: string): Promise<RunResult> {
  let processes = 0
  const importLeads = createLeadImporter({
    submitLead: async () => {
      await new Promise((resolve) => setImmediate(resolve))
      return { processId: `p${processes++}`, status: 'dialing', steps: {} }
    },
    events: { emit() {} },
    defaultCountry: 'US',
  })
  const { result, ms, growth, idle } = await measured(() => importLeads({ path }))
  return {
    rowsPerSecond: (result.rows / ms) * 1000,
    peakRssGrowthMb: growth,
    idleRssMb: idle,
    summary: strip(result),
  }
}

/** Runs one measurement in a fresh process (same flags: dev-source, tsx, --expose-gc). */
function child(mode: 'app' | 'importer', path: string): RunResult {
  const run = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', mode, '--file', path],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MB },
  )
  const line = run.stdout.trim().split('\n').at(-1) ?? ''
  if (run.status !== 0 || !line.startsWith('{'))
    throw new Error(`${mode} run failed (${run.status}): ${run.stdout}`)
  return JSON.parse(line) as RunResult
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--child')
  if (childAt >= 0) {
    const mode = process.argv[childAt + 1]
    const path = process.argv[process.argv.indexOf('--file') + 1] ?? ''
    const result = mode === 'app' ? await runApp(path) : await runImporter(path)
    console.log(JSON.stringify(result))
    return
  }
  const dir = await mkdtemp(join(tmpdir(), 'leadcall-import-bench-'))
  try {
    const path = join(dir, 'leads.csv')
    await generate(path, ROWS)
    const importer = child('importer', path)
    const app = child('app', path)
    for (const [name, result] of [
      ['importer', importer],
      ['app', app],
    ] as const) {
      if (result.summary.rows !== ROWS || result.summary.rejectedCount !== 0) {
        throw new Error(`${name} run imported ${JSON.stringify(result.summary)}`)
      }
    }
    report({
      name: 'import.app.throughput',
      value: app.rowsPerSecond,
      unit: 'rows/s',
      baseline: importer.rowsPerSecond,
      ratio: app.rowsPerSecond / importer.rowsPerSecond,
    })
    report({ name: 'import.app.peak-rss-growth', value: app.peakRssGrowthMb, unit: 'MB' })
    report({ name: 'import.importer.throughput', value: importer.rowsPerSecond, unit: 'rows/s' })
    report({ name: 'import.importer.peak-rss-growth', value: importer.peakRssGrowthMb, unit: 'MB' })
    if (!json) {
      console.log(
        `idle RSS: app ${app.idleRssMb.toFixed(0)} MB (1,000 agents), importer ${importer.idleRssMb.toFixed(0)} MB; ` +
          `app run: ${app.summary.accepted} accepted, ${app.summary.queued} queued`,
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
