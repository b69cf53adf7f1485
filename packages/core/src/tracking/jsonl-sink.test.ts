import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLeadCall } from '../app/create-lead-call.js'
import { seededRandom } from '../distribution/random.js'
import type { ProcessRecord } from '../domain/process-record.js'
import { silentLogger } from '../logging/logger.js'
import { memoryStorage } from '../storage/memory-storage.js'
import { simulatedTelephony } from '../telephony/simulated-telephony.js'
import { createJsonlSink, type DailyMetricsFile, jsonlPath, repairTail } from './jsonl-sink.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadcall-sink-'))
})
afterEach(async () => {
  vi.useRealTimers()
  await rm(dir, { recursive: true, force: true })
})

/** Every line of a file, each parsed (throws on a line that is not JSON). */
async function linesOf(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8')
  if (text === '') return []
  expect(text.endsWith('\n')).toBe(true)
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line))
}

describe('JSONL sink through a real app', () => {
  it("writes the operators' layout: one line per ended process, and the daily metrics file", async () => {
    const START = Date.parse('2026-11-23T15:00:00.000Z')
    vi.useFakeTimers({ now: START })
    const logs = join(dir, 'logs', 'lead-distribution')
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony: simulatedTelephony({
        seed: 1,
        ringMs: 1_000,
        talkMs: 5_000,
        agentAnswerRate: 1,
        answerRate: 1,
      }),
      compliance: { callingHours: false, blockList: ['+1415555000*'] },
      distribution: { random: seededRandom(1) },
      pipeline: { pollMs: 60_000, presencePollMs: 0 },
      tracking: { jsonl: { dir: logs }, flushMs: 500 },
    })
    await app.agents.upsert({ id: 'ann', name: 'Ann', status: 'available' })
    const done = await app.submitLead({ name: 'Mario Rossi', phone: '+39 350 123 4567' })
    await vi.advanceTimersByTimeAsync(20_000) // the call ends; a batch is flushed
    // The flush is on a (fake) timer, the file write is real I/O: wait for the write itself.
    await vi.waitFor(
      async () => expect(await linesOf(join(logs, 'lead-distribution-2026-11-23.jsonl'))).toHaveLength(1),
      { timeout: 5_000, interval: 20 },
    )
    const blocked = await app.submitLead({ name: 'Blocked', phone: '+1 415 555 0001' })
    const open = await app.submitLead({ name: 'Still ringing', phone: '+39 350 765 4321' })
    await vi.advanceTimersByTimeAsync(300)
    await app.close() // flushes what waits

    expect((await readdir(logs)).sort()).toEqual([
      'lead-distribution-2026-11-23.jsonl',
      'metrics-2026-11-23.json',
    ])
    const lines = (await linesOf(join(logs, 'lead-distribution-2026-11-23.jsonl'))) as ProcessRecord[]
    expect(lines.map((r) => r.processId).sort()).toEqual([done.processId, blocked.processId].sort())
    const line = lines.find((r) => r.processId === done.processId)!
    expect(line).toMatchObject({
      status: 'completed',
      success: true,
      lead: { phone: '+39350****567' },
      agent: { id: 'ann', name: 'Ann' },
    })
    expect(lines.some((r) => r.processId === open.processId)).toBe(false)

    const metrics = JSON.parse(
      await readFile(join(logs, 'metrics-2026-11-23.json'), 'utf8'),
    ) as DailyMetricsFile
    expect(metrics).toEqual({
      date: '2026-11-23',
      totalProcesses: 3,
      successfulCalls: 1,
      failedCalls: 0,
      successRate: 1,
      errorsByType: { DNC_BLOCKED: 1 },
      agentStats: {
        ann: {
          name: 'Ann',
          assigned: 2,
          answered: 1,
          failed: 0,
          successRate: 0.5,
          talkSec: expect.any(Number),
        },
      },
    })
  })
})

