import {
  type Agent,
  type AgentInput,
  AgentInputSchema,
  type AgentStatus,
  AgentStatusSchema,
} from '../domain/agent.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import { validationError } from '../errors/validation.js'
import type { EventBus, StatusSource } from '../events/index.js'
import type { StorageCallOptions, StorageEntry, StorageV1 } from '../storage/storage-v1.js'
import { type AgentActivity, activityOf } from './agent-activity.js'
import { keys } from './storage-keys.js'

/** Options of {@link AgentsApi.setStatus}. */
export interface SetStatusOptions extends StorageCallOptions {
  /** Who changed it (default `api`). */
  source?: StatusSource
  /** Why, recorded in the activity log. */
  reason?: string
}

/** Filters of {@link AgentsApi.list}. */
export interface ListAgentsOptions extends StorageCallOptions {
  status?: AgentStatus | AgentStatus[]
  pool?: string
}

/** Options of {@link AgentsApi.activity}. */
export interface AgentActivityOptions extends StorageCallOptions {
  agentId?: string
  /** Inclusive, ms since epoch. */
  from?: number
  /** Exclusive, ms since epoch. */
  to?: number
  limit?: number
  reverse?: boolean
}

/** Registering agents and their presence: `app.agents`. */
export interface AgentsApi {
  /**
   * Registers an agent or updates it. Fields left out keep their stored value (a new agent gets the
   * defaults, status `offline`). Invalid input throws `VALIDATION_FAILED`.
   */
  upsert(input: AgentInput, options?: StorageCallOptions): Promise<Agent>
  /** The agent, or `null`. */
  get(id: string, options?: StorageCallOptions): Promise<Agent | null>
  /** Every agent, ordered by id, optionally filtered. */
  list(options?: ListAgentsOptions): Promise<Agent[]>
  /** Removes an agent; false when it did not exist. */
  remove(id: string, options?: StorageCallOptions): Promise<boolean>
  /**
   * Changes an agent's status, records the activity and emits `agent.status`. Unknown agent:
   * `VALIDATION_FAILED` with status 404.
   */
  setStatus(id: string, status: AgentStatus, options?: SetStatusOptions): Promise<Agent>
  /** The activity log (logins, logouts, calls, breaks), oldest first unless `reverse`. */
  activity(options?: AgentActivityOptions): Promise<AgentActivity[]>
}

/** Called after every successful write of an agent record (`null` when removed). */
export type AgentWriteHook = (id: string, entry: StorageEntry<Agent> | null) => void

interface AgentsApiDeps {
  storage: StorageV1
  ns: string
  events: EventBus
  now: () => number
  /** Keeps the distribution engine's roster in step with agent writes. */
  onWrite?: AgentWriteHook
}

const MAX_CAS_RETRIES = 50

