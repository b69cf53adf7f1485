/**
 * Where every submitted lead ended: after the load, each process is read back until it is final
 * (`completed`, `failed`, `rejected`) or durably queued (in the queue, waiting for a redial), or the
 * drain time is over. A process that cannot be found, or is still `received`, `dialing` or
 * `in_call` at the end, is not accounted for.
 */
import type { LeadCallApp } from '@leadcall/core'
import type { ProcessIdLog } from './process-ids.js'

export interface Accounting {
  /** Processes by their final status (`queued` only when the queue holds them). */
  statuses: Record<string, number>
  accounted: number
  lost: number
  /** A few of the unaccounted processes, with what was found. */
  lostSamples: string[]
  /** The first unaccounted process's state and call session, to see where it stopped. */
  lostDetail?: string
  drainMs: number
}

const FINAL = new Set(['completed', 'failed', 'rejected'])

async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index] as T)
    }
  })
  await Promise.all(lanes)
  return results
}

/** Reads every submitted process back until all are settled or `drainMs` is over. */
export async function accountLeads(
  app: LeadCallApp,
  ids: ProcessIdLog,
  drainMs: number,
): Promise<Accounting> {
  const started = Date.now()
  const deadline = started + drainMs
  let pending = Array.from({ length: ids.size }, (_, i) => i)
  const statuses: Record<string, number> = {}
  const unsettled = new Map<number, string>()
  for (;;) {
    const seen = await mapLimit(pending, 32, async (index) => {
      const id = ids.get(index)
      const state = await app.process(id)
      if (state === null) return { index, settled: false, what: `${id}: no process` }
      if (FINAL.has(state.status)) return { index, settled: true, status: state.status }
      if (state.status === 'queued' && (await app.queue.get(id)) !== null)
        return { index, settled: false, queued: true, what: `${id}: queued` }
      return { index, settled: false, what: `${id}: ${state.status}` }
    })
    // Settled: all that is left waits in the durable queue (e.g. a redial spaced out by compliance).
    const last = Date.now() >= deadline || seen.every((item) => item.settled || item.queued)
    const next: number[] = []
    for (const item of seen) {
      if (item.settled) statuses[item.status as string] = (statuses[item.status as string] ?? 0) + 1
      else if (last && item.queued) statuses.queued = (statuses.queued ?? 0) + 1
      else if (last) unsettled.set(item.index, item.what as string)
      else next.push(item.index)
    }
    pending = next
    if (pending.length === 0 || last) break
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  const accounted = Object.values(statuses).reduce((a, b) => a + b, 0)
  const firstLost = unsettled.keys().next()
  let lostDetail: string | undefined
  if (!firstLost.done) {
    const state = await app.process(ids.get(firstLost.value))
    const callId = state?.attempt?.callId
    const call = callId ? await app.call(callId) : null
    lostDetail = JSON.stringify({ state, call })
  }
  return {
    ...(lostDetail === undefined ? {} : { lostDetail }),
    statuses,
    accounted,
    lost: unsettled.size,
    lostSamples: [...unsettled.values()].slice(0, 5),
    drainMs: Date.now() - started,
  }
}