describe('JSONL sink', () => {
  it('batches lines per day file and rewrites metrics files atomically', async () => {
    const days: string[] = []
    const sink = createJsonlSink({
      dir,
      flushMs: 3_600_000,
      logger: silentLogger,
      metricsOf: async (day) => {
        days.push(day)
        return {
          date: day,
          totalProcesses: 1,
          successfulCalls: 0,
          failedCalls: 0,
          successRate: null,
          errorsByType: {},
          agentStats: {},
        }
      },
    })
    for (let i = 0; i < 250; i++)
      sink.write(
        { processId: `p${i}`, note: 'line\nbreak "quoted"' } as never,
        i % 2 ? '2026-01-02' : '2026-01-01',
      )
    sink.touch('2026-01-03')
    await sink.flush()
    expect(await linesOf(jsonlPath(dir, '2026-01-01'))).toHaveLength(125)
    expect(await linesOf(jsonlPath(dir, '2026-01-02'))).toHaveLength(125)
    expect(days.sort()).toEqual(['2026-01-01', '2026-01-02', '2026-01-03'])
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
    await sink.flush() // nothing waits: nothing written
    expect(days).toHaveLength(3)
    await sink.close()
  })

  it('repairs a cut last line before appending, and keeps a last record that only lost its newline', async () => {
    const path = jsonlPath(dir, '2026-01-01')
    await writeFile(path, '{"a":1}\n{"a":2}\n{"a":3,"b":"cut he')
    expect(await repairTail(path)).toBe(true)
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n')
    expect(await repairTail(path)).toBe(false)

    await writeFile(path, '{"a":1}\n{"a":2}')
    expect(await repairTail(path)).toBe(true)
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n')

    await writeFile(path, '{"no newline at all')
    expect(await repairTail(path)).toBe(true)
    expect(await readFile(path, 'utf8')).toBe('')
    expect(await repairTail(join(dir, 'missing.jsonl'))).toBe(false)

    // Through the sink: a cut line left by a crash never glues onto the next record.
    await writeFile(path, '{"a":1}\n{"a":2,"cut')
    const sink = createJsonlSink({ dir, flushMs: 3_600_000, logger: silentLogger })
    sink.write({ processId: 'next' } as never, '2026-01-01')
    await sink.close()
    expect(await linesOf(path)).toEqual([{ a: 1 }, { processId: 'next' }])
  })

  it('survives a kill in the middle of a write: every line parses, and reopening repairs the tail', async () => {
    const root = fileURLToPath(new URL('../../../../', import.meta.url))
    const child = fileURLToPath(new URL('./jsonl-sink-child.test-util.ts', import.meta.url))
    const BATCH = 1_500 // records per append in the child
    let delayMs = 3
    let cuts = 0
    let runs = 0
    // Kill the child a few ms after it announces an append; the delay adapts until kills land
    // inside appends (a cut last line), which takes a few runs at most.
    while (runs < 12 && (cuts < 2 || runs < 3)) {
      runs++
      const runDir = join(dir, `run-${runs}`)
      const path = jsonlPath(runDir, '2026-11-23')
      const target = 2 + (runs % 2)
      const proc = spawn(process.execPath, ['--conditions=dev-source', '--import', 'tsx', child, runDir], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      proc.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
      })
      const code = await new Promise<number | null>((resolve) => {
        let announced = 0
        proc.stdout.on('data', (d: Buffer) => {
          announced += d.toString().split('flush').length - 1
          if (announced === target) setTimeout(() => proc.kill('SIGKILL'), delayMs)
        })
        proc.on('exit', (exitCode) => resolve(exitCode))
      })
      expect(code, stderr).toBeNull() // killed, not crashed

      const text = await readFile(path, 'utf8')
      const cut = !text.endsWith('\n')
      const whole = text.slice(0, text.lastIndexOf('\n'))
      const lines = whole.split('\n')
      // Every whole line parses; only the last one can be cut.
      for (const line of lines) JSON.parse(line)
      if (cut) cuts++
      else if (lines.length < target * BATCH)
        delayMs += 2 // killed before the append began
      else delayMs = Math.max(0, delayMs - 1) // killed after it ended

      // Reopening: the next run's first append repairs the tail before writing.
      const sink = createJsonlSink({ dir: runDir, flushMs: 3_600_000, logger: silentLogger })
      sink.write({ processId: `after-kill-${runs}` } as never, '2026-11-23')
      await sink.close()
      const after = (await linesOf(path)) as { processId: string }[]
      expect(after.at(-1)).toEqual({ processId: `after-kill-${runs}` })
      // The cut line is dropped (or kept, when only its newline was missing).
      expect(after.length - lines.length).toBeGreaterThanOrEqual(1)
      expect(after.length - lines.length).toBeLessThanOrEqual(2)
      await rm(runDir, { recursive: true, force: true })
    }
    expect(cuts, `kills that cut a line in ${runs} runs`).toBeGreaterThanOrEqual(1)
  }, 120_000)
})