/** Creates `app.agents` over a storage namespace. */
export function createAgentsApi({ storage, ns, events, now, onWrite }: AgentsApiDeps): AgentsApi {
  const iso = () => new Date(now()).toISOString()

  /** Read-modify-write with compare-and-set, retried on conflict. */
  async function update(
    id: string,
    change: (current: StorageEntry<Agent> | null, at: string) => Agent | null,
    options?: StorageCallOptions,
  ): Promise<{ before: Agent | null; after: Agent | null }> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const current = await storage.get<Agent>(ns, keys.agent(id), options)
      const at = iso()
      const next = change(current, at)
      if (next === null) return { before: current?.value ?? null, after: null }
      const result = await storage.atomic(
        ns,
        {
          checks: [{ key: keys.agent(id), version: current?.version ?? null }],
          mutations: [{ type: 'set', key: keys.agent(id), value: next }],
        },
        options,
      )
      if (result.ok) {
        const version = result.versions[keys.agent(id)]
        if (version !== undefined) onWrite?.(id, { key: keys.agent(id), value: next, version })
        return { before: current?.value ?? null, after: next }
      }
    }
    throw new LeadCallError('RATE_LIMITED', { message: `Agent ${id} is being changed concurrently; retry` })
  }

  async function recordStatusChange(
    agent: Agent,
    from: AgentStatus | null,
    source: StatusSource,
    reason: string | undefined,
    options?: StorageCallOptions,
  ) {
    const activity: AgentActivity = {
      agentId: agent.id,
      activity: activityOf(from, agent.status),
      from,
      to: agent.status,
      source,
      at: agent.statusChangedAt,
    }
    if (reason !== undefined) activity.reason = reason
    await storage.append(
      ns,
      keys.agentActivityStream,
      { time: Date.parse(agent.statusChangedAt), data: activity },
      options,
    )
    events.emit('agent.status', {
      agentId: agent.id,
      status: agent.status,
      previous: from,
      source,
      ...(reason === undefined ? {} : { reason }),
      at: agent.statusChangedAt,
    })
  }

  return {
    async upsert(input, options) {
      const parsed = AgentInputSchema.safeParse(input)
      if (!parsed.success) throw validationError('agent', parsed.error)
      const statusGiven =
        typeof input === 'object' && input !== null && 'status' in input && input.status !== undefined
      const given = new Set(Object.keys(input as object))
      const { before, after } = await update(
        parsed.data.id,
        (current, at) => {
          if (!current) return { ...parsed.data, createdAt: at, updatedAt: at, statusChangedAt: at }
          const merged: Agent = { ...current.value, updatedAt: at }
          for (const [field, value] of Object.entries(parsed.data)) {
            if (given.has(field)) (merged as Record<string, unknown>)[field] = value
          }
          if (statusGiven && merged.status !== current.value.status) merged.statusChangedAt = at
          return merged
        },
        options,
      )
      const agent = after!
      events.emit('agent.upserted', { agentId: agent.id, created: before === null, at: agent.updatedAt })
      if (before === null || before.status !== agent.status) {
        await recordStatusChange(agent, before?.status ?? null, 'api', undefined, options)
      }
      return agent
    },

    async get(id, options) {
      return (await storage.get<Agent>(ns, keys.agent(id), options))?.value ?? null
    },

    async list(options = {}) {
      const statuses = options.status === undefined ? null : new Set([options.status].flat())
      const agents: Agent[] = []
      let cursor: string | undefined
      do {
        const page = await storage.list<Agent>(ns, {
          prefix: keys.agentPrefix,
          limit: 500,
          ...(cursor === undefined ? {} : { cursor }),
          ...(options.signal ? { signal: options.signal } : {}),
        })
        for (const { value } of page.entries) {
          if (statuses && !statuses.has(value.status)) continue
          if (options.pool !== undefined && !value.pools.includes(options.pool)) continue
          agents.push(value)
        }
        cursor = page.cursor
      } while (cursor !== undefined)
      return agents
    },

    async remove(id, options) {
      const current = await storage.get<Agent>(ns, keys.agent(id), options)
      if (!current) return false
      await storage.atomic(ns, { mutations: [{ type: 'delete', key: keys.agent(id) }] }, options)
      onWrite?.(id, null)
      events.emit('agent.removed', { agentId: id, at: iso() })
      return true
    },

    async setStatus(id, status, options = {}) {
      const parsedStatus = AgentStatusSchema.safeParse(status)
      if (!parsedStatus.success) throw validationError('agent status', parsedStatus.error)
      const { before, after } = await update(
        id,
        (current, at) => {
          if (!current) return null
          if (current.value.status === parsedStatus.data) return current.value
          return { ...current.value, status: parsedStatus.data, statusChangedAt: at, updatedAt: at }
        },
        options,
      )
      if (!after) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: `Unknown agent: ${id}`,
          status: 404,
          details: { id },
        })
      }
      if (before && before.status !== after.status) {
        await recordStatusChange(after, before.status, options.source ?? 'api', options.reason, options)
      }
      return after
    },

    async activity(options = {}) {
      // One stream for every agent, read by time range: per-agent reads filter it (activity logs are
      // read for reports, rarely; one write per status change keeps the hot path short).
      const { agentId, limit, ...range } = options
      const records = await storage.range<AgentActivity>(ns, keys.agentActivityStream, {
        ...range,
        ...(agentId === undefined && limit !== undefined ? { limit } : {}),
      })
      const out: AgentActivity[] = []
      for (const { data } of records) {
        if (agentId !== undefined && data.agentId !== agentId) continue
        out.push(data)
        if (limit !== undefined && out.length >= limit) break
      }
      return out
    },
  }
}
