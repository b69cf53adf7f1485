/**
 * Drives many leads through an app whose provider sits behind the fault injector: submits them,
 * plays the vendor's call events for every call the vendor accepted, waits until every lead is
 * settled, and accounts for each one from the vendor's side and from the app's durable state.
 */
import type { LeadCallApp, LeadCallConfig, ProcessState } from '@leadcall/core'

/** Pipeline settings that keep a run of 1,000 leads fast; the fault handling is the real one. */
export const FAST_PIPELINE = {
  redialBackoffMs: [40, 40],
  noAnswerTimeoutMs: 5_000,
  pollMs: 20,
  presencePollMs: 0,
  queueLeaseMs: 5_000,
} satisfies LeadCallConfig['pipeline']

/**
 * Compliance without calling hours or per-number pacing, so that a lead retried after a provider
 * fault is held back only by the fault handling under test.
 */
export const NO_PACING = {
  callingHours: false,
  maxAttemptsPerDay: 50,
  minDelayBetweenAttemptsMs: 0,
} satisfies LeadCallConfig['compliance']

/** A call the vendor accepted: its key at the vendor and the process (or lead phone) it was placed for. */
export interface AcceptedCall {
  key: string
  /** The process, when the vendor's record names it. */
  processId?: string
  /** The lead's number, when the vendor only knows that. */
  phone?: string
  /** The provider (member name) that accepted it. */
  provider: string
}

/** An accepted call with its process resolved. */
export type PlacedCall = AcceptedCall & { processId: string }

/** Options of {@link runLeads}. */
export interface LeadRunOptions {
  app: LeadCallApp
  leads: number
  /** The index of the first lead (its phone number), so that several runs on one app use new numbers. */
  firstLead?: number
  agents: number
  /** The agent's `providerRefs` by index (e.g. its own number at each provider). */
  agentRefs: (index: number) => Record<string, string>
  /** Every call the vendor(s) accepted so far. */
  accepted: () => AcceptedCall[]
  /** Plays the vendor's events of one accepted call (answered, then completed) into the app. */
  deliver: (call: PlacedCall) => Promise<void>
  /** Gives up waiting for every lead to settle after this long (ms). */
  settleWithinMs: number
  /** Called after each look at the leads, with how many have settled so far. */
  onProgress?: (settled: number) => void
}

/** How one lead ended. */
export interface LeadAccount {
  processId: string
  status: ProcessState['status'] | 'missing'
  /** Calls the vendor(s) accepted for it. */
  accepted: number
  /** Dial attempts the pipeline made (`state.dials`). */
  dials: number
  /** Whether it waits in the durable queue. */
  inQueue: boolean
  errorCode?: string
}

