/**
 * The JSONL file sink: the layout operators of the hand-rolled systems already read.
 *
 * - `<dir>/lead-distribution-YYYY-MM-DD.jsonl`: one process record per line, appended when the
 *   process ends, in the file of the day it was received (tracking time zone);
 * - `<dir>/metrics-YYYY-MM-DD.json`: the day's summary (date, totalProcesses, successfulCalls,
 *   failedCalls, successRate, errorsByType, agentStats), rewritten after each batch that touched
 *   the day.
 *
 * **Batched**: lines wait in memory and each flush (every `flushMs`, or sooner when many wait)
 * appends a day's lines with one `appendFile` of complete lines.
 *
 * **No torn lines**: a process killed in the middle of an append can leave the last line cut (a
 * large append is several `write`s, and even one `write` can stop short on a fatal signal). Before
 * it first appends to a file, the sink truncates the file after its last newline, so a cut line
 * never glues onto the next record: every line of the file always parses. Metrics files are
 * written to a temporary file and renamed over the old one, which is atomic.
 *
 * One sink per directory: two processes appending to the same files would each repair the other's
 * line in flight.
 *
 * @internal
 * @module
 */
import { randomUUID } from 'node:crypto'
import { appendFile, mkdir, open, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProcessRecord } from '../domain/process-record.js'
import type { Logger } from '../logging/logger.js'

/** The daily summary file's content. @internal */
export interface DailyMetricsFile {
  date: string
  totalProcesses: number
  successfulCalls: number
  failedCalls: number
  /** successfulCalls / (successfulCalls + failedCalls), 0–1; `null` when none ended. */
  successRate: number | null
  errorsByType: Record<string, number>
  agentStats: Record<
    string,
    {
      name: string
      assigned: number
      answered: number
      failed: number
      successRate: number | null
      talkSec: number
    }
  >
}

/** The sink. @internal */
export interface JsonlSink {
  /** Queues a record's line in the file of `day`. */
  write(record: ProcessRecord, day: string): void
  /** Marks the metrics file of `day` for rewriting at the next flush. */
  touch(day: string): void
  /** Writes what waits. */
  flush(): Promise<void>
  /** Flushes and stops the timer. */
  close(): Promise<void>
}

/** What the sink is built from. @internal */
export interface JsonlSinkDeps {
  dir: string
  flushMs: number
  logger: Logger
  /** The summary of a day, read from the metrics. */
  metricsOf?: (day: string) => Promise<DailyMetricsFile>
  /** Flush at once when this many lines wait (default 5,000). */
  maxPending?: number
  /** Drop the oldest waiting lines beyond this many when writes keep failing (default 100,000). */
  maxBuffered?: number
}

/** The path of a day's JSONL file. @internal */
export function jsonlPath(dir: string, day: string): string {
  return join(dir, `lead-distribution-${day}.jsonl`)
}

/** The path of a day's metrics file. @internal */
export function metricsPath(dir: string, day: string): string {
  return join(dir, `metrics-${day}.json`)
}

/** Creates the sink; the timer never keeps the process alive. @internal */
export function createJsonlSink(deps: JsonlSinkDeps): JsonlSink {
  const { dir, logger } = deps
  const maxPending = deps.maxPending ?? 5_000
  const maxBuffered = deps.maxBuffered ?? 100_000
  let lines = new Map<string, string[]>()
  let waiting = 0
  let touched = new Set<string>()
  const repaired = new Set<string>()
  let made = false
  let chain: Promise<void> = Promise.resolve()
  let closed = false
  const timer = setInterval(() => void sink.flush(), deps.flushMs)
  timer.unref?.()

  async function flushNow(): Promise<void> {
    const batch = lines
    const days = touched
    lines = new Map()
    touched = new Set()
    waiting = 0
    if (batch.size === 0 && days.size === 0) return
    if (!made) {
      await mkdir(dir, { recursive: true })
      made = true
    }
    for (const [day, dayLines] of batch) {
      const path = jsonlPath(dir, day)
      try {
        if (!repaired.has(path)) {
          await repairTail(path)
          repaired.add(path)
        }
        await appendFile(path, dayLines.join(''), 'utf8')
      } catch (error) {
        logger.error({ err: error, path }, 'tracking: JSONL append failed; retrying at the next flush')
        // A failed append may have written a part: repair again before the next one.
        repaired.delete(path)
        requeue(day, dayLines)
      }
    }
    if (!deps.metricsOf) return
    for (const day of days) {
      const path = metricsPath(dir, day)
      const temp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`
      try {
        const summary = await deps.metricsOf(day)
        await writeFile(temp, `${JSON.stringify(summary, null, 2)}\n`, 'utf8')
        await rename(temp, path)
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined)
        logger.error({ err: error, path }, 'tracking: metrics file write failed')
        touched.add(day)
      }
    }
  }

  function requeue(day: string, dayLines: string[]) {
    const current = lines.get(day) ?? []
    const merged = [...dayLines, ...current]
    const excess = waiting + dayLines.length - maxBuffered
    if (excess > 0) {
      logger.warn({ dropped: excess, day }, 'tracking: JSONL sink buffer full; dropping the oldest lines')
      merged.splice(0, Math.min(excess, merged.length))
    }
    lines.set(day, merged)
    waiting += merged.length - current.length
  }

  const sink: JsonlSink = {
    write(record, day) {
      if (closed) return
      let dayLines = lines.get(day)
      if (!dayLines) {
        dayLines = []
        lines.set(day, dayLines)
      }
      dayLines.push(`${JSON.stringify(record)}\n`)
      touched.add(day)
      if (++waiting >= maxPending) void sink.flush()
    },
    touch(day) {
      if (!closed) touched.add(day)
    },
    flush() {
      const run = chain.then(flushNow).catch((error: unknown) => {
        logger.error({ err: error, dir }, 'tracking: JSONL sink flush failed')
      })
      chain = run
      return run
    },
    async close() {
      clearInterval(timer)
      closed = true
      await sink.flush()
    },
  }
  return sink
}

/**
 * Truncates `path` after its last newline when it ends with a partial line (what a kill in the
 * middle of an append leaves); a last record that only lost its newline gets it back. A missing
 * file is fine. Returns whether the file changed. @internal
 */
export async function repairTail(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r+')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
  try {
    const { size } = await handle.stat()
    if (size === 0) return false
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024))
    let end = size
    // Look backwards for the last newline, chunk by chunk.
    while (end > 0) {
      const start = Math.max(0, end - chunk.length)
      const { bytesRead } = await handle.read(chunk, 0, end - start, start)
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a)
      if (at >= 0) return await settleTail(handle, start + at + 1, size)
      end = start
    }
    return await settleTail(handle, 0, size)
  } finally {
    await handle.close()
  }
}

/** The largest cut line {@link repairTail} tries to keep (a record is a few KB). */
const MAX_TAIL = 1024 * 1024

/**
 * Ends the file at `keep` (just after a newline), unless the bytes after it are a whole JSON value
 * that only lost its newline: then the newline is added and the record kept.
 */
async function settleTail(
  handle: Awaited<ReturnType<typeof open>>,
  keep: number,
  size: number,
): Promise<boolean> {
  if (keep === size) return false
  if (size - keep <= MAX_TAIL) {
    const tail = Buffer.alloc(size - keep)
    await handle.read(tail, 0, tail.length, keep)
    if (isJson(tail.toString('utf8'))) {
      await handle.write('\n', size)
      return true
    }
  }
  await handle.truncate(keep)
  return true
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return text.trimStart().startsWith('{')
  } catch {
    return false
  }
}
