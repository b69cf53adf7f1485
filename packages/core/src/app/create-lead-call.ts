import { createCompliancePolicy } from '../compliance/compliance-policy.js'
import {
  type LeadCallConfig,
  LeadCallConfigSchema,
  type ResolvedLeadCallConfig,
} from '../config/config-schema.js'
import type { ConversationsApi } from '../conversations/conversation-types.js'
import { createConversations } from '../conversations/create-conversations.js'
import { createDistributionEngine, type DistributionApi } from '../distribution/distribution-engine.js'
import { roundRobin } from '../distribution/strategies/round-robin.js'
import type { CallEvent } from '../domain/call-event.js'
import type { CallSession } from '../domain/call-session.js'
import type { Lead } from '../domain/lead.js'
import { normalizeLead } from '../domain/normalize-lead.js'
import { validationError } from '../errors/validation.js'
import { createEventBus, type LeadCallEvents } from '../events/event-bus.js'
import {
  createLeadImporter,
  type ImportOptions,
  type ImportSource,
  type ImportSummary,
} from '../import/import-leads.js'
import { childLogger, type Logger, silentLogger } from '../logging/logger.js'
import {
  createLeadPipeline,
  type LeadPipeline,
  type LeadQueueApi,
  type SubmitLeadOptions,
  type SubmitLeadResult,
} from '../pipeline/lead-pipeline.js'
import type { ProcessState } from '../pipeline/process-state.js'
import { ruleClassifier } from '../qualification/rule-classifier.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { StorageCallOptions, StorageV1 } from '../storage/storage-v1.js'
import { createTracking } from '../tracking/create-tracking.js'
import type { TrackingApi } from '../tracking/tracking-api.js'
import { type AgentsApi, createAgentsApi } from './agents-api.js'

/** A leadcall app: the object `createLeadCall` returns. */
export interface LeadCallApp extends LeadCallEvents {
  /** The validated configuration (defaults applied). */
  readonly config: Readonly<ResolvedLeadCallConfig>
  /** The storage driver all state lives in. */
  readonly storage: StorageV1
  /** The tenant (storage namespace) of this app. */
  readonly tenant: string
  /** The app's logger (silent unless one was configured). */
  readonly logger: Logger
  /** Agents and their presence. */
  readonly agents: AgentsApi
  /** The distribution engine: choose and reserve agents for leads, accept, reject, explain. */
  readonly distribution: DistributionApi
  /** The queue of leads waiting for an agent or a calling window. */
  readonly queue: LeadQueueApi
  /** Process records, incremental metrics, analytics, export and retention. */
  readonly tracking: TrackingApi
  /**
   * Conversations over a messaging channel (WhatsApp): per-contact state with TTL and history,
   * qualification by the configured classifier after each message, the reply to send, and the
   * hand-off of a qualified lead to the CRM and, when hot, to an immediate call.
   */
  readonly conversations: ConversationsApi
  /**
   * Imports leads from CSV (a file path, a string, or a stream of text/bytes), in bounded memory:
   * each row validated (rejected rows reported with their line and reason), duplicates skipped,
   * the rest submitted in batches with bounded concurrency, with `import.progress` events.
   */
  importLeads(source: ImportSource, options?: ImportOptions): Promise<ImportSummary>
  /**
   * Takes a lead from arrival to a ringing agent: normalize, de-duplicate, compliance, classify,
   * contact sync, distribute, dial — each step persisted before the next. Resolves as soon as the
   * dial was started or the lead was queued or rejected. Invalid input throws a `LeadCallError`
   * (`MISSING_PHONE`, `INVALID_PHONE`, `VALIDATION_FAILED`); a phone with an open process throws
   * `DUPLICATE_LEAD`.
   */
  submitLead(input: unknown, options?: SubmitLeadOptions): Promise<SubmitLeadResult>
  /**
   * Applies a normalized call event (from a provider webhook or socket): the call moves only along
   * allowed transitions; duplicates and late events change nothing.
   */
  handleCallEvent(event: CallEvent, options?: StorageCallOptions): Promise<{ applied: boolean }>
  /** Picks up every open process from storage and continues it at its last durable step. */
  resume(options?: StorageCallOptions): Promise<{ resumed: number }>
  /** A lead process's durable state, or `null`. */
  process(processId: string, options?: StorageCallOptions): Promise<ProcessState | null>
  /** A call's session (status, timestamps, history), or `null`. */
  call(callId: string, options?: StorageCallOptions): Promise<CallSession | null>
  /**
   * Normalizes a lead as the pipeline will: phone to E.164 with the configured default country,
   * name split, email validated. Throws `MISSING_PHONE`, `INVALID_PHONE` or `VALIDATION_FAILED`.
   */
  normalizeLead(input: unknown): Lead
  /** Closes the storage driver and drops every listener. */
  close(): Promise<void>
}

