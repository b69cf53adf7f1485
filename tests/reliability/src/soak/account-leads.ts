/**
 * Where every submitted lead ended. The pipeline's end events (`lead.completed`, `lead.failed`)
 * are counted as they come, since the store lets closed processes expire during the run; after the
 * load, each process no end was seen for is read back until it is final (`completed`, `failed`,
 * `rejected`) or durably queued (in the queue, waiting for a redial), or the drain time is over. A
 * process that cannot be found, or is still `received`, `dialing` or `in_call` at the end, is not
 * accounted for.
 */
import type { LeadCallApp } from '@leadcall/core'
import type { LeadOutcomes } from './lead-outcomes.js'

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

/** Waits for every submitted process to end or wait in the queue, at most `drainMs`. */
export async function accountLeads(
  app: LeadCallApp,
  outcomes: LeadOutcomes,
  drainMs: number,
): Promise<Accounting> {
  const started = Date.now()
  const deadline = started + drainMs
  /** What the store said of processes no end event was seen for. */
  const found = new Map<string, string>()
  const unsettled = new Map<string, string>()
  let pending = [...outcomes.open()]
  for (;;) {
    const seen = await mapLimit(pending, 32, async (id) => {
      const state = await app.process(id)
      if (state === null) return { id, settled: false, what: `${id}: no process` }
      if (FINAL.has(state.status)) return { id, settled: true, status: state.status }
      if (state.status === 'queued' && (await app.queue.get(id)) !== null)
        return { id, settled: false, queued: true, what: `${id}: queued` }
      return { id, settled: false, what: `${id}: ${state.status}` }
    })
    // Settled: all that is left waits in the durable queue (e.g. a redial spaced out by compliance).
    const last = Date.now() >= deadline || seen.every((item) => item.settled || item.queued)
    const next: string[] = []
    for (const item of seen) {
      if (item.settled) found.set(item.id, item.status as string)
      else if (last && item.queued) found.set(item.id, 'queued')
      else if (last) unsettled.set(item.id, item.what as string)
      else next.push(item.id)
    }
    const open = new Set(outcomes.open())
    pending = next.filter((id) => open.has(id))
    if (pending.length === 0 || last) break
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  // A process whose end event came meanwhile is counted by its event, not again by what was read.
  const open = new Set(outcomes.open())
  const ends = outcomes.ends()
  const statuses: Record<string, number> = { completed: ends.completed, 'failed or rejected': ends.failed }
  let accounted = ends.completed + ends.failed
  for (const [id, status] of found) {
    if (!open.has(id)) continue
    const label = status === 'queued' ? 'queued' : `${status} (read back)`
    statuses[label] = (statuses[label] ?? 0) + 1
    accounted++
  }
  for (const id of unsettled.keys()) if (!open.has(id)) unsettled.delete(id)
  const firstLost = unsettled.keys().next()
  let lostDetail: string | undefined
  if (!firstLost.done) {
    const state = await app.process(firstLost.value)
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
