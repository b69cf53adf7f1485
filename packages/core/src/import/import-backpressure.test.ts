import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { finished } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { isLeadCallError, LeadCallError } from '../errors/lead-call-error.js'
import { createEventBus } from '../events/event-bus.js'
import type { ImportProgressEvent } from '../events/event-map.js'
import type { SubmitLeadResult } from '../pipeline/lead-pipeline.js'
import { createLeadImporter, type LeadImporterDeps } from './import-leads.js'
import { loadCsvParse } from './load-csv-parse.js'

/** A distinct, valid US number for `i` (10 area codes, then exchange and line). */
function phone(i: number): string {
  const areas = [212, 213, 305, 312, 404, 415, 617, 646, 702, 718]
  const rest = Math.floor(i / areas.length)
  return `+1${areas[i % areas.length]}${200 + (rest % 800)}${String(Math.floor(rest / 800) % 10_000).padStart(4, '0')}`
}

function row(i: number): string {
  return `Lead ${i},${phone(i)},lead${i}@example.com\n`
}

/** A `submitLead` that keeps nothing and counts how many calls run at once. */
function fakeSubmit(options: { failAt?: number } = {}) {
  const stats = { calls: 0, settled: 0, active: 0, maxActive: 0 }
  const seen: { input: Record<string, unknown>; options: Record<string, unknown> | undefined }[] = []
  const submitLead: LeadImporterDeps['submitLead'] = async (input, submitOptions) => {
    stats.calls++
    stats.active++
    stats.maxActive = Math.max(stats.maxActive, stats.active)
    if (seen.length < 10) seen.push({ input: input as Record<string, unknown>, options: submitOptions })
    try {
      // A storage round trip: the next macrotask.
      await new Promise((resolve) => setImmediate(resolve))
      if (stats.calls === options.failAt) throw new Error('storage down')
      return { processId: `p${stats.calls}`, status: 'dialing', steps: {} } satisfies SubmitLeadResult
    } finally {
      stats.active--
      stats.settled++
    }
  }
  return { submitLead, stats, seen }
}

function importer(submitLead: LeadImporterDeps['submitLead']) {
  const events = createEventBus()
  const progress: ImportProgressEvent[] = []
  events.on('import.progress', (event) => progress.push(event))
  return { importLeads: createLeadImporter({ submitLead, events, defaultCountry: 'US' }), progress }
}

