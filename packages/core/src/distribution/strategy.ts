import type { Agent } from '../domain/agent.js'

/**
 * What the distribution engine keeps per agent besides the agent record itself: load, timing,
 * reservations, counters and each strategy's own data. Stored as one document per agent, changed
 * atomically with every decision.
 */
export interface AgentRuntimeState {
  /** Reservations and accepted assignments the agent holds now (compared with `capacity`). */
  active: number
  /** When the agent last became free, or was registered (ms since epoch): "longest idle" reads it. */
  idleSince: number
  /** When the agent was last assigned a lead (ms since epoch). */
  lastAssignedAt?: number
  /** Not offered before this time (ms since epoch): the wrap-up after a call. */
  wrapUpUntil?: number
  /** Offers in a row the agent let time out; reset by an accept. */
  noAnswerStreak: number
  /** The provider's view of the agent, which wins over the app's status. */
  provider?: ProviderPresence
  /** Open reservations by id. */
  reservations: Record<string, ReservationRef>
  /** Counters since the last `resetDistribution()`. */
  stats: AgentDistributionStats
  /** Per-strategy data, by strategy name (e.g. the smooth weighted round robin's current weight). */
  strategy: Record<string, unknown>
}

/** What a telephony provider reports about an agent. */
export interface ProviderPresence {
  /** The provider's name. */
  provider: string
  /** `on_call` and `offline` keep the agent from being offered a lead, whatever its app status. */
  status: 'available' | 'on_call' | 'offline' | 'away'
  /** When the provider reported it (ms since epoch). */
  at: number
}

/**
 * A reservation as kept in the agent's runtime state: everything needed to offer the lead to the
 * next agent when this one rejects or lets it time out, even after a restart.
 */
export interface ReservationRef {
  processId: string
  /** `reserved` until accepted; an accepted one holds capacity until completed. */
  status: 'reserved' | 'accepted'
  /** When the agent was reserved (ms since epoch). */
  reservedAt: number
  /** When the reservation times out if not accepted (ms since epoch). */
  expiresAt: number
  /** 1 for the first agent offered the lead, 2 for the next, … */
  attempt: number
  /** The lead, as the strategy saw it. */
  lead: DistributionLead
  pool?: string
  requiredSkills?: SkillRequirements
  /** Agents already offered this lead, this one included. */
  tried: string[]
  /** The offer group when the lead was offered to several agents at once. */
  group?: string
  /**
   * The app instance that made the reservation. It times the reservation out itself; other
   * instances sharing the store do so only a `reservationTimeoutMs` later, should it have died.
   */
  owner?: string
}

/** Per-agent distribution counters. */
export interface AgentDistributionStats {
  assigned: number
  accepted: number
  rejected: number
  timedOut: number
  completed: number
}

/** One agent as strategies see it: the record, its runtime state and a stable order. */
export interface AgentView {
  readonly agent: Agent
  readonly state: AgentRuntimeState
  /**
   * Stable order of agents: by registration time, then id. Round robin walks agents in this order;
   * it survives restarts and is the same in every process.
   */
  readonly orderKey: string
  /**
   * A random number drawn once per agent (from the app's random source, seeded in tests), used to
   * break ties so that no agent is favoured by its position or age.
   */
  readonly tieBreak: number
}

/** Everything a strategy may read about the lead being distributed. */
export interface DistributionLead {
  /** The lead's id. */
  id: string
  phone?: string
  email?: string
  source?: string
  externalId?: string
  priority?: 'urgent' | 'high' | 'normal' | 'low'
  /** Free-form attributes (e.g. language), readable by custom strategies and requirement functions. */
  attributes?: Record<string, unknown>
}

/** Skill requirements: skill name → minimum level. */
export type SkillRequirements = Record<string, number>

/** A request to distribute one lead. */
export interface DistributionRequest {
  /** The lead process this decision belongs to. */
  processId: string
  lead: DistributionLead
  /** Only agents of this pool (team). */
  pool?: string
  /** Agents must have these skills at these levels at least. */
  requiredSkills?: SkillRequirements
  /** Agents not to offer the lead to (e.g. already tried for it). */
  exclude?: readonly string[]
  /** The previous agent of a returning lead, when a strategy asked the engine to look it up. */
  owner?: { agentId: string; at: number }
}

/** The random source strategies use: returns a float in [0, 1). */
export type RandomSource = () => number

/** What a strategy's index is built with. */
export interface StrategyContext {
  /** Seeded in tests; `Math.random` by default. */
  random: RandomSource
  /** The clock (ms since epoch). */
  now: () => number
}

/** The outcome of {@link StrategyIndex.commit}: what to persist with the decision. */
export interface StrategyCommit {
  /** The strategy's new global state (e.g. the round-robin pointer); omitted: unchanged. */
  state?: unknown
  /** The chosen agent's new strategy data (kept in `state.strategy[name]`); omitted: unchanged. */
  agentData?: unknown
}

/**
 * The live, in-memory index a strategy keeps over the offerable agents of one pool that have room
 * for one more lead (fewer active leads than their capacity). The engine keeps
 * it up to date and asks it for candidates in preference order; each decision costs the strategy
 * only the candidates it yields, so large pools stay fast.
 */
export interface StrategyIndex {
  /** An agent became offerable, or its record or runtime state changed. */
  upsert(view: AgentView): void
  /**
   * An agent is no longer offerable (offline, on break, removed, on a call at the provider) or is
   * at capacity; it is upserted again when it can take a lead.
   */
  remove(agentId: string): void
  /**
   * The offerable agents in preference order, lazily: the engine stops at the first that passes
   * its filters (capacity, schedule, skills, exclusions). `state` is the strategy's persisted
   * global state (`undefined` the first time).
   */
  candidates(request: DistributionRequest, state: unknown): Iterable<AgentView>
  /** The state to persist once `chosen` was assigned the lead. Must not mutate its arguments. */
  commit(chosen: AgentView, request: DistributionRequest, state: unknown): StrategyCommit
}

/**
 * A distribution strategy: given a lead and the offerable agents, in which order to offer it.
 * Implement it to plug your own; {@link defineStrategy} builds one from a plain ranking function.
 */
export interface DistributionStrategy {
  /** Unique name; keys the persisted state, so two strategies in one app need two names. */
  readonly name: string
  /** Ask the engine to look up the previous agent of a returning lead within this window (ms). */
  readonly ownerLookupMs?: number
  /** Builds the index for one pool. */
  createIndex(context: StrategyContext): StrategyIndex
}