/**
 * Creates a leadcall app. The configuration is validated first, and every problem is reported at
 * once in one `VALIDATION_FAILED` error.
 *
 * @example
 * ```ts
 * import { createLeadCall, memoryStorage } from '@leadcall/core'
 *
 * const app = createLeadCall({ storage: memoryStorage(), phone: { defaultCountry: 'IT' } })
 * await app.agents.upsert({ id: 'a1', name: 'Alice', status: 'available' })
 * app.on('agent.status', (e) => console.log(e.agentId, e.status))
 * ```
 */
export function createLeadCall(config: LeadCallConfig = {}): LeadCallApp {
  const parsed = LeadCallConfigSchema.safeParse(config)
  if (!parsed.success) throw validationError('leadcall configuration', parsed.error)
  const resolved = Object.freeze(parsed.data)
  const storage = resolved.storage ?? memoryStorage()
  const now = resolved.now ?? (() => Date.now())
  const logger = childLogger(resolved.logger ?? silentLogger, { tenant: resolved.tenant })
  const events = createEventBus((event, error) => logger.error({ event, err: error }, 'event listener threw'))
  const ns = resolved.tenant
  const settings = resolved.distribution
  let pipeline: LeadPipeline | undefined
  const distribution = createDistributionEngine({
    storage,
    ns,
    events,
    now,
    settings: {
      ...settings,
      strategy: settings.strategy ?? roundRobin(),
      random: settings.random ?? Math.random,
    },
    setAgentStatus: (id, status, reason) => agents.setStatus(id, status, { source: 'system', reason }),
    handleUnaccepted: (ref, reservationId, kind) =>
      pipeline?.handleUnaccepted(ref.processId, reservationId, kind) ?? Promise.resolve(false),
    reservationUse: (ref, reservationId) =>
      pipeline?.reservationUse(ref.processId, reservationId) ?? Promise.resolve(null),
  })
  const agents = createAgentsApi({ storage, ns, events, now, onWrite: distribution.onAgentWrite })
  pipeline = createLeadPipeline({
    storage,
    ns,
    events,
    now,
    logger,
    config: resolved.pipeline,
    engine: distribution,
    compliance: createCompliancePolicy(resolved.compliance),
    telephony: resolved.telephony,
    defaultCountry: resolved.phone.defaultCountry,
    getAgent: (id) => agents.get(id),
    listAgents: () => agents.list(),
    ...(settings.route === undefined ? {} : { route: settings.route }),
  })
  pipeline.start()
  const lanes = pipeline
  const tracking = createTracking({
    storage,
    ns,
    events,
    now,
    maskPii: resolved.privacy.maskPii,
    config: resolved.tracking,
    getProcess: (id) => lanes.process(id),
    agents,
    queueSize: () => lanes.queue.size(),
    logger,
  })
  const normalize = (input: unknown) =>
    normalizeLead(input, { defaultCountry: resolved.phone.defaultCountry, now: () => new Date(now()) })
  const conversations = createConversations({
    storage,
    ns,
    now,
    events,
    logger,
    classifier: resolved.classifier ?? ruleClassifier(),
    crm: resolved.crm,
    config: resolved.conversations,
    defaultCountry: resolved.phone.defaultCountry,
    maskPii: resolved.privacy.maskPii,
    submitLead: resolved.telephony ? (input, options) => lanes.submitLead(input, options) : undefined,
    normalizeLead: normalize,
    // Hand-off retries wait 30 s and more: a slower poll for those other processes scheduled.
    pollMs: Math.max(resolved.pipeline.pollMs, 5_000),
  })
  conversations.start()
  const importLeads = createLeadImporter({
    submitLead: (input, options) => lanes.submitLead(input, options),
    events,
    defaultCountry: resolved.phone.defaultCountry,
  })

  return {
    config: resolved,
    storage,
    tenant: ns,
    logger,
    agents,
    distribution,
    queue: lanes.queue,
    tracking,
    conversations: conversations.api,
    importLeads,
    submitLead: (input, options) => lanes.submitLead(input, options),
    handleCallEvent: (event, options) => lanes.handleCallEvent(event, options),
    resume: (options) => lanes.resume(options),
    process: (id, options) => lanes.process(id, options),
    call: (id, options) => lanes.call(id, options),
    on: events.on,
    once: events.once,
    off: events.off,
    normalizeLead: normalize,
    async close() {
      lanes.stop()
      conversations.stop()
      await tracking.close()
      distribution.close()
      await resolved.telephony?.close?.()
      await resolved.crm?.close?.()
      events.clear()
      await storage.close?.()
    },
  }
}
