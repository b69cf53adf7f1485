import { keys } from '../app/storage-keys.js'
import type { Agent } from '../domain/agent.js'
import type { StorageCallOptions, StorageEntry, StorageV1 } from '../storage/storage-v1.js'
import { offerableReason } from './filters.js'
import { reservationPrefix } from './reservation-id.js'
import type {
  AgentRuntimeState,
  AgentView,
  DistributionStrategy,
  RandomSource,
  StrategyContext,
  StrategyIndex,
} from './strategy.js'

/** A fresh runtime state for an agent first seen at `now`. */
export function emptyRuntimeState(now: number): AgentRuntimeState {
  return {
    active: 0,
    idleSince: now,
    noAnswerStreak: 0,
    reservations: {},
    stats: { assigned: 0, accepted: 0, rejected: 0, timedOut: 0, completed: 0 },
    strategy: {},
  }
}

/** One agent in the roster, with the storage versions its view was built from. */
export interface RosterEntry {
  view: AgentView
  /** The agent's reservation-id prefix. */
  reservationPrefix: string
  /** Storage key of the agent record. */
  agentKey: string
  /** Storage key of the agent's runtime state. */
  stateKey: string
  /** Version of the `agent:` document. */
  agentVersion: string
  /** Version of the `agent-state:` document; `null` while it was never written. */
  stateVersion: string | null
}

const ALL = '*'

/**
 * The engine's in-memory picture of the agents of one tenant: each agent's record and runtime
 * state with the versions they were read at, and one strategy index per pool over the agents that
 * can be offered leads. Every decision is committed with checks on those versions, so a stale
 * picture can cost a retry, never a wrong assignment.
 */
export class Roster {
  private readonly entries = new Map<string, RosterEntry>()
  private readonly indexes = new Map<string, StrategyIndex>()
  private readonly context: StrategyContext
  /** Mixed into each agent's tie-break; shared by every process of the tenant. */
  private salt = 0
  /** One shared, never-mutated runtime state for agents first seen at the same instant. */
  private blank: { at: number; state: AgentRuntimeState } | undefined

  constructor(
    private readonly strategy: DistributionStrategy,
    random: RandomSource,
    now: () => number,
  ) {
    this.context = { random, now }
  }

  /** Loads every agent and runtime state of the namespace. */
  async load(storage: StorageV1, ns: string, now: number, options?: StorageCallOptions): Promise<void> {
    this.salt = await loadSalt(storage, ns, this.context.random, options)
    const agents = await listAll<Agent>(storage, ns, keys.agentPrefix, options)
    const states = new Map<string, StorageEntry<AgentRuntimeState>>()
    for (const entry of await listAll<AgentRuntimeState>(storage, ns, keys.agentStatePrefix, options)) {
      states.set(entry.key.slice(keys.agentStatePrefix.length), entry)
    }
    for (const entry of agents) {
      const id = entry.key.slice(keys.agentPrefix.length)
      const state = states.get(id)
      this.put(id, entry.value, entry.version, state?.value ?? this.blankState(now), state?.version ?? null)
    }
  }

  get(id: string): RosterEntry | undefined {
    return this.entries.get(id)
  }

  values(): IterableIterator<RosterEntry> {
    return this.entries.values()
  }

  get size(): number {
    return this.entries.size
  }

  /** The strategy index of a pool (all agents when `pool` is undefined), built on first use. */
  index(pool: string | undefined): StrategyIndex {
    const key = pool ?? ALL
    let index = this.indexes.get(key)
    if (!index) {
      index = this.strategy.createIndex(this.context)
      for (const { view } of this.entries.values()) {
        if (indexed(view) && inPool(view, key)) index.upsert(view)
      }
      this.indexes.set(key, index)
    }
    return index
  }

  /** Drops every index; they are rebuilt from the roster on next use. */
  resetIndexes(): void {
    this.indexes.clear()
  }

