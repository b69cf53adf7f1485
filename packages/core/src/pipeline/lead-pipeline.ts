import { randomUUID } from 'node:crypto'
import type { CompliancePolicy } from '../compliance/compliance-policy.js'
import type { DistributionEngine, ReservationUse } from '../distribution/distribution-engine.js'
import { createKeyedLock } from '../distribution/keyed-lock.js'
import { fitsRouting, type LeadRouter, type LeadRouting, routingOf } from '../distribution/lead-routing.js'
import type { Agent } from '../domain/agent.js'
import type { CallEvent } from '../domain/call-event.js'
import {
  type CallSession,
  createCallSession,
  isTerminalCallStatus,
  transitionCallSession,
} from '../domain/call-session.js'
import { type Lead, PRIORITY_RANK, type Priority } from '../domain/lead.js'
import { normalizeLead } from '../domain/normalize-lead.js'
import type { CountryCode } from '../domain/phone.js'
import { LeadCallError, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import type { EventBus } from '../events/event-bus.js'
import type { Logger } from '../logging/logger.js'
import type {
  AtomicCheck,
  AtomicMutation,
  QueueItem,
  StorageCallOptions,
  StorageEntry,
  StorageV1,
} from '../storage/storage-v1.js'
import type { TelephonyProviderV1 } from '../telephony/telephony-provider.js'
import { scrubPii } from '../tracking/record-builder.js'
import { createIsoFormatter } from '../util/iso-time.js'
import { createJobScheduler, type PipelineJob } from './job-scheduler.js'
import type { ResolvedPipelineConfig } from './pipeline-config.js'
import {
  type DialAttempt,
  OPEN_STATUSES,
  type PipelineStatus,
  type PipelineStep,
  type ProcessState,
  type StepOutcome,
} from './process-state.js'

/** Options of `app.submitLead()`. */
export interface SubmitLeadOptions extends StorageCallOptions {
  /** A key the sender reuses when it retries: a redelivery within the window returns the first result. */
  idempotencyKey?: string
  /**
   * Where this lead may go: only agents of `pool`, with at least `requiredSkills`. Overrides
   * `distribution.route`; kept with the process, so every later offer of the lead (a reassignment,
   * a retry from the queue) follows it.
   */
  routing?: LeadRouting
}

/** What `submitLead` resolves with, as soon as the dial was started or the lead was queued or rejected. */
export interface SubmitLeadResult {
  processId: string
  status: PipelineStatus
  /** The agent the lead was given to, once chosen. */
  agent?: { id: string; name: string }
  /** Each step's outcome so far. */
  steps: Partial<Record<PipelineStep, StepOutcome>>
  /** Why the lead was rejected, failed, or is waiting. */
  error?: { code: LeadCallErrorCode; message: string }
  /** 1-based position in the queue, when queued among its first 500 leads (absent further back). */
  queuePosition?: number
  /** True when this was a redelivery of a lead already received: the first process's result. */
  duplicate?: boolean
}

/** A queued lead as the queue API shows it. */
export interface QueuedLead {
  processId: string
  priority: Priority
  reason: LeadCallErrorCode
  /** When it joined the queue (ISO 8601). */
  since: string
  /** Not dispatched before this time (ISO 8601). */
  availableAt: string
  /** Whether a worker is dispatching it right now. */
  dispatching: boolean
  lead: { id: string; name: string; source: string }
}

/** The queue of leads waiting for an agent or a calling window: `app.queue`. */
export interface LeadQueueApi {
  /** Waiting leads in dispatch order. */
  list(options?: { limit?: number; offset?: number } & StorageCallOptions): Promise<QueuedLead[]>
  /** One waiting lead, or `null`. */
  get(processId: string, options?: StorageCallOptions): Promise<QueuedLead | null>
  /** Changes a waiting lead's priority. */
  reprioritize(
    processId: string,
    priority: Priority,
    options?: StorageCallOptions,
  ): Promise<QueuedLead | null>
  /** Removes a waiting lead: its process ends as `failed` with code `VALIDATION_FAILED` ("removed"). */
  remove(processId: string, options?: StorageCallOptions): Promise<boolean>
  /** How many leads wait. */
  size(options?: StorageCallOptions): Promise<number>
  /** Tries to dispatch waiting leads now (it also happens by itself). Returns how many were dialed. */
  dispatch(): Promise<number>
}

/** The lead pipeline of an app. */
export interface LeadPipeline {
  submitLead(input: unknown, options?: SubmitLeadOptions): Promise<SubmitLeadResult>
  handleCallEvent(event: CallEvent, options?: StorageCallOptions): Promise<{ applied: boolean }>
  resume(options?: StorageCallOptions): Promise<{ resumed: number }>
  process(processId: string, options?: StorageCallOptions): Promise<ProcessState | null>
  call(callId: string, options?: StorageCallOptions): Promise<CallSession | null>
  queue: LeadQueueApi
  /**
   * The engine reports a reservation of this process that ended unaccepted. Returns true when the
   * process is the pipeline's (it then decides what happens next), false for leads it does not own.
   */
  handleUnaccepted(processId: string, reservationId: string, kind: 'rejected' | 'timed_out'): Promise<boolean>
  /**
   * What the process does with this reservation (see the engine's `reservationUse`): `placed` when
   * its current attempt placed the call on it, `placing` while this process is dialing on it.
   */
  reservationUse(processId: string, reservationId: string): Promise<ReservationUse | null>
  start(): void
  stop(): void
}

/** What the pipeline is built from. */
export interface LeadPipelineDeps {
  storage: StorageV1
  ns: string
  events: EventBus
  now: () => number
  logger: Logger
  config: ResolvedPipelineConfig
  engine: DistributionEngine
  compliance: CompliancePolicy
  telephony: TelephonyProviderV1 | undefined
  defaultCountry: CountryCode
  getAgent: (id: string) => Promise<Agent | null>
  /** Every agent (for mapping provider presence reports). */
  listAgents: () => Promise<Agent[]>
  /** Decides each lead's routing when no `routing` is given to `submitLead`. */
  route?: LeadRouter
}

/** Where a call's events lead: its process and call record. */
interface CallRef {
  processId: string
  callId: string
}

const LEADS = 'leads'
/** How deep `queuePosition` looks into the queue: past it, a submission reports no position. */
const POSITION_DEPTH = 500
/** One entry per submission still on its first run: the lease another worker takes over from. */
const INFLIGHT = 'inflight'
const MAX_CAS = 50
/** How often a lead is written again when the open process of its number closes in the meantime. */
const CREATE_ATTEMPTS = 3

/** The open process a new lead would have joined closed in the meantime. */
interface Vanished {
  vanished: true
  /** The version of the open-process key it left behind, or null when it is gone. */
  openVersion: string | null
}
/** How often the end of a call is taken in again when the process's save keeps losing races. */
const MAX_SETTLE = 8
/** When a lead's calling window never opens, how long until it is looked at again: a day. */
const NEVER_OPEN_RECHECK_MS = 24 * 60 * 60 * 1000
/** How long the references from an attempt or a provider's call id to its call are written for. */
const CALL_REF_TTL_MS = 7 * 86_400_000

const k = {
  process: (id: string) => `process:${id}`,
  open: (id: string) => `open-process:${id}`,
  openPrefix: 'open-process:',
  bySource: (source: string, externalId: string) => `idem:src:${source}:${externalId}`,
  byKey: (key: string) => `idem:key:${key}`,
  openPhone: (phone: string) => `open-phone:${phone}`,
  dialLog: (phone: string) => `dial-log:${phone}`,
  call: (id: string) => `call:${id}`,
  attempt: (id: string) => `attempt:${id}`,
  contact: (processId: string) => `contact:${processId}`,
  providerCall: (provider: string, id: string) => `provider-call:${provider}:${id}`,
  /** Events of a call that arrived (at any process) before its dial was recorded. */
  earlyEvents: (callId: string) => `early-events:${callId}`,
}

/** Creates the lead pipeline: the durable state machine from a lead's arrival to the end of its call. */
export function createLeadPipeline(deps: LeadPipelineDeps): LeadPipeline {
  const { storage, ns, events, now, config, engine, compliance, telephony, logger } = deps
  const iso = createIsoFormatter()
  const lock = createKeyedLock()
  const background = new Set<Promise<unknown>>()
  let dispatching: Promise<number> | undefined
  let dispatchAgain = false
  let presenceTimer: ReturnType<typeof setInterval> | undefined
  let queuePoller: ReturnType<typeof setInterval> | undefined
  const unsubscribe: (() => void)[] = []
  let stopped = false

  const jobs = createJobScheduler({
    storage,
    ns,
    now,
    leaseMs: config.queueLeaseMs,
    pollMs: config.pollMs,
    run: (job) => runJob(job),
    onError: (error, job) => logger.error({ err: error, job: job.type }, 'pipeline job failed'),
  })

  /** Runs work in the background, keeping track of it so `stop()` and tests can wait for it. */
  function inBackground(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) =>
      logger.error({ err: error }, 'background pipeline work failed'),
    )
    background.add(tracked)
    void tracked.then(() => background.delete(tracked))
  }

  // ---------------------------------------------------------------- state persistence

  async function load(processId: string, options?: StorageCallOptions) {
    return storage.get<ProcessState>(ns, k.process(processId), options)
  }

  /**
   * Writes a process state with a version check, plus any extra checks and mutations, all at once.
   * Returns the new version, or `null` on conflict.
   */
  async function save(
    state: ProcessState,
    version: string,
    extra: { checks?: AtomicCheck[]; mutations?: AtomicMutation[] } = {},
  ): Promise<string | null> {
    state.updatedAt = now()
    const result = await storage.atomic(ns, {
      checks: [{ key: k.process(state.processId), version }, ...(extra.checks ?? [])],
      mutations: [processWrite(state), ...(extra.mutations ?? [])],
    })
    return result.ok ? (result.versions[k.process(state.processId)] ?? null) : null
  }

  /** The write of a process: a closed one expires `closedRetentionMs` after it. */
  function processWrite(state: ProcessState): AtomicMutation {
    const key = k.process(state.processId)
    return OPEN_STATUSES.has(state.status)
      ? { type: 'set', key, value: state }
      : { type: 'set', key, value: state, ttlMs: config.closedRetentionMs }
  }

  /**
   * The writes of a call session: an ended one expires `closedRetentionMs` after it and, when that
   * is shorter than the week its references are written for, so do they (they route late webhooks
   * to a session that would be gone).
   */
  function callWrites(callId: string, session: CallSession): AtomicMutation[] {
    const key = k.call(callId)
    if (!isTerminalCallStatus(session.status)) return [{ type: 'set', key, value: session }]
    const ttlMs = config.closedRetentionMs
    const writes: AtomicMutation[] = [{ type: 'set', key, value: session, ttlMs }]
    if (ttlMs < CALL_REF_TTL_MS) {
      const ref: CallRef = { processId: session.processId, callId }
      writes.push({ type: 'set', key: k.attempt(session.attemptId), value: ref, ttlMs })
      if (session.providerCallId !== undefined)
        writes.push({
          type: 'set',
          key: k.providerCall(session.provider, session.providerCallId),
          value: ref,
          ttlMs,
        })
    }
    return writes
  }

  /** Applies `change` to the stored state with compare-and-set, retrying on conflict. */
  async function update(
    processId: string,
    change: (state: ProcessState) => boolean | { checks?: AtomicCheck[]; mutations?: AtomicMutation[] },
  ): Promise<ProcessState | null> {
    for (let i = 0; i < MAX_CAS; i++) {
      const entry = await load(processId)
      if (!entry) return null
      const state = entry.value
      const extra = change(state)
      if (extra === false) return state
      if ((await save(state, entry.version, extra === true ? {} : extra)) !== null) return state
    }
    throw new LeadCallError('RATE_LIMITED', { message: `Process ${processId} is changing too fast; retry` })
  }

  function outcome(
    status: StepOutcome['status'],
    startedAt: number,
    extra: Partial<StepOutcome> = {},
  ): StepOutcome {
    const at = now()
    return { status, at, durationMs: at - startedAt, ...extra }
  }

  function resultOf(state: ProcessState, duplicate = false, queuePosition?: number): SubmitLeadResult {
    const result: SubmitLeadResult = { processId: state.processId, status: state.status, steps: state.steps }
    if (state.attempt)
      result.agent = { id: state.attempt.agentId, name: state.attempt.agentName ?? state.attempt.agentId }
    if (state.error) result.error = state.error
    if (queuePosition !== undefined) result.queuePosition = queuePosition
    if (duplicate) result.duplicate = true
    return result
  }

  // ---------------------------------------------------------------- intake

  async function submitLead(input: unknown, options: SubmitLeadOptions = {}): Promise<SubmitLeadResult> {
    options.signal?.throwIfAborted()
    const receivedAt = now()
    const lead = normalizeLead(input, {
      defaultCountry: deps.defaultCountry,
      now: () => new Date(receivedAt),
    })
    const routing = await routingOf(lead, options.routing, deps.route)

    const dedupeKeys: string[] = []
    if (options.idempotencyKey !== undefined)
      dedupeKeys.push(k.byKey(String(options.idempotencyKey).slice(0, 200)))
    if (lead.externalId !== undefined) dedupeKeys.push(k.bySource(lead.source, lead.externalId))
    const openPhoneKey = k.openPhone(lead.phone)
    // The open process of this number may close between a lost check and the read of its owner: the
    // number is free again, so the lead is created on the next try. A key left by a process that no
    // longer exists or is closed is taken over (checked at the version read), never waited on.
    let openVersion: string | null = null
    for (let attempt = 1; ; attempt++) {
      const created = await createProcess(
        lead,
        routing,
        receivedAt,
        dedupeKeys,
        { key: openPhoneKey, version: openVersion },
        options,
      )
      if (!('vanished' in created)) return created
      openVersion = created.openVersion
      if (attempt === CREATE_ATTEMPTS)
        throw new LeadCallError('RATE_LIMITED', { message: 'The lead is being received concurrently; retry' })
    }
  }

  /**
   * Writes a new process (its dedupe keys, its number's open-process key, its lease) and runs it, or
   * answers the process it duplicates; `vanished` when the open process of the number closed in
   * between, with the version of the key it left (null when none).
   */
  async function createProcess(
    lead: ProcessState['lead'],
    routing: ProcessState['routing'],
    receivedAt: number,
    dedupeKeys: string[],
    open: AtomicCheck,
    options: StorageCallOptions,
  ): Promise<SubmitLeadResult | Vanished> {
    const openPhoneKey = open.key
    const processId = randomUUID()
    const checks: AtomicCheck[] = []
    const mutations: AtomicMutation[] = []
    for (const key of dedupeKeys) {
      checks.push({ key, version: null })
      mutations.push({ type: 'set', key, value: processId, ttlMs: config.dedupeWindowMs })
    }
    if (config.joinOpenProcess) {
      checks.push(open)
      mutations.push({ type: 'set', key: openPhoneKey, value: processId })
    }
    const state: ProcessState = {
      processId,
      status: 'received',
      next: 'compliance',
      receivedAt,
      updatedAt: receivedAt,
      lead,
      steps: { normalize: outcome('done', receivedAt), deduplicate: outcome('done', receivedAt) },
      tried: [],
      ...(routing === undefined ? {} : { routing }),
      dials: 0,
      redials: 0,
      ...(config.joinOpenProcess ? { openKey: openPhoneKey } : {}),
    }
    mutations.push(processWrite(state))
    mutations.push({ type: 'set', key: k.open(processId), value: receivedAt })
    // The lease of this first run, written alongside (no extra round trip on the way to the dial):
    // if this process dies before the lead is dialed or queued, another worker takes it over.
    const [created] = await Promise.all([
      storage.atomic(ns, { checks, mutations }, options),
      storage.enqueue(ns, INFLIGHT, {
        id: processId,
        priority: 0,
        availableAt: receivedAt + config.queueLeaseMs,
        payload: null,
      }),
    ])
    const settled = () => inBackground(storage.removeQueued(ns, INFLIGHT, processId))
    if (!created.ok) {
      settled()
      return duplicateOf(created.conflicts, dedupeKeys, openPhoneKey, options)
    }

    events.emit('lead.received', {
      processId,
      leadId: lead.id,
      source: lead.source,
      priority: lead.priority,
      at: iso(receivedAt),
    })
    await advance(processId)
    settled()
    const entry = await load(processId, options)
    const final = entry?.value ?? state
    return resultOf(final, false, final.status === 'queued' ? await positionOf(processId) : undefined)
  }

  async function duplicateOf(
    conflicts: string[],
    dedupeKeys: string[],
    openPhoneKey: string,
    options: StorageCallOptions,
  ): Promise<SubmitLeadResult | Vanished> {
    const redelivery = dedupeKeys.find((key) => conflicts.includes(key))
    const key = redelivery ?? openPhoneKey
    const owner = await storage.get<string>(ns, key, options)
    const first = owner ? await load(owner.value, options) : null
    if (redelivery) {
      if (first) return resultOf(first.value, true)
      // Received before, its record since expired (closedRetentionMs shorter than dedupeWindowMs):
      // still the same lead, never a second call.
      throw new LeadCallError('DUPLICATE_LEAD', {
        message: 'This lead was received before; its process has expired',
        details: owner ? { processId: owner.value } : {},
      })
    }
    if (!first || !OPEN_STATUSES.has(first.value.status))
      return { vanished: true, openVersion: owner?.version ?? null }
    throw new LeadCallError('DUPLICATE_LEAD', {
      message: 'A call process for this phone number is still open',
      details: { processId: first.value.processId, status: first.value.status },
    })
  }

  // ---------------------------------------------------------------- the state machine

  /** Runs the process's steps until it waits (queued, dialing) or ends. One runner per process. */
  function advance(processId: string): Promise<void> {
    return lock.run(`p:${processId}`, async () => {
      for (;;) {
        const entry = await load(processId)
        if (!entry || !OPEN_STATUSES.has(entry.value.status)) return
        const state = entry.value
        if (state.next === 'done' || state.next === 'track') return
        const step = state.next
        if (!(await runStep(step, state, entry.version))) return
      }
    })
  }

  /** Runs one step and persists its outcome. Returns false when the process now waits. */
  async function runStep(step: PipelineStep, state: ProcessState, version: string): Promise<boolean> {
    switch (step) {
      case 'compliance':
        return complianceStep(state, version)
      case 'classify':
        state.steps.classify = outcome('skipped', now(), { detail: { reason: 'no classifier configured' } })
        state.next = 'contactSync'
        return (await save(state, version)) !== null
      case 'contactSync':
        return contactSyncStep(state, version)
      case 'distribute':
        return distributeStep(state, version)
      case 'dial':
        return dialStep(state, version)
      default:
        return false
    }
  }

  async function complianceStep(state: ProcessState, version: string): Promise<boolean> {
    const startedAt = now()
    const screened = compliance.screen(state.lead)
    if (!screened.ok) {
      state.steps.compliance = outcome('failed', startedAt, {
        errorCode: screened.code,
        detail: { reason: screened.reason },
      })
      await finish(state, version, 'rejected', {
        code: screened.code,
        message: `Not callable: ${screened.reason}`,
      })
      return false
    }
    if (screened.priority !== state.lead.priority) state.lead = { ...state.lead, priority: screened.priority }
    const log = await storage.get<number[]>(ns, k.dialLog(state.lead.phone))
    const callable = compliance.whenCallable(state.lead, log?.value ?? [], startedAt)
    if (!callable.ok) {
      // A window that never opens in all the lead's time zones at once (a narrow window across
      // far-apart zones): the lead waits, durably, and is looked at again daily — the settings
      // may change — instead of being lost.
      const never = !Number.isFinite(callable.until)
      const until = never ? startedAt + NEVER_OPEN_RECHECK_MS : callable.until
      state.steps.compliance = outcome('waiting', startedAt, {
        errorCode: callable.code,
        detail: never ? { until: iso(until), windowNeverOpens: true } : { until: iso(until) },
      })
      await enqueue(state, version, callable.code, until)
      return false
    }
    state.steps.compliance = outcome('done', startedAt)
    state.next = state.steps.classify ? (state.steps.contactSync ? 'distribute' : 'contactSync') : 'classify'
    return (await save(state, version)) !== null
  }

  /** Whether the provider can sync contacts: it has the method and declares the capability. */
  function canSyncContacts(): boolean {
    return telephony?.syncContact !== undefined && telephony.capabilities.contactSync
  }

  async function contactSyncStep(state: ProcessState, version: string): Promise<boolean> {
    const startedAt = now()
    if (config.contactSync === 'off' || !canSyncContacts()) {
      state.steps.contactSync = outcome('skipped', startedAt, {
        detail: { reason: config.contactSync === 'off' ? 'turned off' : 'provider has no contact sync' },
      })
      state.next = 'distribute'
      return (await save(state, version)) !== null
    }
    if (config.contactSync === 'blocking') {
      // Started now, awaited by the dial: agent selection runs meanwhile.
      state.contact = { status: 'pending', tries: 0 }
      state.steps.contactSync = outcome('waiting', startedAt, { detail: { mode: 'blocking' } })
      state.next = 'distribute'
      if ((await save(state, version)) === null) return false
      startBlockingSync(state.processId, state.lead)
      return true
    }
    // Background: record that it runs, start it, and go on to distribute at once.
    state.contact = { status: 'pending', tries: 0 }
    state.steps.contactSync = outcome('done', startedAt, { detail: { mode: 'background' } })
    state.next = 'distribute'
    if ((await save(state, version)) === null) return false
    inBackground(syncContactInBackground(state.processId))
    return true
  }

  /**
   * Syncs the contact outside the state machine: its outcome goes to its own document, so it never
   * races the steps; a failure is retried later by a durable job.
   */
  async function syncContactInBackground(processId: string): Promise<void> {
    const entry = await load(processId)
    if (!entry || !telephony?.syncContact || !canSyncContacts()) return
    const key = k.contact(processId)
    const previous = await storage.get<NonNullable<ProcessState['contact']>>(ns, key)
    if (previous?.value.status === 'synced') return
    const tries = (previous?.value.tries ?? 0) + 1
    try {
      const synced = await telephony.syncContact(entry.value.lead)
      await storage.atomic(ns, {
        mutations: [
          {
            type: 'set',
            key,
            value: { status: 'synced', contactId: synced.contactId, tries },
            ttlMs: config.closedRetentionMs,
          },
        ],
      })
    } catch (error) {
      await storage.atomic(ns, {
        mutations: [
          {
            type: 'set',
            key,
            value: { status: 'failed', tries, error: messageOf(error) },
            ttlMs: config.closedRetentionMs,
          },
        ],
      })
      const delay = config.contactSyncRetryMs[tries - 1]
      logger.warn({ processId, err: error, tries }, 'contact sync failed; the call goes on')
      if (delay !== undefined) {
        await jobs.schedule(`contact-sync:${processId}`, { type: 'contact_sync', processId }, now() + delay)
      }
    }
  }

  /** Contact syncs the dial of a blocking-mode process waits for, by process. */
  const blockingSyncs = new Map<string, Promise<{ contactId: string } | { error: unknown }>>()

  function startBlockingSync(processId: string, lead: Lead) {
    if (!telephony?.syncContact || !canSyncContacts() || blockingSyncs.has(processId)) return
    const sync = telephony.syncContact(lead).then(
      (r) => ({ contactId: r.contactId }),
      (error: unknown) => ({ error }),
    )
    blockingSyncs.set(processId, sync)
  }

  /** Waits for a blocking contact sync (starting it again after a restart). */
  async function awaitBlockingSync(state: ProcessState) {
    if (state.contact?.status === 'synced') return { contactId: state.contact.contactId ?? '' }
    startBlockingSync(state.processId, state.lead)
    const result = await blockingSyncs.get(state.processId)
    blockingSyncs.delete(state.processId)
    return result ?? { error: new Error('no contact sync available') }
  }

  async function distributeStep(state: ProcessState, version: string): Promise<boolean> {
    const startedAt = now()
    const lead = state.lead
    try {
      const decision = await engine.assign({
        processId: state.processId,
        lead: {
          id: lead.id,
          phone: lead.phone,
          ...(lead.email === undefined ? {} : { email: lead.email }),
          source: lead.source,
          ...(lead.externalId === undefined ? {} : { externalId: lead.externalId }),
          priority: lead.priority,
        },
        exclude: state.tried,
        ...(state.routing?.pool === undefined ? {} : { pool: state.routing.pool }),
        ...(state.routing?.requiredSkills === undefined
          ? {}
          : { requiredSkills: state.routing.requiredSkills }),
      })
      const assignment = decision.assignments[0]!
      const agent = await deps.getAgent(assignment.agentId)
      const attemptId = randomUUID()
      state.attempt = {
        attemptId,
        agentId: assignment.agentId,
        agentName: agent?.name ?? assignment.agentId,
        reservationId: assignment.id,
        callId: randomUUID(),
        state: 'recorded',
        startedAt,
        agentConnected: false,
      }
      state.tried = [...state.tried, assignment.agentId]
      state.dials += 1
      state.status = 'dialing'
      state.queued = undefined
      state.steps.distribute = outcome('done', startedAt, {
        detail: { agentId: assignment.agentId, agentName: agent?.name, strategy: decision.strategy },
      })
      state.next = 'dial'
      // The attempt is recorded (and counted against the number's cap) before the provider is asked.
      const logEntry = await storage.get<number[]>(ns, k.dialLog(lead.phone))
      const cutoff = startedAt - 86_400_000
      const dialLog = [...(logEntry?.value ?? []).filter((t) => t > cutoff), startedAt]
      const saved = await save(state, version, {
        checks: [{ key: k.dialLog(lead.phone), version: logEntry?.version ?? null }],
        mutations: [
          { type: 'set', key: k.dialLog(lead.phone), value: dialLog, ttlMs: 86_400_000 },
          {
            type: 'set',
            key: k.attempt(attemptId),
            value: { processId: state.processId, callId: state.attempt.callId } satisfies CallRef,
            ttlMs: CALL_REF_TTL_MS,
          },
        ],
      })
      if (saved === null) {
        // Lost a race on the process or the number's log: give the agent back and try again.
        await engine.reject(assignment.id, { reason: 'process changed concurrently' }).catch(() => undefined)
        return true
      }
      return true
    } catch (error) {
      if (LeadCallError.isInstance(error) && error.code === 'RATE_LIMITED') {
        // Contention on the distribution state (many processes deciding at once): the lead waits
        // its turn in the queue instead of failing the submission.
        state.steps.distribute = outcome('waiting', startedAt, { errorCode: 'RATE_LIMITED' })
        await enqueue(state, version, 'RATE_LIMITED')
        return false
      }
      if (!LeadCallError.isInstance(error) || error.code !== 'NO_AGENTS_AVAILABLE') throw error
      if (state.tried.length > 0) {
        // Every agent there is (of its pool, with its skills) was tried for this lead: waiting
        // would wait forever.
        const everyone = state.routing
          ? (await deps.listAgents()).filter((agent) => fitsRouting(agent, state.routing!)).map((a) => a.id)
          : (await engine.stats()).map((agent) => agent.agentId)
        if (everyone.every((agentId) => state.tried.includes(agentId))) {
          state.steps.distribute = outcome('failed', startedAt, { errorCode: 'NO_AGENTS_AVAILABLE' })
          await finish(state, version, 'failed', {
            code: 'NO_AGENTS_AVAILABLE',
            message: `Every agent was tried for this lead (${state.tried.length})`,
          })
          return false
        }
      }
      state.steps.distribute = outcome('waiting', startedAt, { errorCode: 'NO_AGENTS_AVAILABLE' })
      if (config.whenNoAgent === 'reject') {
        await finish(state, version, 'rejected', { code: 'NO_AGENTS_AVAILABLE', message: error.message })
        return false
      }
      await enqueue(state, version, 'NO_AGENTS_AVAILABLE')
      return false
    }
  }

  async function dialStep(state: ProcessState, version: string): Promise<boolean> {
    const attempt = state.attempt
    if (!attempt || !telephony) {
      await finish(state, version, 'failed', {
        code: 'CALL_FAILED',
        message: 'No telephony provider is configured',
      })
      return false
    }
    const startedAt = now()
    if (attempt.state !== 'recorded') return false
    if (config.contactSync === 'blocking' && canSyncContacts() && state.contact?.status !== 'synced') {
      const synced = await awaitBlockingSync(state)
      if ('error' in synced) {
        state.contact = {
          status: 'failed',
          tries: (state.contact?.tries ?? 0) + 1,
          error: messageOf(synced.error),
        }
        state.steps.contactSync = outcome('failed', state.steps.contactSync?.at ?? startedAt, {
          errorCode: 'CONTACT_CREATION_FAILED',
        })
        await engine.reject(attempt.reservationId, { reason: 'contact sync failed' }).catch(() => undefined)
        state.attempt = { ...attempt, state: 'ended' }
        await finish(state, version, 'failed', {
          code: 'CONTACT_CREATION_FAILED',
          message: messageOf(synced.error),
        })
        return false
      }
      state.contact = {
        status: 'synced',
        contactId: synced.contactId,
        tries: (state.contact?.tries ?? 0) + 1,
      }
      state.steps.contactSync = outcome('done', state.steps.contactSync?.at ?? startedAt, {
        detail: { mode: 'blocking', contactId: synced.contactId },
      })
    }
    const agent = await deps.getAgent(attempt.agentId)
    if (!agent) {
      return releaseAgentAndRetry(state, version, 'AGENT_NOT_AVAILABLE', 'agent removed')
    }
    try {
      const result = await telephony.dial({
        attemptId: attempt.attemptId,
        processId: state.processId,
        agent,
        lead: state.lead,
        timeoutMs: config.noAnswerTimeoutMs,
      })
      attempt.state = 'accepted'
      if (result.providerCallId !== undefined) attempt.providerCallId = result.providerCallId
      state.steps.dial = outcome('done', startedAt, {
        detail: {
          attemptId: attempt.attemptId,
          providerCallId: result.providerCallId,
          provider: telephony.name,
        },
      })
      state.next = 'track'
      const session = callSessionOf(state, attempt, startedAt)
      if (result.providerCallId !== undefined) session.providerCallId = result.providerCallId
      const mutations: AtomicMutation[] = callWrites(attempt.callId, session)
      if (result.providerCallId !== undefined) {
        mutations.push({
          type: 'set',
          key: k.providerCall(telephony.name, result.providerCallId),
          value: { processId: state.processId, callId: attempt.callId } satisfies CallRef,
          ttlMs: CALL_REF_TTL_MS,
        })
      }
      const recorded = await saveDialed(state, version, attempt.callId, mutations)
      if (recorded === null) return true
      // The provider took the call: the agent is committed to it until it ends.
      await engine.accept(attempt.reservationId).catch((error: unknown) => {
        logger.warn({ processId: state.processId, err: error }, 'reservation could not be accepted')
      })
      await jobs.schedule(
        `no-answer:${attempt.attemptId}`,
        { type: 'no_answer', processId: state.processId, attemptId: attempt.attemptId },
        startedAt + config.noAnswerTimeoutMs,
      )
      events.emit('call.started', {
        processId: state.processId,
        callId: attempt.callId,
        agentId: attempt.agentId,
        provider: telephony.name,
        at: iso(startedAt),
      })
      if (recorded.early.length > 0) {
        // Events the provider sent before this record existed: applied now, in order, before any
        // later one (those queue behind them until the drain is done).
        await drainEarlyEvents(state.processId, attempt.callId)
        return true
      }
      return false
    } catch (error) {
      const code = LeadCallError.isInstance(error) ? error.code : 'CALL_FAILED'
      if (code === 'PROVIDER_TIMEOUT') {
        // The request may have reached the provider: the outcome is unknown, so the lead is never
        // dialed again blindly. The agent stays held; the call's events, or the no-answer timeout
        // when none come, settle it.
        state.steps.dial = outcome('waiting', startedAt, { errorCode: code })
        attempt.state = 'accepted'
        state.next = 'track'
        const saved = await saveDialed(
          state,
          version,
          attempt.callId,
          callWrites(attempt.callId, callSessionOf(state, attempt, startedAt)),
        )
        if (saved === null) return true
        if (saved.early.length > 0) {
          await engine.accept(attempt.reservationId).catch(() => undefined)
          await drainEarlyEvents(state.processId, attempt.callId)
          return true
        }
        await engine.accept(attempt.reservationId).catch(() => undefined)
        await jobs.schedule(
          `no-answer:${attempt.attemptId}`,
          { type: 'no_answer', processId: state.processId, attemptId: attempt.attemptId },
          startedAt + config.noAnswerTimeoutMs,
        )
        return false
      }
      // The provider refused the request: no call was placed, so it does not count against the
      // number's attempt cap.
      state.steps.dial = outcome('failed', startedAt, { errorCode: code })
      await forgetDialAttempt(state.lead.phone, attempt.startedAt)
      if (code === 'AGENT_NOT_AVAILABLE' || code === 'AGENT_BUSY') {
        return releaseAgentAndRetry(state, version, code, messageOf(error))
      }
      await engine
        .reject(attempt.reservationId, { code: 'CALL_FAILED', reason: messageOf(error) })
        .catch(() => undefined)
      state.attempt = { ...attempt, state: 'ended' }
      state.tried = state.tried.filter((id) => id !== attempt.agentId) // the agent did nothing wrong
      if (code === 'VALIDATION_FAILED') {
        // The provider refused the lead itself (e.g. a number it cannot call): asking again
        // cannot succeed, so the lead fails with the provider's reason.
        await finish(state, version, 'failed', {
          code,
          message: `The provider refused to call the lead: ${messageOf(error)}`,
        })
        return false
      }
      // The provider could not take the request (down, rate-limited, credentials being fixed): the
      // lead waits and is retried, never lost, each retry further apart.
      const refusals = (state.refusals ?? 0) + 1
      state.refusals = refusals
      const backoff = config.redialBackoffMs
      // A provider's Retry-After (429) is honoured: never sooner than it asked.
      const retryAfterMs = LeadCallError.isInstance(error)
        ? (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs
        : undefined
      const delay = Math.max(
        backoff[Math.min(refusals - 1, backoff.length - 1)] ?? 60_000,
        typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) ? retryAfterMs : 0,
      )
      state.next = 'compliance'
      await enqueue(state, version, code, now() + delay)
      return false
    }
  }

  /**
   * Records a placed call (the process state and the call's keys), taking over the events that
   * reached a process before this record existed: the commit requires the early-events key to be
   * as read, so no event can slip in between. Null when the process itself changed meanwhile.
   */
  async function saveDialed(
    state: ProcessState,
    version: string,
    callId: string,
    mutations: AtomicMutation[],
  ): Promise<{ early: CallEvent[] } | null> {
    const earlyKey = k.earlyEvents(callId)
    let early: { value: CallEvent[]; version: string } | null = null
    for (let i = 0; i < MAX_CAS; i++) {
      state.updatedAt = now()
      const result = await storage.atomic(ns, {
        checks: [
          { key: k.process(state.processId), version },
          { key: earlyKey, version: early?.version ?? null },
        ],
        mutations: [processWrite(state), ...mutations],
      })
      if (result.ok) return { early: early?.value ?? [] }
      if (result.conflicts.includes(k.process(state.processId))) return null
      early = await storage.get<CallEvent[]>(ns, earlyKey)
    }
    throw new LeadCallError('RATE_LIMITED', { message: `Call ${callId} is receiving events too fast; retry` })
  }

  /**
   * Keeps an event of a call whose dial is not recorded yet (the provider answered faster than the
   * dialing process could write), or that arrived while earlier such events wait: the dialing
   * process applies them in order right after its record ({@link drainEarlyEvents}). When neither
   * holds any more, the event is applied now.
   */
  async function deferEarlyEvent(
    processId: string,
    callId: string,
    event: CallEvent,
  ): Promise<{ applied: boolean }> {
    const earlyKey = k.earlyEvents(callId)
    for (let i = 0; i < MAX_CAS; i++) {
      const [call, pending] = await storage.getMany<CallEvent[]>(ns, [k.call(callId), earlyKey])
      if (call && !pending) return applyCallEvent(processId, callId, event)
      const written = await storage.atomic(ns, {
        checks: pending
          ? [{ key: earlyKey, version: pending.version }]
          : [
              { key: k.call(callId), version: null },
              { key: earlyKey, version: null },
            ],
        mutations: [
          { type: 'set', key: earlyKey, value: [...(pending?.value ?? []), event], ttlMs: 86_400_000 },
        ],
      })
      if (written.ok) return { applied: true }
    }
    throw new LeadCallError('RATE_LIMITED', { message: `Call ${callId} is receiving events too fast; retry` })
  }

  /**
   * Applies, in arrival order, the events that reached any process before this one recorded its
   * dial, then removes them — only if no new one was appended meanwhile (else those are applied
   * too). Runs inside the process's lock, right after the record.
   */
  async function drainEarlyEvents(processId: string, callId: string): Promise<void> {
    const earlyKey = k.earlyEvents(callId)
    let applied = 0
    for (let i = 0; i < MAX_CAS; i++) {
      const pending = await storage.get<CallEvent[]>(ns, earlyKey)
      if (!pending) return
      for (const event of pending.value.slice(applied)) await applyCallEvent(processId, callId, event, true)
      applied = pending.value.length
      const removed = await storage.atomic(ns, {
        checks: [{ key: earlyKey, version: pending.version }],
        mutations: [{ type: 'delete', key: earlyKey }],
      })
      if (removed.ok) return
    }
  }

  /** The call session of a dial attempt, as it starts. */
  function callSessionOf(state: ProcessState, attempt: DialAttempt, startedAt: number): CallSession {
    return createCallSession({
      id: attempt.callId,
      processId: state.processId,
      leadId: state.lead.id,
      agentId: attempt.agentId,
      provider: telephony?.name ?? 'none',
      attemptId: attempt.attemptId,
      mode: 'agent_first',
      at: iso(startedAt),
    })
  }

  /** Removes a dial attempt that placed no call from the number's attempt log. */
  async function forgetDialAttempt(phone: string, at: number): Promise<void> {
    for (let i = 0; i < MAX_CAS; i++) {
      const entry = await storage.get<number[]>(ns, k.dialLog(phone))
      if (!entry) return
      const index = entry.value.lastIndexOf(at)
      if (index < 0) return
      const value = entry.value.filter((_, j) => j !== index)
      const written = await storage.atomic(ns, {
        checks: [{ key: k.dialLog(phone), version: entry.version }],
        mutations: [{ type: 'set', key: k.dialLog(phone), value, ttlMs: 86_400_000 }],
      })
      if (written.ok) return
    }
  }

  /**
   * The agent could not take the call: give the lead to the next agent, within the attempt cap.
   * Returns true when the process goes on to distribute again (the caller runs it).
   */
  async function releaseAgentAndRetry(
    state: ProcessState,
    version: string,
    code: LeadCallErrorCode,
    message: string,
  ): Promise<boolean> {
    const attempt = state.attempt
    if (attempt?.state === 'recorded') {
      // The dial was refused: the reservation was never accepted.
      await engine
        .reject(attempt.reservationId, { code: code === 'AGENT_BUSY' ? 'AGENT_BUSY' : 'AGENT_NOT_AVAILABLE' })
        .catch(() => undefined)
    } else if (attempt) {
      // The call reached the agent's phone and nobody answered: free the agent, count the no-answer.
      await engine.complete(attempt.reservationId, { wrapUpMs: 0, noAnswer: true }).catch(() => undefined)
    }
    if (attempt) state.attempt = { ...attempt, state: 'ended' }
    if (state.tried.length >= config.maxAgentAttempts) {
      await finish(state, version, 'failed', {
        code,
        message: `No agent took the call after ${state.tried.length} attempt(s): ${message}`,
      })
      return false
    }
    state.status = 'received'
    state.next = 'distribute'
    return (await save(state, version)) !== null
  }

  // ---------------------------------------------------------------- queue

  function queueScore(since: number): number {
    return config.queueOrder === 'fifo' ? since : -since
  }

  async function enqueue(state: ProcessState, version: string, reason: LeadCallErrorCode, until?: number) {
    const at = now()
    const alreadyWaiting = state.queued !== undefined
    const since = state.queued?.since ?? at
    state.status = 'queued'
    state.queued = { reason, since, ...(until === undefined ? {} : { until }) }
    state.next = 'compliance'
    if ((await save(state, version)) === null) return
    await storage.enqueue(ns, LEADS, {
      id: state.processId,
      priority: PRIORITY_RANK[state.lead.priority],
      score: queueScore(since),
      availableAt: until ?? at,
      payload: { reason },
    })
    if (until !== undefined) await wakeDispatchAt(until)
    // Once per wait: a dispatch that finds no agent puts the lead back without a new event.
    if (!alreadyWaiting) events.emit('lead.queued', { processId: state.processId, reason, at: iso(at) })
  }

  /** Makes sure the queue is looked at again at `at` (one durable job per second). */
  function wakeDispatchAt(at: number): Promise<void> {
    const second = Math.ceil(at / 1000)
    return jobs.schedule(`dispatch:${second}`, { type: 'dispatch' }, second * 1000)
  }

  /** The lead's place in the queue, when it is among the first {@link POSITION_DEPTH}. */
  async function positionOf(processId: string): Promise<number | undefined> {
    if (storage.queuePosition !== undefined) {
      const position = await storage.queuePosition(ns, LEADS, processId)
      return position === null || position > POSITION_DEPTH ? undefined : position
    }
    const items = await storage.listQueue(ns, LEADS, { limit: POSITION_DEPTH })
    const index = items.findIndex((item) => item.id === processId)
    return index < 0 ? undefined : index + 1
  }

  /** Dispatches waiting leads while agents can take them. One loop per process at a time. */
  function dispatch(): Promise<number> {
    if (stopped || !telephony) return Promise.resolve(0)
    if (dispatching) {
      dispatchAgain = true
      return dispatching
    }
    const run = (async () => {
      let dialed = 0
      do {
        dispatchAgain = false
        const items = await storage.claim<{ reason: string }>(ns, LEADS, {
          leaseMs: config.queueLeaseMs,
          limit: 8,
        })
        let progressed = false
        for (const [index, item] of items.entries()) {
          const result = await dispatchOne(item)
          if (result === 'nobody') {
            // Nobody can take a lead that excludes no agent, so nobody can take the rest of the
            // batch either: they go back untouched, in their order, until an agent frees up.
            await Promise.all(
              items.slice(index + 1).map((rest) => storage.release(ns, LEADS, rest.id, rest.lease.token)),
            )
            break
          }
          if (result === 'dialed') {
            dialed++
            progressed = true
          } else if (result === 'done') {
            progressed = true
          }
        }
        if (items.length > 0 && progressed) dispatchAgain = true
      } while (dispatchAgain && !stopped)
      return dialed
    })()
    dispatching = run
    const clear = () => {
      if (dispatching === run) dispatching = undefined
    }
    run.then(clear, clear)
    return run
  }

  async function dispatchOne(item: QueueItem<{ reason: string }> & { lease: { token: string } }) {
    const processId = item.id
    const entry = await load(processId)
    if (!entry || !OPEN_STATUSES.has(entry.value.status) || entry.value.status !== 'queued') {
      // Still open but not waiting: its last owner died while running it (its lease expired).
      if (entry?.value.status === 'received') await recover(processId)
      await storage.ack(ns, LEADS, processId, item.lease.token)
      return 'done' as const
    }
    // Run it: the process re-checks compliance, then distributes. If it has to wait again it is
    // re-enqueued with its original age (which drops this lease); otherwise the item is done.
    const state = entry.value
    state.status = 'received'
    if ((await save(state, entry.version)) === null) {
      await storage.release(ns, LEADS, processId, item.lease.token)
      return 'waiting' as const
    }
    await advance(processId)
    const after = await load(processId)
    if (after?.value.status === 'queued') {
      // A lead that anybody could take found nobody: nobody can take the leads behind it either.
      // A lead restricted to a pool or to skills says nothing about the others.
      const unrestricted = after.value.tried.length === 0 && after.value.routing === undefined
      return after.value.queued?.reason === 'NO_AGENTS_AVAILABLE' && unrestricted
        ? ('nobody' as const)
        : ('waiting' as const)
    }
    await storage.ack(ns, LEADS, processId, item.lease.token)
    return after?.value.status === 'dialing' || after?.value.status === 'in_call'
      ? ('dialed' as const)
      : ('done' as const)
  }

  // ---------------------------------------------------------------- call events

  async function handleCallEvent(
    event: CallEvent,
    options: StorageCallOptions = {},
  ): Promise<{ applied: boolean }> {
    options.signal?.throwIfAborted()
    let ref: CallRef | undefined
    if (event.attemptId) ref = (await storage.get<CallRef>(ns, k.attempt(event.attemptId), options))?.value
    if (!ref && event.providerCallId) {
      ref = (await storage.get<CallRef>(ns, k.providerCall(event.provider, event.providerCallId), options))
        ?.value
    }
    if (!ref) return { applied: false }
    const { processId, callId } = ref
    return lock.run(`p:${processId}`, () => applyCallEvent(processId, callId, event))
  }

  async function applyCallEvent(
    processId: string,
    callId: string,
    event: CallEvent,
    draining = false,
    settleTries = 0,
  ): Promise<{ applied: boolean }> {
    // One read of the process, the call and its waiting events: the process is never older than
    // the call record (both are written in one commit when the dial is recorded).
    const [processEntry, callEntry, early] = await storage.getMany<unknown>(ns, [
      k.process(processId),
      k.call(callId),
      k.earlyEvents(callId),
    ])
    if (!processEntry) return { applied: false }
    const entry = processEntry as StorageEntry<ProcessState>
    const state = entry.value
    const attempt = state.attempt
    // Events of an earlier attempt only update that call's record.
    const isCurrent = attempt !== undefined && attempt.callId === callId
    // The attempt is known but its call not recorded yet (the dial is in flight in some process), or
    // earlier events still wait to be applied: this one waits behind them, in order.
    if (!callEntry || (early && !draining)) {
      return attempt?.callId === callId ? deferEarlyEvent(processId, callId, event) : { applied: false }
    }
    const current = callEntry as StorageEntry<CallSession>
    const { session, changed } = transitionCallSession(current.value, {
      ...event,
      attemptId: current.value.attemptId,
      processId: current.value.processId,
    })
    // The lead's leg ringing proves the agent answered even when the call's status does not move
    // (it was already ringing for the agent): that signal still counts, once.
    const agentLegUp =
      (event.party === 'agent' && event.type === 'answered') ||
      (event.party === 'lead' && (event.type === 'ringing' || event.type === 'answered')) ||
      (event.party === undefined && event.type === 'answered')
    const connects = isCurrent && agentLegUp && attempt !== undefined && !attempt.agentConnected
    if (!changed && !connects) {
      // The call ended but the process never took it in — its save lost a race with another
      // writer, or its process died between the two writes: a repeated event (or the retry below)
      // takes it in now.
      const redelivered = isTerminalCallStatus(event.type) && unsettled(state, callId, current.value)
      if (!isCurrent || !redelivered || settleTries >= MAX_SETTLE) return { applied: false }
      await jobs.cancel(`no-answer:${attempt!.attemptId}`)
      await onCallEnded(state, entry.version, current.value, event)
      return settleCheck(processId, callId, current.value, event, draining, settleTries + 1)
    }
    if (changed) {
      const written = await storage.atomic(ns, {
        checks: [{ key: k.call(callId), version: current.version }],
        mutations: callWrites(callId, session),
      })
      if (!written.ok) return applyCallEvent(processId, callId, event, draining)
      events.emit('call.status', {
        processId,
        callId,
        status: session.status,
        previous: current.value.status,
        at: event.at,
      })
    }
    if (!isCurrent || !attempt || !OPEN_STATUSES.has(state.status)) return { applied: true }

    if (connects) attempt.agentConnected = true
    if (event.type === 'answered' && (event.party === 'lead' || event.party === undefined)) {
      state.status = 'in_call'
      state.call = { status: 'answered', agentId: attempt.agentId, answeredAt: Date.parse(event.at) }
      await jobs.cancel(`no-answer:${attempt.attemptId}`)
    }
    if (!isTerminalCallStatus(session.status)) {
      // Only what the process tracks is written: the agent connecting and the lead answering.
      if (connects || state.status === 'in_call') await save(state, entry.version)
      return { applied: true }
    }
    await jobs.cancel(`no-answer:${attempt.attemptId}`)
    await onCallEnded(state, entry.version, session, event)
    return settleCheck(processId, callId, session, event, draining, settleTries)
  }

  /** True while a process still waits on a call that has ended: its end was not taken in. */
  function unsettled(state: ProcessState, callId: string, session: CallSession): boolean {
    return (
      OPEN_STATUSES.has(state.status) &&
      state.attempt?.callId === callId &&
      state.attempt.state !== 'ended' &&
      isTerminalCallStatus(session.status)
    )
  }

  /** After a call's end was handled: when the process's save lost a race, handle it again. */
  async function settleCheck(
    processId: string,
    callId: string,
    session: CallSession,
    event: CallEvent,
    draining: boolean,
    settleTries: number,
  ): Promise<{ applied: boolean }> {
    const after = await load(processId)
    if (after && unsettled(after.value, callId, session))
      await applyCallEvent(processId, callId, event, draining, settleTries + 1)
    return { applied: true }
  }

  async function onCallEnded(state: ProcessState, version: string, session: CallSession, event: CallEvent) {
    const attempt = state.attempt!
    const answered = session.answeredAt !== undefined
    state.call = {
      status: session.status,
      agentId: attempt.agentId,
      ...(session.talkSec === undefined ? {} : { talkSec: session.talkSec }),
      ...(session.answeredAt === undefined ? {} : { answeredAt: Date.parse(session.answeredAt) }),
    }
    if (session.status === 'completed' && answered) {
      attempt.state = 'ended'
      await engine.complete(attempt.reservationId, { wrapUpMs: config.wrapUpMs }).catch(() => undefined)
      // The agent is free after the wrap-up: queued leads are looked at again then.
      if (config.wrapUpMs > 0) await wakeDispatchAt(now() + config.wrapUpMs)
      state.steps.track = outcome('done', Date.parse(event.at), { detail: { talkSec: session.talkSec } })
      await finish(state, version, 'completed')
      return
    }
    const agentFailed = !attempt.agentConnected || event.party === 'agent'
    if (agentFailed) {
      const code = session.status === 'busy' ? 'AGENT_BUSY' : 'AGENT_NOT_AVAILABLE'
      // The next agent is tried once this event's handling lets go of the process.
      if (await releaseAgentAndRetry(state, version, code, session.status))
        inBackground(advance(state.processId))
      return
    }
    // The lead did not answer (or the call failed after the agent answered): free the agent, re-dial later.
    attempt.state = 'ended'
    await engine.complete(attempt.reservationId, { wrapUpMs: 0 }).catch(() => undefined)
    const delay = config.redialBackoffMs[state.redials]
    if (delay === undefined) {
      state.steps.track = outcome('failed', Date.parse(event.at), {
        errorCode: 'CALL_FAILED',
        detail: { last: session.status },
      })
      await finish(state, version, 'failed', {
        code: 'CALL_FAILED',
        message: `The lead did not answer after ${state.redials + 1} call(s) (last: ${session.status})`,
      })
      return
    }
    state.redials += 1
    state.tried = state.tried.filter((id) => id !== attempt.agentId) // the agent did nothing wrong
    await enqueue(state, version, 'CALL_FAILED', now() + delay)
  }

  async function finish(
    state: ProcessState,
    version: string,
    status: 'completed' | 'failed' | 'rejected',
    error?: { code: LeadCallErrorCode; message: string },
  ) {
    state.status = status
    state.next = 'done'
    state.queued = undefined
    if (error) state.error = error
    const mutations: AtomicMutation[] = [{ type: 'delete', key: k.open(state.processId) }]
    if (state.openKey) mutations.push({ type: 'delete', key: state.openKey })
    if ((await save(state, version, { mutations })) === null) return
    await storage.removeQueued(ns, LEADS, state.processId)
    const at = iso(now())
    if (status === 'completed') {
      events.emit('lead.completed', {
        processId: state.processId,
        ...(state.attempt ? { agentId: state.attempt.agentId } : {}),
        ...(state.call ? { callStatus: state.call.status } : {}),
        at,
      })
    } else if (error) {
      events.emit('lead.failed', { processId: state.processId, code: error.code, message: error.message, at })
    }
  }

  // ---------------------------------------------------------------- jobs, presence, resume

  async function runJob(job: PipelineJob): Promise<void> {
    if (job.type === 'dispatch') {
      await dispatch()
      return
    }
    if (job.type === 'contact_sync') {
      await syncContactInBackground(job.processId)
      return
    }
    // No answer in time: cancel the call and treat it as unanswered.
    const entry = await load(job.processId)
    const attempt = entry?.value.attempt
    if (!entry || !attempt || attempt.attemptId !== job.attemptId || attempt.state === 'ended') return
    if (entry.value.status === 'in_call') return
    // The dial timed out and nothing was ever heard of the call: the provider most likely never
    // placed it. The agent did nothing wrong — the lead waits and is tried again, like any
    // provider failure, instead of counting against the agent and the lead's agent attempts.
    if (entry.value.steps.dial?.errorCode === 'PROVIDER_TIMEOUT' && !attempt.agentConnected) {
      const call = await storage.get<CallSession>(ns, k.call(attempt.callId))
      if (call === null || call.value.status === 'queued') {
        await lock.run(`p:${job.processId}`, () => settleLostDial(job.processId, attempt.attemptId))
        return
      }
    }
    if (attempt.providerCallId && telephony?.hangup && telephony.capabilities.hangup) {
      await telephony.hangup(attempt.providerCallId).catch((error: unknown) => {
        logger.warn({ processId: job.processId, err: error }, 'hang-up after no-answer timeout failed')
      })
    }
    await handleCallEvent({
      provider: telephony?.name ?? 'leadcall',
      type: 'canceled',
      attemptId: attempt.attemptId,
      processId: job.processId,
      at: iso(now()),
      hangupCause: 'no-answer timeout',
      ...(attempt.agentConnected ? { party: 'lead' as const } : { party: 'agent' as const }),
    })
  }

  /** A dial whose answer was lost and of which no event came: re-queued, the agent freed unblamed. */
  async function settleLostDial(processId: string, attemptId: string): Promise<void> {
    const entry = await load(processId)
    const state = entry?.value
    const attempt = state?.attempt
    if (!entry || !state || !attempt || attempt.attemptId !== attemptId || attempt.state === 'ended') return
    if (!OPEN_STATUSES.has(state.status) || state.status === 'in_call') return
    await engine.complete(attempt.reservationId, { wrapUpMs: 0 }).catch(() => undefined)
    state.attempt = { ...attempt, state: 'ended' }
    state.tried = state.tried.filter((id) => id !== attempt.agentId)
    const refusals = (state.refusals ?? 0) + 1
    state.refusals = refusals
    const backoff = config.redialBackoffMs
    state.next = 'compliance'
    await enqueue(
      state,
      entry.version,
      'PROVIDER_TIMEOUT',
      now() + (backoff[Math.min(refusals - 1, backoff.length - 1)] ?? 60_000),
    )
  }

  async function pollPresence(): Promise<void> {
    if (!telephony?.listAgentPresence) return
    const observedAt = now()
    const [reports, agents] = await Promise.all([telephony.listAgentPresence(), deps.listAgents()])
    const byRef = new Map<string, string>()
    // The agent's id at this provider; its leadcall id when none is set.
    for (const agent of agents) byRef.set(agent.providerRefs[telephony.name] ?? agent.id, agent.id)
    for (const report of reports) {
      const agentId = byRef.get(report.providerAgentId)
      if (agentId)
        await engine.setProviderPresence(agentId, {
          provider: telephony.name,
          status: report.status,
          observedAt,
        })
    }
    // An agent the provider now reports free may take a waiting lead.
    if ((await storage.queueSize(ns, LEADS)) > 0) await dispatch()
  }

  async function resume(options: StorageCallOptions = {}): Promise<{ resumed: number }> {
    let resumed = 0
    let cursor: string | undefined
    do {
      const page = await storage.list<number>(ns, {
        prefix: k.openPrefix,
        limit: 500,
        ...(cursor === undefined ? {} : { cursor }),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      for (const { key } of page.entries) {
        if (await recover(key.slice(k.openPrefix.length), options)) resumed++
      }
      cursor = page.cursor
    } while (cursor !== undefined)
    await jobs.runDue()
    inBackground(dispatch())
    return { resumed }
  }

  /**
   * Picks up an open process where its last owner left it (a restart, or a worker that died):
   * a waiting lead goes back in the queue if it is not there, a dial that may have reached a
   * provider that cannot deduplicate is settled by the no-answer timeout rather than repeated, and
   * anything else moves on from its last persisted step. Returns false when there is nothing to do.
   */
  async function recover(processId: string, options: StorageCallOptions = {}): Promise<boolean> {
    const entry = await load(processId, options)
    if (!entry || !OPEN_STATUSES.has(entry.value.status)) return false
    const state = entry.value
    if (state.status === 'queued') {
      const queued = await storage.getQueued(ns, LEADS, processId)
      if (!queued)
        await enqueue(
          state,
          entry.version,
          state.queued?.reason ?? 'NO_AGENTS_AVAILABLE',
          state.queued?.until,
        )
    } else if (
      state.next === 'dial' &&
      state.attempt?.state === 'recorded' &&
      telephony &&
      !telephony.capabilities.idempotentDial
    ) {
      // The dial may or may not have reached the provider: never dial again blindly. The
      // no-answer timeout settles it if no event comes.
      await jobs.schedule(
        `no-answer:${state.attempt.attemptId}`,
        { type: 'no_answer', processId, attemptId: state.attempt.attemptId },
        now() + config.noAnswerTimeoutMs,
      )
    } else {
      inBackground(advance(processId))
    }
    return true
  }

  /**
   * Takes over the processes whose owner did not finish their first run in time: each submission
   * holds an entry of the `inflight` queue that only becomes claimable when its lease ends, and
   * that its owner removes as soon as the lead was dialed, queued or refused.
   */
  async function takeOverStalled(): Promise<number> {
    const items = await storage.claim(ns, INFLIGHT, { leaseMs: config.queueLeaseMs, limit: 16 })
    for (const item of items) {
      await recover(item.id)
      await storage.ack(ns, INFLIGHT, item.id, item.lease.token)
    }
    return items.length
  }

  // ---------------------------------------------------------------- queue API

  async function toQueued(item: QueueItem<{ reason: LeadCallErrorCode }>): Promise<QueuedLead | null> {
    const entry = await load(item.id)
    if (!entry) return null
    const lead = entry.value.lead
    return {
      processId: item.id,
      priority: lead.priority,
      reason: item.payload.reason,
      since: iso(entry.value.queued?.since ?? item.enqueuedAt),
      availableAt: iso(item.availableAt),
      dispatching: item.lease !== undefined && item.lease.expiresAt > now(),
      lead: { id: lead.id, name: lead.fullName, source: lead.source },
    }
  }

  const queue: LeadQueueApi = {
    async list(options = {}) {
      const items = await storage.listQueue<{ reason: LeadCallErrorCode }>(ns, LEADS, options)
      const out: QueuedLead[] = []
      for (const item of items) {
        const view = await toQueued(item)
        if (view) out.push(view)
      }
      return out
    },
    async get(processId, options) {
      const item = await storage.getQueued<{ reason: LeadCallErrorCode }>(ns, LEADS, processId, options)
      return item ? toQueued(item) : null
    },
    async reprioritize(processId, priority, options) {
      if (!(priority in PRIORITY_RANK)) {
        throw new LeadCallError('VALIDATION_FAILED', { message: `Unknown priority: ${String(priority)}` })
      }
      const state = await lock.run(`p:${processId}`, () =>
        update(processId, (s) => {
          if (s.status !== 'queued') return false
          s.lead = { ...s.lead, priority }
          return true
        }),
      )
      if (state?.status !== 'queued') return null
      const item = await storage.updateQueued<{ reason: LeadCallErrorCode }>(
        ns,
        LEADS,
        processId,
        { priority: PRIORITY_RANK[priority] },
        options,
      )
      return item ? toQueued(item) : null
    },
    remove(processId, options) {
      return lock.run(`p:${processId}`, async () => {
        const entry = await load(processId, options)
        if (entry?.value.status !== 'queued') return false
        await finish(entry.value, entry.version, 'failed', {
          code: 'VALIDATION_FAILED',
          message: 'Removed from the queue',
        })
        return true
      })
    },
    size: (options) => storage.queueSize(ns, LEADS, options),
    dispatch,
  }

  const pipeline: LeadPipeline = {
    submitLead,
    handleCallEvent,
    resume,
    async process(processId, options) {
      const [entry, contact] = await storage.getMany<unknown>(
        ns,
        [k.process(processId), k.contact(processId)],
        options,
      )
      if (!entry) return null
      const state = entry.value as ProcessState
      return contact ? { ...state, contact: contact.value as ProcessState['contact'] } : state
    },
    async call(callId, options) {
      return (await storage.get<CallSession>(ns, k.call(callId), options))?.value ?? null
    },
    queue,
    async reservationUse(processId, reservationId) {
      const state = (await load(processId))?.value
      const attempt = state?.attempt
      if (!state || !OPEN_STATUSES.has(state.status) || attempt?.reservationId !== reservationId) return null
      if (attempt.state === 'accepted') return 'placed'
      // Recorded, and this process works on it now: the dial is on its way (a slow provider).
      if (attempt.state === 'recorded' && lock.isHeld(`p:${processId}`)) return 'placing'
      return null
    },
    async handleUnaccepted(processId, reservationId, kind) {
      const entry = await load(processId)
      if (!entry) return false
      // The pipeline rejects its own reservations and decides what follows itself.
      if (kind === 'rejected') return true
      // A reservation lapsed before the dial was placed (e.g. the process crashed in between): the
      // process distributes again. Outside the process lock: the engine may call this from anywhere.
      inBackground(
        lock
          .run(`p:${processId}`, async () => {
            const current = await load(processId)
            const attempt = current?.value.attempt
            if (!current || attempt?.reservationId !== reservationId || attempt.state !== 'recorded')
              return false
            const state = current.value
            state.attempt = { ...attempt, state: 'ended' }
            state.next = 'distribute'
            state.status = 'received'
            return (await save(state, current.version)) !== null
          })
          .then((moved) => (moved ? advance(processId) : undefined)),
      )
      return true
    },
    start() {
      stopped = false
      // An app that cannot dial (a dashboard, an admin script sharing the store) takes no pipeline
      // work: the queue, delayed jobs and stalled submissions are for the processes that can.
      if (!telephony) return
      jobs.start()
      telephony?.connect?.((event) => handleCallEvent(event).then(() => undefined))
      const onFree = () => void dispatch()
      for (const off of unsubscribe.splice(0)) off()
      unsubscribe.push(
        events.on('agent.status', (e) => {
          if (e.status === 'available') onFree()
        }),
        events.on('reservation.completed', onFree),
        events.on('agent.upserted', onFree),
      )
      // Events dispatch at once (and a wrap-up schedules a wake-up at its end); the poll picks up
      // leases expired by a crashed worker, leads other processes queued, and shifts that began.
      queuePoller = setInterval(() => {
        inBackground(storage.queueSize(ns, LEADS).then((size) => (size > 0 ? dispatch() : 0)))
        inBackground(takeOverStalled())
      }, config.pollMs)
      queuePoller.unref?.()
      if (config.presencePollMs > 0 && telephony?.listAgentPresence) {
        presenceTimer = setInterval(() => inBackground(pollPresence()), config.presencePollMs)
        presenceTimer.unref?.()
        inBackground(pollPresence())
      }
    },
    stop() {
      stopped = true
      jobs.stop()
      if (presenceTimer) clearInterval(presenceTimer)
      if (queuePoller) clearInterval(queuePoller)
      for (const off of unsubscribe.splice(0)) off()
    },
  }
  return pipeline
}

/** An error's message for the process record and the caller, phone numbers and emails masked. */
function messageOf(error: unknown): string {
  return scrubPii(error instanceof Error ? error.message : String(error))
}