describe('importLeads backpressure', () => {
  it('streams 100,000 rows holding at most 2 × batchSize of them, with at most `concurrency` in flight', async () => {
    const { submitLead, stats } = fakeSubmit()
    const { importLeads, progress } = importer(submitLead)
    const ROWS = 100_000
    const batchSize = 50
    const concurrency = 8
    let produced = 0
    let maxAhead = 0
    async function* generate() {
      yield 'name,phone,email\n'
      for (let i = 0; i < ROWS; i++) {
        // Rows handed to the importer and not yet settled by submitLead.
        maxAhead = Math.max(maxAhead, produced - stats.settled)
        produced++
        yield row(i)
      }
    }
    const summary = await importLeads(generate(), { batchSize, concurrency })
    expect(summary).toMatchObject({ rows: ROWS, accepted: ROWS, rejectedCount: 0, duplicates: 0 })
    expect(stats.calls).toBe(ROWS)
    expect(stats.maxActive).toBe(concurrency)
    // The window (2 × batchSize) plus what the parser holds: 16 parsed records and one chunk.
    expect(maxAhead).toBeLessThanOrEqual(2 * batchSize + 16 + 2)
    expect(maxAhead).toBeGreaterThanOrEqual(2 * batchSize)
    expect(progress).toHaveLength(ROWS / batchSize + 1)
    expect(progress.at(-1)).toMatchObject({ rows: ROWS, accepted: ROWS, done: true })
  }, 120_000)

  it('reads a 100,000-row file with at most `concurrency` rows in flight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadcall-import-'))
    try {
      const path = join(dir, 'leads.csv')
      const out = createWriteStream(path)
      out.write('Name,Phone Number,Email\r\n')
      for (let i = 0; i < 100_000; i++) out.write(row(i).replace('\n', '\r\n'))
      out.end()
      await finished(out)
      const { submitLead, stats } = fakeSubmit()
      const { importLeads } = importer(submitLead)
      const summary = await importLeads({ path }, { concurrency: 4 })
      expect(summary).toMatchObject({ rows: 100_000, accepted: 100_000, rejected: [] })
      expect(stats.maxActive).toBe(4)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it('submits with an idempotency key per line, or the source and external id, and the signal', async () => {
    const { submitLead, seen } = fakeSubmit()
    const { importLeads } = importer(submitLead)
    const signal = new AbortController().signal
    await importLeads(`name,phone,id\nA,${phone(1)},\nB,${phone(2)},crm-2\n`, {
      importId: 'imp-1',
      signal,
      concurrency: 1,
    })
    expect(seen).toEqual([
      {
        input: { name: 'A', phone: phone(1), source: 'csv-import' },
        options: { idempotencyKey: 'import:imp-1:2', signal },
      },
      {
        input: { name: 'B', phone: phone(2), externalId: 'crm-2', source: 'csv-import' },
        options: { signal },
      },
    ])
  })

  it('stops on an error that is not a LeadCallError, after the rows in flight settle', async () => {
    const { submitLead, stats } = fakeSubmit({ failAt: 20 })
    const { importLeads, progress } = importer(submitLead)
    const csv = `phone\n${Array.from({ length: 1000 }, (_, i) => phone(i)).join('\n')}`
    await expect(importLeads(csv, { batchSize: 10, concurrency: 4 })).rejects.toThrow('storage down')
    expect(stats.active).toBe(0)
    expect(stats.calls).toBeLessThan(20 + 4)
    expect(progress.at(-1)?.done).toBe(true)
  })

  it('stops at once on such an error even while the source is waiting for more', async () => {
    const { submitLead } = fakeSubmit({ failAt: 3 })
    const { importLeads } = importer(submitLead)
    const stream = new PassThrough()
    stream.write(`phone\n${Array.from({ length: 5 }, (_, i) => phone(i)).join('\n')}\n`)
    // The stream never ends: the import must not wait for it.
    await expect(importLeads(stream, { concurrency: 1 })).rejects.toThrow('storage down')
    expect(stream.destroyed).toBe(true)
  })

  it('counts results and LeadCallErrors of submitLead', async () => {
    const outcomes: (SubmitLeadResult | LeadCallError)[] = [
      { processId: 'a', status: 'dialing', steps: {} },
      { processId: 'b', status: 'completed', steps: {} },
      { processId: 'c', status: 'queued', steps: {} },
      { processId: 'd', status: 'dialing', steps: {}, duplicate: true },
      {
        processId: 'e',
        status: 'rejected',
        steps: {},
        error: { code: 'DNC_BLOCKED', message: 'On the DNC list' },
      },
      new LeadCallError('DUPLICATE_LEAD'),
      new LeadCallError('RATE_LIMITED', { message: 'Slow down' }),
    ]
    let next = 0
    const { importLeads } = importer(async () => {
      const outcome = outcomes[next++]
      if (outcome instanceof LeadCallError) throw outcome
      return outcome as SubmitLeadResult
    })
    const csv = `phone\n${outcomes.map((_, i) => phone(i)).join('\n')}\n`
    const summary = await importLeads(csv, { concurrency: 1 })
    expect(summary).toMatchObject({ rows: 7, accepted: 2, queued: 1, duplicates: 2, rejectedCount: 2 })
    expect(summary.rejected).toEqual([
      { line: 6, code: 'DNC_BLOCKED', message: 'On the DNC list' },
      { line: 8, code: 'RATE_LIMITED', message: 'Slow down' },
    ])
  })
})

describe('loadCsvParse', () => {
  it('asks to install csv-parse when it is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'csv-parse' imported from /app/x.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    const error = await loadCsvParse(() => Promise.reject(missing)).catch((caught: unknown) => caught)
    expect(isLeadCallError(error, 'VALIDATION_FAILED')).toBe(true)
    expect((error as Error).message).toBe('Install csv-parse to import CSV files')
    expect((error as Error).cause).toBe(missing)
    const other = new Error('boom')
    await expect(loadCsvParse(() => Promise.reject(other))).rejects.toBe(other)
  })

  it('loads it once', async () => {
    const first = await loadCsvParse()
    expect(typeof first.parse).toBe('function')
    expect(await loadCsvParse()).toBe(first)
  })
})
