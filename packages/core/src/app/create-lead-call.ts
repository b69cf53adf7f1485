import {
  type LeadCallConfig,
  LeadCallConfigSchema,
  type ResolvedLeadCallConfig,
} from '../config/config-schema.js'
import { createDistributionEngine, type DistributionApi } from '../distribution/distribution-engine.js'
import { roundRobin } from '../distribution/strategies/round-robin.js'
import type { Lead } from '../domain/lead.js'
import { normalizeLead } from '../domain/normalize-lead.js'
import { validationError } from '../errors/validation.js'
import { createEventBus, type LeadCallEvents } from '../events/event-bus.js'
import { childLogger, type Logger, silentLogger } from '../logging/logger.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { StorageV1 } from '../storage/storage-v1.js'
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
  })
  const agents = createAgentsApi({ storage, ns, events, now, onWrite: distribution.onAgentWrite })

  return {
    config: resolved,
    storage,
    tenant: ns,
    logger,
    agents,
    distribution,
    on: events.on,
    once: events.once,
    off: events.off,
    normalizeLead: (input) =>
      normalizeLead(input, { defaultCountry: resolved.phone.defaultCountry, now: () => new Date(now()) }),
    async close() {
      distribution.close()
      events.clear()
      await storage.close?.()
    },
  }
}