/** What a run produced. */
export interface LeadRunResult {
  accounts: LeadAccount[]
  elapsedMs: number
  /** Leads dialed exactly once by a call the vendor accepted. */
  dialedOnce: number
  /** Leads waiting in the durable queue for a retry. */
  queued: number
  /** Leads that needed more than one dial attempt. */
  retried: number
  /** Leads with two or more accepted calls. */
  dialedTwice: LeadAccount[]
  /** Leads neither dialed once nor durably queued. */
  lost: LeadAccount[]
  /**
   * Of those, the leads failed with `AGENT_NOT_AVAILABLE` without any call placed: provider
   * timeouts settled as agents that did not answer (the defect `twilio-fault-cases` pins down).
   */
  failedAfterTimeouts: LeadAccount[]
  /** Vendor events the app could not take (each one's message). */
  deliveryErrors: string[]
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A valid, distinct US number per lead index. */
export function leadPhone(index: number): string {
  return `+1415${String(2_000_000 + index)}`
}

/** Runs the leads and accounts for each one. */
export async function runLeads(options: LeadRunOptions): Promise<LeadRunResult> {
  const { app } = options
  const startedAt = Date.now()
  const offset = options.firstLead ?? 0
  for (let i = 0; i < options.agents; i++) {
    await app.agents.upsert({
      id: `agent-${i}`,
      name: `Agent ${i}`,
      phone: `+1415300${String(1000 + i)}`,
      status: 'available',
      providerRefs: options.agentRefs(i),
    })
  }

  const byPhone = new Map<string, string>()
  const resolve = (call: AcceptedCall): PlacedCall | undefined => {
    const processId = call.processId ?? (call.phone === undefined ? undefined : byPhone.get(call.phone))
    return processId === undefined ? undefined : { ...call, processId }
  }
  const delivered = new Set<string>()
  const inFlight = new Set<Promise<void>>()
  const deliveryErrors: string[] = []
  let delivering = true
  // Each accepted call's events are played as soon as it is seen, independently of the others,
  // as a vendor's webhooks would arrive.
  const pump = (async () => {
    while (delivering) {
      for (const call of options.accepted()) {
        const placed = delivered.has(call.key) ? undefined : resolve(call)
        if (!placed) continue
        delivered.add(call.key)
        const work = options
          .deliver(placed)
          .catch((error: unknown) => {
            deliveryErrors.push(error instanceof Error ? error.message : String(error))
          })
          .finally(() => inFlight.delete(work))
        inFlight.add(work)
      }
      await sleep(5)
    }
    await Promise.all(inFlight)
  })()

  const processIds: string[] = []
  try {
    const BATCH = 50
    for (let first = 0; first < options.leads; first += BATCH) {
      const batch = Array.from(
        { length: Math.min(BATCH, options.leads - first) },
        (_, j) => offset + first + j,
      )
      // Each lead's process is known as soon as its own submission returns, so its calls' events
      // are played without waiting for the rest of the batch.
      const results = await Promise.all(
        batch.map(async (index) => {
          const result = await app.submitLead({
            name: `Lead ${index}`,
            phone: leadPhone(index),
            externalId: `lead-${index}`,
            source: 'faults',
          })
          byPhone.set(leadPhone(index), result.processId)
          return result
        }),
      )
      for (const result of results) processIds.push(result.processId)
    }

    // Only the leads still open are read again: reading all of them every time costs more than the run.
    let open = [...processIds]
    for (;;) {
      const states = await Promise.all(open.map((id) => app.process(id)))
      open = open.filter((_, i) => {
        const status = states[i]?.status
        return status !== undefined && status !== 'completed' && status !== 'failed'
      })
      options.onProgress?.(processIds.length - open.length)
      if (open.length === 0 || Date.now() - startedAt > options.settleWithinMs) break
      await sleep(250)
    }
  } finally {
    delivering = false
    await pump
  }

  const acceptedBy = new Map<string, number>()
  for (const call of options.accepted()) {
    const processId = resolve(call)?.processId ?? `unknown:${call.key}`
    acceptedBy.set(processId, (acceptedBy.get(processId) ?? 0) + 1)
  }
  const accounts: LeadAccount[] = []
  for (const processId of processIds) {
    const state = await app.process(processId)
    const queuedItem = await app.queue.get(processId)
    const account: LeadAccount = {
      processId,
      status: state?.status ?? 'missing',
      accepted: acceptedBy.get(processId) ?? 0,
      dials: state?.dials ?? 0,
      inQueue: queuedItem !== null,
    }
    if (state?.error) account.errorCode = state.error.code
    accounts.push(account)
  }
  const dialedTwice = accounts.filter((account) => account.accepted >= 2)
  const lost = accounts.filter(
    (account) =>
      !(account.accepted === 1 && account.status === 'completed') &&
      !(account.accepted === 0 && account.status === 'queued' && account.inQueue),
  )
  return {
    accounts,
    elapsedMs: Date.now() - startedAt,
    dialedOnce: accounts.filter((account) => account.accepted === 1).length,
    queued: accounts.filter((account) => account.status === 'queued' && account.inQueue).length,
    retried: accounts.filter((account) => account.dials > 1).length,
    dialedTwice,
    lost,
    failedAfterTimeouts: lost.filter(
      (account) =>
        account.status === 'failed' && account.errorCode === 'AGENT_NOT_AVAILABLE' && account.accepted === 0,
    ),
    deliveryErrors,
  }
}

/** Prints the figures of a run as one compact table. */
export function printFigures(title: string, figures: Record<string, number | string>): void {
  const width = Math.max(...Object.keys(figures).map((key) => key.length))
  const lines = Object.entries(figures).map(([key, value]) => `  ${key.padEnd(width)}  ${String(value)}`)
  console.log(`${title}\n${lines.join('\n')}`)
}