  /** Records an agent's record and state (creating or replacing its entry) and updates the indexes. */
  put(
    id: string,
    agent: Agent,
    agentVersion: string,
    state: AgentRuntimeState,
    stateVersion: string | null,
  ): AgentView {
    const previous = this.entries.get(id)
    const before = previous?.view
    const view: AgentView = {
      agent,
      state,
      orderKey: `${agent.createdAt}|${agent.id}`,
      tieBreak: previous?.view.tieBreak ?? this.tieBreak(id),
    }
    if (previous) {
      previous.view = view
      previous.agentVersion = agentVersion
      previous.stateVersion = stateVersion
    } else {
      this.entries.set(id, {
        view,
        agentVersion,
        stateVersion,
        reservationPrefix: reservationPrefix(id),
        agentKey: keys.agent(id),
        stateKey: keys.agentState(id),
      })
    }
    this.reindex(before, view)
    return view
  }

  /** Replaces an agent's runtime state after a successful commit. */
  putState(id: string, state: AgentRuntimeState, stateVersion: string): AgentView | undefined {
    const entry = this.entries.get(id)
    if (!entry) return undefined
    return this.put(id, entry.view.agent, entry.agentVersion, state, stateVersion)
  }

  /** Replaces an agent's record after a write by the agents API or a reload. */
  putAgent(id: string, agent: Agent, agentVersion: string, now: number): AgentView {
    const entry = this.entries.get(id)
    return this.put(
      id,
      agent,
      agentVersion,
      entry?.view.state ?? this.blankState(now),
      entry?.stateVersion ?? null,
    )
  }

  /** Forgets a removed agent. */
  delete(id: string): void {
    const entry = this.entries.get(id)
    if (!entry) return
    this.entries.delete(id)
    this.reindex(entry.view, undefined)
  }

  /**
   * An agent's tie-break: a hash of its id shifted by the tenant's random salt. Random with respect
   * to registration order, yet the same in every process and after a restart.
   */
  private tieBreak(id: string): number {
    return (fnv1a(id) / 4294967296 + this.salt) % 1
  }

  /** The runtime state of an agent never distributed to: shared while nothing changes it. */
  private blankState(now: number): AgentRuntimeState {
    if (this.blank?.at !== now) this.blank = { at: now, state: emptyRuntimeState(now) }
    return this.blank.state
  }

  private reindex(before: AgentView | undefined, after: AgentView | undefined): void {
    for (const [pool, index] of this.indexes) {
      const was = before !== undefined && indexed(before) && inPool(before, pool)
      const is = after !== undefined && indexed(after) && inPool(after, pool)
      if (is) index.upsert(after)
      else if (was) index.remove(before.agent.id)
    }
  }
}

/** 32-bit FNV-1a hash of a string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** Reads the tenant's tie-break salt, creating it (once, whoever wins the race) when absent. */
async function loadSalt(
  storage: StorageV1,
  ns: string,
  random: RandomSource,
  options?: StorageCallOptions,
): Promise<number> {
  for (;;) {
    const entry = await storage.get<number>(ns, keys.tieBreakSalt, options)
    if (entry && typeof entry.value === 'number') return entry.value
    const value = random()
    const result = await storage.atomic(
      ns,
      {
        checks: [{ key: keys.tieBreakSalt, version: entry?.version ?? null }],
        mutations: [{ type: 'set', key: keys.tieBreakSalt, value }],
      },
      options,
    )
    if (result.ok) return value
  }
}

/**
 * Whether an agent belongs in the strategy indexes: offerable, with room for one more lead. An
 * agent at capacity leaves the indexes until a lead of its ends, so that a decision when most
 * agents are busy walks the free ones only, not every agent of the pool.
 */
function indexed(view: AgentView): boolean {
  return offerableReason(view) === null && view.state.active < view.agent.capacity
}

function inPool(view: AgentView, pool: string): boolean {
  return pool === ALL || view.agent.pools.includes(pool)
}

async function listAll<T>(
  storage: StorageV1,
  ns: string,
  prefix: string,
  options?: StorageCallOptions,
): Promise<StorageEntry<T>[]> {
  const out: StorageEntry<T>[] = []
  let cursor: string | undefined
  do {
    const page = await storage.list<T>(ns, {
      prefix,
      limit: 1000,
      ...(cursor === undefined ? {} : { cursor }),
      ...(options?.signal ? { signal: options.signal } : {}),
    })
    out.push(...page.entries)
    cursor = page.cursor
  } while (cursor !== undefined)
  return out
}
