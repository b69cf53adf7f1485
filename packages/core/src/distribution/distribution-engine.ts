import { keys } from '../app/storage-keys.js'
import type { Agent, AgentStatus } from '../domain/agent.js'
import type { Assignment } from '../domain/assignment.js'
import { LeadCallError, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import type { EventBus } from '../events/event-bus.js'
import type {
  AtomicCheck,
  AtomicMutation,
  StorageCallOptions,
  StorageEntry,
  StorageV1,
} from '../storage/storage-v1.js'
import { createIsoFormatter } from '../util/iso-time.js'
import { candidateReason, type FilterReason, offerableReason } from './filters.js'
import { createKeyedLock } from './keyed-lock.js'
import { decodeReservationId, newGroupId, newInstanceId, newReservationId } from './reservation-id.js'
import { emptyRuntimeState, Roster } from './roster.js'
import type {
  AgentRuntimeState,
  AgentView,
  DistributionLead,
  DistributionRequest,
  DistributionStrategy,
  ProviderPresence,
  RandomSource,
  ReservationRef,
  SkillRequirements,
} from './strategy.js'
import { TimeoutSchedule } from './timeout-schedule.js'

/** Settings of the distribution engine (the `distribution` section of the app configuration). */
export interface DistributionSettings {
  strategy: DistributionStrategy
  /** How long a reservation waits for `accept` before it times out (ms). */
  reservationTimeoutMs: number
  /** Agents a lead is offered to at most (the first try included). */
  maxAttempts: number
  /** Offers in a row an agent may let time out before being moved to `break`. */
  maxNoAnswer: number
  /** Agents a lead is offered to at once; the first to accept wins. */
  parallelOffers: number
  /** Pause after a completed assignment before the agent is offered again (ms), unless the agent has its own. */
  wrapUpMs: number
  random: RandomSource
}

/** What `assign` takes: the lead, and optionally a pool, skill requirements and agents to avoid. */
export interface AssignInput extends StorageCallOptions {
  processId: string
  lead: DistributionLead
  pool?: string
  requiredSkills?: SkillRequirements
  /** Agents not to offer the lead to. */
  exclude?: readonly string[]
  /** Overrides the configured number of parallel offers for this lead. */
  parallelOffers?: number
  /** Overrides the configured reservation timeout for this lead (ms). */
  timeoutMs?: number
}

/** An agent passed over during a decision, and why. */
export interface SkippedAgent {
  agentId: string
  reason: FilterReason
}

/** The outcome of a decision: one reservation per agent offered the lead. */
export interface DistributionDecision {
  processId: string
  /** The reservations made, best candidate first. */
  assignments: Assignment[]
  /** The offer group, when the lead was offered to several agents at once. */
  group?: string
  strategy: string
  /** Agents the strategy proposed but the filters turned down, in the order they were considered. */
  skipped: SkippedAgent[]
}

/** What happened to a lead after its reservation was rejected or timed out. */
export type ReassignOutcome =
  | { status: 'reassigned'; decision: DistributionDecision }
  | { status: 'waiting'; reason: 'other_offers_open' }
  | { status: 'failed'; error: LeadCallError }
  /** The lead's owner (the lead pipeline) decides what happens next. */
  | { status: 'handed_over' }

/** One agent in an {@link Explanation}. */
export interface ExplainedAgent {
  agentId: string
  name: string
  /** Whether the agent could take the lead now. */
  eligible: boolean
  /** Why not, when not eligible. */
  reason?: FilterReason
  /** 1-based position among eligible agents in the strategy's order. */
  rank?: number
}

/** Why the engine would choose whom, see {@link DistributionApi.explain}. */
export interface Explanation {
  strategy: string
  pool?: string
  /** Every agent of the pool: filtered out with a reason, or ranked. */
  agents: ExplainedAgent[]
  /** The agent a decision would choose now, if any. */
  wouldChoose?: string
}

/** Distribution counters of one agent. */
export interface AgentDistributionSummary {
  agentId: string
  name: string
  status: AgentStatus
  /** Reservations and accepted assignments held now. */
  active: number
  assigned: number
  accepted: number
  rejected: number
  timedOut: number
  completed: number
}

/** Options of {@link DistributionApi.reject}. */
export interface RejectOptions extends StorageCallOptions {
  /** `AGENT_BUSY` when the agent is on another call; `AGENT_NOT_AVAILABLE` (default) otherwise. */
  code?: 'AGENT_BUSY' | 'AGENT_NOT_AVAILABLE' | 'CALL_FAILED'
  reason?: string
  /** The agent did not answer (counts toward `maxNoAnswer`, like a timed-out offer). */
  noAnswer?: boolean
}

/** Options of {@link DistributionApi.complete}. */
export interface CompleteOptions extends StorageCallOptions {
  /** Overrides the wrap-up pause (ms). */
  wrapUpMs?: number
  /** The agent did not answer the call: counts toward `maxNoAnswer`, like a timed-out offer. */
  noAnswer?: boolean
}

/** The distribution engine: `app.distribution`. */
export interface DistributionApi {
  /**
   * Chooses the agent(s) for a lead with the configured strategy and reserves them atomically.
   * Throws `NO_AGENTS_AVAILABLE` when no agent can take it now.
   */
  assign(input: AssignInput): Promise<DistributionDecision>
  /**
   * The agent takes the lead. With parallel offers the first accept wins and the other offers are
   * withdrawn atomically; a later accept of a withdrawn or expired offer throws `AGENT_NOT_AVAILABLE`.
   */
  accept(reservationId: string, options?: StorageCallOptions): Promise<Assignment>
  /** The agent declines: the lead goes to the next agent not yet tried, up to `maxAttempts`. */
  reject(reservationId: string, options?: RejectOptions): Promise<ReassignOutcome>
  /** The work on the lead ended: the agent's capacity is freed, after the wrap-up pause. */
  complete(reservationId: string, options?: CompleteOptions): Promise<void>
  /**
   * Records the provider's view of an agent, which wins over the app status. Pass `observedAt`
   * (when the provider was asked) so that an `on_call` report older than the agent's last call end
   * is ignored; the end of a call the engine tracks likewise supersedes an older `on_call`.
   */
  setProviderPresence(
    agentId: string,
    presence: Omit<ProviderPresence, 'at'> & { observedAt?: number },
    options?: StorageCallOptions,
  ): Promise<void>
  /** Explains what a decision for this lead would do now, without reserving anyone. */
  explain(input: AssignInput): Promise<Explanation>
  /** Per-agent counters, ordered like the agents. */
  stats(options?: StorageCallOptions): Promise<AgentDistributionSummary[]>
  /** Zeroes the counters and forgets the strategies' state (pointers, weights, windows). */
  resetDistribution(options?: StorageCallOptions): Promise<void>
  /** Times out every reservation past its deadline now; returns how many. Runs by itself on a timer. */
  processTimeouts(): Promise<number>
  /** Stops the timers. */
  close(): void
}

/** Dependencies of the engine inside an app. */
export interface DistributionEngineDeps {
  storage: StorageV1
  ns: string
  events: EventBus
  now: () => number
  settings: DistributionSettings
  /** Moves an agent to a status (used for `break` after too many unanswered offers). */
  setAgentStatus: (id: string, status: AgentStatus, reason: string) => Promise<unknown>
  /** Called when a lead can no longer be offered to anyone; emits `lead.failed` by default. */
  onUnassigned?: (ref: ReservationRef, error: LeadCallError) => Promise<void> | void
  /**
   * Called when a reservation ends unaccepted (rejected, timed out). Returning true means the lead's
   * owner takes it from there (the lead pipeline does, for its leads); false lets the engine offer
   * the lead to the next agent itself.
   */
  handleUnaccepted?: (
    ref: ReservationRef,
    reservationId: string,
    kind: 'rejected' | 'timed_out',
    code: LeadCallErrorCode,
  ) => Promise<boolean>
  /**
   * Asked when a reservation's timeout comes before it was accepted: what the lead's owner is doing
   * with it. `placed`: it is in use (the lead pipeline placed its call, and the acceptance that
   * followed was lost, e.g. to contention): it is accepted late. `placing`: it is being put to use
   * right now (the dial is in flight): it is extended by another `reservationTimeoutMs`. `null`: it
   * times out. An agent on a call is never freed by a lapsed timer.
   */
  reservationUse?: (ref: ReservationRef, reservationId: string) => Promise<ReservationUse | null>
}

/** What the owner of a lead does with a reservation whose timeout came: see `reservationUse`. */
export type ReservationUse = 'placed' | 'placing'

/** The engine plus the hook the agents API calls after every agent write. */
export interface DistributionEngine extends DistributionApi {
  onAgentWrite(id: string, entry: StorageEntry<Agent> | null): void
}

const MAX_RETRIES = 64
/** Least time between two full re-reads of the roster from a shared store (ms). */
const REFRESH_MIN_MS = 100
const SKIPPED_KEPT = 32

interface OwnerRecord {
  agentId: string
  at: number
}

interface OfferGroup {
  members: { reservationId: string; agentId: string }[]
  winner?: string
  failed: string[]
}

/** Creates the distribution engine of an app. */
export function createDistributionEngine(deps: DistributionEngineDeps): DistributionEngine {
  const { storage, ns, events, now, settings } = deps
  const { strategy } = settings
  const roster = new Roster(strategy, settings.random, now)
  const lock = createKeyedLock()
  const agentLock = createKeyedLock()
  const strategyStates = new Map<string, { value: unknown; version: string | null }>()
  /** This engine's instance, named in the reservations it makes (see `ReservationRef.owner`). */
  const instanceId = newInstanceId()
  // A timer's work never rejects unhandled: what fails (a closed store at shutdown) is retried by
  // the next due time or by the next process that loads the reservation.
  const timeouts = new TimeoutSchedule(now, () => void engine.processTimeouts().catch(() => undefined))
  const defaultStateKey = keys.strategyState(strategy.name, undefined)
  let loading: Promise<void> | undefined
  let loaded = false
  let refreshing: Promise<boolean> | undefined
  let lastRefresh = Number.NEGATIVE_INFINITY
  const iso = createIsoFormatter()

  const ensureLoaded = (options?: StorageCallOptions): Promise<void> => {
    options?.signal?.throwIfAborted()
    loading ??= roster.load(storage, ns, now(), options).then(
      () => {
        for (const { view } of roster.values()) scheduleReservations(view)
        loaded = true
      },
      (error: unknown) => {
        loading = undefined
        throw error
      },
    )
    return loading
  }

  /**
   * After a few lost commits in a row on a shared store, waits a random moment that grows with the
   * retries (up to ~25 ms), so that processes racing for one pointer stop colliding in lockstep.
   * One process on memory storage never waits: its conflicts resolve on the next try.
   */
  function contentionPause(retry: number): Promise<void> | undefined {
    if (!storage.capabilities.shared || retry < 2) return undefined
    const ceiling = Math.min(25, 2 ** Math.min(retry, 10) / 8)
    return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling))
  }

  /**
   * Re-reads every agent and runtime state, at most once per {@link REFRESH_MIN_MS} and shared by
   * the decisions that ask at the same time. Resolves true when it read the store (the roster may
   * have changed), false when a refresh ran too recently to be worth another.
   */
  function refreshRoster(options?: StorageCallOptions): Promise<boolean> {
    if (refreshing) return refreshing
    if (now() - lastRefresh < REFRESH_MIN_MS) return Promise.resolve(false)
    const run = roster.load(storage, ns, now(), options).then(() => {
      lastRefresh = now()
      strategyStates.clear()
      for (const { view } of roster.values()) scheduleReservations(view)
      return true
    })
    refreshing = run
    const clear = () => {
      refreshing = undefined
    }
    run.then(clear, clear)
    return run
  }

  function scheduleReservations(view: AgentView) {
    for (const [id, ref] of Object.entries(view.state.reservations)) {
      if (ref.status !== 'reserved') continue
      // Another instance's reservation is its own to time out (it may be extending it right now):
      // this one steps in a timeout later, should that instance have died.
      const mine = ref.owner === undefined || ref.owner === instanceId
      timeouts.add(id, mine ? ref.expiresAt : ref.expiresAt + settings.reservationTimeoutMs)
    }
  }

  function toAssignment(
    id: string,
    agentId: string,
    ref: ReservationRef,
    status: Assignment['status'],
  ): Assignment {
    return {
      id,
      processId: ref.processId,
      leadId: ref.lead.id,
      agentId,
      status,
      attempt: ref.attempt,
      strategy: strategy.name,
      reservedAt: iso(ref.reservedAt),
      expiresAt: iso(ref.expiresAt),
    }
  }

  async function loadStrategyState(key: string, options?: StorageCallOptions) {
    const entry = await storage.get(ns, key, options)
    const loaded = { value: entry?.value, version: entry?.version ?? null }
    strategyStates.set(key, loaded)
    return loaded
  }

  /** Re-reads the documents whose checks failed, so the next try sees the current picture. */
  async function reload(conflicts: readonly string[], options?: StorageCallOptions): Promise<void> {
    const entries = await storage.getMany(ns, conflicts, options)
    conflicts.forEach((key, i) => {
      const entry = entries[i] ?? null
      if (key.startsWith(keys.agentStatePrefix)) {
        const id = key.slice(keys.agentStatePrefix.length)
        const current = roster.get(id)
        if (current) {
          roster.put(
            id,
            current.view.agent,
            current.agentVersion,
            (entry?.value as AgentRuntimeState | undefined) ?? emptyRuntimeState(now()),
            entry?.version ?? null,
          )
          // Reservations another process made are timed out here too if it dies.
          const reloaded = roster.get(id)
          if (reloaded) scheduleReservations(reloaded.view)
        }
      } else if (key.startsWith(keys.agentPrefix)) {
        const id = key.slice(keys.agentPrefix.length)
        if (entry) roster.putAgent(id, entry.value as Agent, entry.version, now())
        else roster.delete(id)
      } else if (key.startsWith(keys.strategyStatePrefix)) {
        strategyStates.set(key, { value: entry?.value, version: entry?.version ?? null })
      }
    })
  }

  async function lookupOwner(lead: DistributionLead, windowMs: number, options?: StorageCallOptions) {
    const lookups: string[] = []
    if (lead.phone) lookups.push(keys.ownerByPhone(lead.phone))
    if (lead.email) lookups.push(keys.ownerByEmail(lead.email))
    if (lead.source && lead.externalId) lookups.push(keys.ownerBySourceId(lead.source, lead.externalId))
    if (lookups.length === 0) return undefined
    let best: OwnerRecord | undefined
    for (const entry of await storage.getMany<OwnerRecord>(ns, lookups, options)) {
      if (entry && now() - entry.value.at <= windowMs && (!best || entry.value.at > best.at))
        best = entry.value
    }
    return best
  }

  function ownerMutations(lead: DistributionLead, agentId: string, windowMs: number): AtomicMutation[] {
    const value: OwnerRecord = { agentId, at: now() }
    const set = (key: string): AtomicMutation => ({ type: 'set', key, value, ttlMs: windowMs })
    const out: AtomicMutation[] = []
    if (lead.phone) out.push(set(keys.ownerByPhone(lead.phone)))
    if (lead.email) out.push(set(keys.ownerByEmail(lead.email)))
    if (lead.source && lead.externalId) out.push(set(keys.ownerBySourceId(lead.source, lead.externalId)))
    return out
  }

  function validateInput(input: AssignInput): void {
    if (typeof input?.processId !== 'string' || input.processId.length === 0) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'Invalid distribution request: processId is required',
      })
    }
    if (typeof input.lead?.id !== 'string' || input.lead.id.length === 0) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'Invalid distribution request: lead.id is required',
      })
    }
  }

  /** One decision, under the pool's lock: choose, then commit with version checks, retrying on conflict. */
  async function decide(
    input: AssignInput,
    attempt: number,
    tried: readonly string[],
  ): Promise<DistributionDecision> {
    const options = input.signal ? { signal: input.signal } : undefined
    const excluded =
      tried.length === 0 ? (input.exclude ?? []) : [...new Set([...(input.exclude ?? []), ...tried])]
    const request: DistributionRequest = {
      processId: input.processId,
      lead: input.lead,
      exclude: excluded,
    }
    if (input.pool !== undefined) request.pool = input.pool
    if (input.requiredSkills !== undefined) request.requiredSkills = input.requiredSkills
    if (strategy.ownerLookupMs !== undefined) {
      const owner = await lookupOwner(input.lead, strategy.ownerLookupMs, options)
      if (owner) request.owner = owner
    }
    const wanted = Math.max(1, Math.floor(input.parallelOffers ?? settings.parallelOffers))
    const timeoutMs = input.timeoutMs ?? settings.reservationTimeoutMs
    const stateKey =
      input.pool === undefined ? defaultStateKey : keys.strategyState(strategy.name, input.pool)

    let refreshed = false
    for (let retry = 0; retry < MAX_RETRIES; retry++) {
      const at = now()
      const cachedState = strategyStates.get(stateKey) ?? (await loadStrategyState(stateKey, options))
      const index = roster.index(input.pool)
      const exclude = excluded.length > 0 || wanted > 1 ? new Set(excluded) : undefined
      const chosen: AgentView[] = []
      const skipped: SkippedAgent[] = []
      for (const view of index.candidates(request, cachedState.value)) {
        const reason = candidateReason(view, request, exclude, at)
        if (reason !== null) {
          if (skipped.length < SKIPPED_KEPT) skipped.push({ agentId: view.agent.id, reason })
          continue
        }
        chosen.push(view)
        exclude?.add(view.agent.id)
        if (chosen.length >= wanted) break
      }
      if (chosen.length === 0) {
        // Another process may have freed or added agents this one has not seen: with a shared
        // store, look again (one coalesced refresh) before saying nobody is there.
        if (storage.capabilities.shared && !refreshed) {
          refreshed = true
          if (await refreshRoster(options)) continue
        }
        throw new LeadCallError('NO_AGENTS_AVAILABLE', {
          details: { processId: input.processId, attempt, skipped },
        })
      }

      const checks: AtomicCheck[] = []
      const mutations: AtomicMutation[] = []
      const group = chosen.length > 1 ? newGroupId() : undefined
      const made: { id: string; agentId: string; ref: ReservationRef; state: AgentRuntimeState }[] = []
      let state = cachedState.value
      let stateChanged = false
      for (const view of chosen) {
        const entry = roster.get(view.agent.id)!
        const commit = index.commit(view, request, state)
        if ('state' in commit) {
          state = commit.state
          stateChanged = true
        }
        const id = newReservationId(entry.reservationPrefix)
        const ref: ReservationRef = {
          processId: input.processId,
          status: 'reserved',
          reservedAt: at,
          expiresAt: at + timeoutMs,
          attempt,
          lead: input.lead,
          tried:
            chosen.length === 1 ? [...tried, view.agent.id] : [...tried, ...chosen.map((c) => c.agent.id)],
        }
        if (input.pool !== undefined) ref.pool = input.pool
        if (input.requiredSkills !== undefined) ref.requiredSkills = input.requiredSkills
        if (group !== undefined) ref.group = group
        ref.owner = instanceId
        const next: AgentRuntimeState = {
          ...view.state,
          active: view.state.active + 1,
          lastAssignedAt: at,
          reservations: { ...view.state.reservations, [id]: ref },
          stats: { ...view.state.stats, assigned: view.state.stats.assigned + 1 },
          strategy:
            'agentData' in commit
              ? { ...view.state.strategy, [strategy.name]: commit.agentData }
              : view.state.strategy,
        }
        checks.push({ key: entry.agentKey, version: entry.agentVersion })
        checks.push({ key: entry.stateKey, version: entry.stateVersion })
        mutations.push({ type: 'set', key: entry.stateKey, value: next })
        made.push({ id, agentId: view.agent.id, ref, state: next })
      }
      if (stateChanged) {
        checks.push({ key: stateKey, version: cachedState.version })
        mutations.push({ type: 'set', key: stateKey, value: state })
      }
      if (group !== undefined) {
        const doc: OfferGroup = {
          members: made.map((m) => ({ reservationId: m.id, agentId: m.agentId })),
          failed: [],
        }
        checks.push({ key: keys.offerGroup(group), version: null })
        mutations.push({
          type: 'set',
          key: keys.offerGroup(group),
          value: doc,
          ttlMs: timeoutMs * 10 + 60_000,
        })
      }
      if (strategy.ownerLookupMs !== undefined) {
        mutations.push(...ownerMutations(input.lead, made[0]!.agentId, strategy.ownerLookupMs))
      }

      const result = await storage.atomic(ns, { checks, mutations }, options)
      if (!result.ok) {
        await reload(result.conflicts, options)
        await contentionPause(retry)
        continue
      }
      if (stateChanged)
        strategyStates.set(stateKey, { value: state, version: result.versions[stateKey] ?? null })
      const assignments: Assignment[] = []
      for (const m of made) {
        roster.putState(m.agentId, m.state, result.versions[roster.get(m.agentId)!.stateKey]!)
        timeouts.add(m.id, m.ref.expiresAt)
        assignments.push(toAssignment(m.id, m.agentId, m.ref, 'reserved'))
        if (events.listenerCount('agent.assigned') === 0) continue
        events.emit('agent.assigned', {
          processId: input.processId,
          agentId: m.agentId,
          reservationId: m.id,
          strategy: strategy.name,
          attempt,
          expiresAt: iso(m.ref.expiresAt),
          ...(group === undefined ? {} : { group }),
          at: iso(at),
        })
      }
      return {
        processId: input.processId,
        assignments,
        ...(group === undefined ? {} : { group }),
        strategy: strategy.name,
        skipped,
      }
    }
    throw new LeadCallError('RATE_LIMITED', {
      message: 'Too much contention on the distribution state; retry',
    })
  }

  function runDecision(input: AssignInput, attempt: number, tried: readonly string[]) {
    return lock.run(input.pool ?? '*', () => decide(input, attempt, tried))
  }

  /**
   * Applies a change to one agent's runtime state with compare-and-set, retrying on conflict.
   * `change` returns `null` to write nothing.
   */
  /**
   * Changes one agent's runtime state with compare-and-set. Changes of one agent are serialized
   * within this process (many calls ending at once would otherwise all race for the same version);
   * other processes are met by the version check and a backoff.
   */
  function updateState<T>(
    agentId: string,
    change: (state: AgentRuntimeState, at: number) => { state: AgentRuntimeState; result: T } | null,
    extra?: (at: number) => Promise<{ checks: AtomicCheck[]; mutations: AtomicMutation[] } | null>,
    options?: StorageCallOptions,
  ): Promise<T | undefined> {
    return agentLock.run(agentId, () => commitState(agentId, change, extra, options))
  }

  async function commitState<T>(
    agentId: string,
    change: (state: AgentRuntimeState, at: number) => { state: AgentRuntimeState; result: T } | null,
    extra?: (at: number) => Promise<{ checks: AtomicCheck[]; mutations: AtomicMutation[] } | null>,
    options?: StorageCallOptions,
  ): Promise<T | undefined> {
    let verified = false
    for (let retry = 0; retry < MAX_RETRIES; retry++) {
      const entry = roster.get(agentId)
      const at = now()
      // The state and its version are read together: the commit below must check the version of
      // exactly the state it was computed from (a reload may replace the cache while this awaits).
      let current = entry?.view.state
      let stateVersion = entry?.stateVersion ?? null
      if (!entry) {
        const stored = await storage.get<AgentRuntimeState>(ns, keys.agentState(agentId), options)
        current = stored?.value
        stateVersion = stored?.version ?? null
      }
      if (!current) return undefined
      const changed = change(current, at)
      if (!changed) {
        // On a shared store the cached state may be older than the store's (another process wrote
        // it, or a roster refresh raced a commit): look at the stored one once before giving up.
        if (storage.capabilities.shared && !verified && entry) {
          verified = true
          await reload([keys.agentState(agentId)], options)
          continue
        }
        return undefined
      }
      const more = extra ? await extra(at) : { checks: [], mutations: [] }
      if (more === null) return undefined
      const result = await storage.atomic(
        ns,
        {
          checks: [{ key: keys.agentState(agentId), version: stateVersion }, ...more.checks],
          mutations: [
            { type: 'set', key: keys.agentState(agentId), value: changed.state },
            ...more.mutations,
          ],
        },
        options,
      )
      if (!result.ok) {
        await reload(result.conflicts, options)
        await contentionPause(retry)
        continue
      }
      roster.putState(agentId, changed.state, result.versions[keys.agentState(agentId)]!)
      return changed.result
    }
    throw new LeadCallError('RATE_LIMITED', { message: `Too much contention on agent ${agentId}; retry` })
  }

  function closedReservation(reservationId: string): LeadCallError {
    return new LeadCallError('AGENT_NOT_AVAILABLE', {
      message: 'The reservation is no longer open (timed out, withdrawn, completed or unknown)',
      status: 409,
      details: { reservationId },
    })
  }

  /**
   * An accepted reservation as kept until it completes: what is needed to offer the lead to another
   * agent (the lead, the agents tried, pool, skills) is dropped, since an accepted one is never
   * offered again. The agent's state is copied on every change, so it stays small however many
   * calls the agent has at once.
   */
  function acceptedRef(ref: ReservationRef): ReservationRef {
    const slim: ReservationRef = {
      processId: ref.processId,
      status: 'accepted',
      reservedAt: ref.reservedAt,
      expiresAt: ref.expiresAt,
      attempt: ref.attempt,
      lead: { id: ref.lead.id },
      tried: [],
    }
    if (ref.group !== undefined) slim.group = ref.group
    return slim
  }

  function withoutReservation(state: AgentRuntimeState, reservationId: string): AgentRuntimeState {
    const reservations: Record<string, ReservationRef> = {}
    for (const id in state.reservations) if (id !== reservationId) reservations[id] = state.reservations[id]!
    return { ...state, active: Math.max(0, state.active - 1), reservations }
  }

  /** Ends a reservation that did not lead anywhere, then offers the lead to the next agent. */
  async function endUnaccepted(
    reservationId: string,
    kind: 'rejected' | 'timed_out',
    code: LeadCallErrorCode,
    reason: string | undefined,
    options?: StorageCallOptions,
    noAnswer = kind === 'timed_out',
  ): Promise<ReassignOutcome> {
    const agentId = decodeReservationId(reservationId)
    if (agentId === undefined) throw closedReservation(reservationId)
    await ensureLoaded(options)
    // Set while committing: another offer of the same group is still open (or already won).
    let groupStillOpen = false
    const ended = await updateState(
      agentId,
      (state, at) => {
        const ref = state.reservations[reservationId]
        if (ref?.status !== 'reserved') return null
        if (kind === 'timed_out' && ref.expiresAt > at) return null
        const base = withoutReservation(state, reservationId)
        const streak = noAnswer ? state.noAnswerStreak + 1 : state.noAnswerStreak
        const stats =
          kind === 'timed_out'
            ? { ...state.stats, timedOut: state.stats.timedOut + 1 }
            : { ...state.stats, rejected: state.stats.rejected + 1 }
        return { state: { ...base, noAnswerStreak: streak, stats }, result: { ref, streak } }
      },
      async () => {
        const ref = roster.get(agentId)?.view.state.reservations[reservationId]
        if (!ref?.group) return { checks: [], mutations: [] }
        const groupKey = keys.offerGroup(ref.group)
        const entry = await storage.get<OfferGroup>(ns, groupKey, options)
        if (!entry) return { checks: [], mutations: [] }
        const failed = [...new Set([...entry.value.failed, reservationId])]
        groupStillOpen = entry.value.winner !== undefined || failed.length < entry.value.members.length
        return {
          checks: [{ key: groupKey, version: entry.version }],
          mutations: [{ type: 'set', key: groupKey, value: { ...entry.value, failed } }],
        }
      },
      options,
    )
    if (!ended) throw closedReservation(reservationId)
    timeouts.delete(reservationId)
    const { ref, streak } = ended
    events.emit(kind === 'timed_out' ? 'reservation.timed_out' : 'reservation.rejected', {
      reservationId,
      processId: ref.processId,
      agentId,
      attempt: ref.attempt,
      code,
      ...(reason === undefined ? {} : { reason }),
      at: iso(now()),
    })
    if (noAnswer && streak >= settings.maxNoAnswer) {
      const agent = roster.get(agentId)?.view.agent
      if (agent && agent.status === 'available') {
        await deps.setAgentStatus(agentId, 'break', 'max_no_answer')
      }
    }
    if (groupStillOpen) return { status: 'waiting', reason: 'other_offers_open' }
    if (deps.handleUnaccepted && (await deps.handleUnaccepted(ref, reservationId, kind, code))) {
      return { status: 'handed_over' }
    }
    return reassign(ref, code)
  }

  async function reassign(ref: ReservationRef, lastCode: LeadCallErrorCode): Promise<ReassignOutcome> {
    let error: LeadCallError
    if (ref.attempt >= settings.maxAttempts) {
      error = new LeadCallError(lastCode, {
        message: `No agent took the lead after ${ref.attempt} attempt(s)`,
        details: { processId: ref.processId, attempts: ref.attempt, tried: ref.tried },
      })
    } else {
      try {
        const decision = await runDecision(
          {
            processId: ref.processId,
            lead: ref.lead,
            ...(ref.pool === undefined ? {} : { pool: ref.pool }),
            ...(ref.requiredSkills === undefined ? {} : { requiredSkills: ref.requiredSkills }),
          },
          ref.attempt + 1,
          ref.tried,
        )
        return { status: 'reassigned', decision }
      } catch (caught) {
        if (!LeadCallError.isInstance(caught)) throw caught
        error = caught
      }
    }
    if (deps.onUnassigned) await deps.onUnassigned(ref, error)
    else
      events.emit('lead.failed', {
        processId: ref.processId,
        code: error.code,
        message: error.message,
        at: iso(now()),
      })
    return { status: 'failed', error }
  }

  /**
   * Keeps a reservation whose timeout came when its lead's owner is using it (see
   * `reservationUse`): accepted late once its call is placed, extended while the dial is on its way.
   * Returns false when it is to time out.
   */
  async function keptInUse(reservationId: string): Promise<boolean> {
    const agentId = decodeReservationId(reservationId)
    if (agentId === undefined || !deps.reservationUse) return false
    await ensureLoaded()
    const open = roster.get(agentId)?.view.state.reservations[reservationId]
    const use = open?.status === 'reserved' ? await deps.reservationUse(open, reservationId) : null
    if (use === 'placed') await acceptReservation(reservationId, undefined, true)
    else if (use === 'placing') await extendReservation(agentId, reservationId)
    return use !== null
  }

  /** Gives a reservation being put to use another `reservationTimeoutMs` before it times out. */
  async function extendReservation(agentId: string, reservationId: string, options?: StorageCallOptions) {
    const expiresAt = await updateState(
      agentId,
      (state, at) => {
        const ref = state.reservations[reservationId]
        if (ref?.status !== 'reserved') return null
        const extended = { ...ref, expiresAt: at + settings.reservationTimeoutMs }
        return {
          state: { ...state, reservations: { ...state.reservations, [reservationId]: extended } },
          result: extended.expiresAt,
        }
      },
      undefined,
      options,
    )
    if (expiresAt !== undefined) timeouts.add(reservationId, expiresAt)
  }

  /** Accepts a reservation: withdraws the other offers of its group; `late` ignores its expiry. */
  async function acceptReservation(
    reservationId: string,
    options: StorageCallOptions | undefined,
    late: boolean,
  ): Promise<Assignment & { decidedAt: string }> {
    const agentId = decodeReservationId(reservationId)
    if (agentId === undefined) throw closedReservation(reservationId)
    await ensureLoaded(options)
    const withdrawn: { reservationId: string; agentId: string }[] = []
    const accepted = await updateState(
      agentId,
      (state, at) => {
        const ref = state.reservations[reservationId]
        if (!ref) return null
        if (ref.status === 'accepted') return { state, result: { ref, already: true } }
        // A late acceptance is of a reservation already in use (see `reservationUse`).
        if (ref.expiresAt <= at && !late) return null
        return {
          state: {
            ...state,
            // The streak of missed offers ends with a call the agent answers (see `complete`),
            // not with the acceptance: a dial is accepted before the agent's phone rings.
            reservations: { ...state.reservations, [reservationId]: acceptedRef(ref) },
            stats: { ...state.stats, accepted: state.stats.accepted + 1 },
          },
          result: { ref, already: false },
        }
      },
      async () => {
        withdrawn.length = 0
        const ref = roster.get(agentId)?.view.state.reservations[reservationId]
        if (!ref?.group || ref.status === 'accepted') return { checks: [], mutations: [] }
        const groupKey = keys.offerGroup(ref.group)
        const group = await storage.get<OfferGroup>(ns, groupKey, options)
        if (!group) return null
        if (group.value.winner !== undefined && group.value.winner !== reservationId) return null
        const checks: AtomicCheck[] = [{ key: groupKey, version: group.version }]
        const mutations: AtomicMutation[] = [
          { type: 'set', key: groupKey, value: { ...group.value, winner: reservationId } },
        ]
        for (const member of group.value.members) {
          if (member.reservationId === reservationId) continue
          const other = roster.get(member.agentId)
          const otherRef = other?.view.state.reservations[member.reservationId]
          if (!other || !otherRef) continue
          checks.push({ key: keys.agentState(member.agentId), version: other.stateVersion })
          mutations.push({
            type: 'set',
            key: keys.agentState(member.agentId),
            value: withoutReservation(other.view.state, member.reservationId),
          })
          withdrawn.push(member)
        }
        return { checks, mutations }
      },
      options,
    )
    if (!accepted) throw closedReservation(reservationId)
    const { ref, already } = accepted
    if (!already) {
      timeouts.delete(reservationId)
      const at = iso(now())
      // The withdrawn agents' states were written in the same commit: refresh them.
      if (withdrawn.length > 0)
        await reload(
          withdrawn.map((w) => keys.agentState(w.agentId)),
          options,
        )
      for (const w of withdrawn) {
        timeouts.delete(w.reservationId)
        events.emit('reservation.withdrawn', {
          reservationId: w.reservationId,
          processId: ref.processId,
          agentId: w.agentId,
          attempt: ref.attempt,
          reason: 'another agent accepted',
          at,
        })
      }
      events.emit('reservation.accepted', {
        reservationId,
        processId: ref.processId,
        agentId,
        attempt: ref.attempt,
        at,
      })
    }
    return { ...toAssignment(reservationId, agentId, ref, 'accepted'), decidedAt: iso(now()) }
  }

  const engine: DistributionEngine = {
    onAgentWrite(id, entry) {
      if (!loading) return // the roster is loaded from storage on first use
      if (entry) roster.putAgent(id, entry.value, entry.version, now())
      else roster.delete(id)
    },

    async assign(input) {
      validateInput(input)
      if (!loaded) await ensureLoaded(input)
      input.signal?.throwIfAborted()
      return runDecision(input, 1, [])
    },

    accept(reservationId, options) {
      return acceptReservation(reservationId, options, false)
    },

    reject(reservationId, options = {}) {
      return endUnaccepted(
        reservationId,
        'rejected',
        options.code ?? 'AGENT_NOT_AVAILABLE',
        options.reason,
        options,
      )
    },

    async complete(reservationId, options = {}) {
      const agentId = decodeReservationId(reservationId)
      if (agentId === undefined) throw closedReservation(reservationId)
      await ensureLoaded(options)
      const wrapUp = options.wrapUpMs ?? roster.get(agentId)?.view.agent.wrapUpMs ?? settings.wrapUpMs
      const ended = await updateState(
        agentId,
        (state, at) => {
          const ref = state.reservations[reservationId]
          if (!ref) return null
          const base = withoutReservation(state, reservationId)
          const streak = options.noAnswer ? state.noAnswerStreak + 1 : 0
          const next: AgentRuntimeState = {
            ...base,
            noAnswerStreak: streak,
            stats: { ...state.stats, completed: state.stats.completed + 1 },
            ...(base.active === 0 ? { idleSince: at } : {}),
          }
          // The provider's "on call" was reported before this call ended: the end, seen now, is newer.
          // Without this the agent would stay blocked until the provider's next presence report.
          if (base.active === 0 && next.provider?.status === 'on_call' && next.provider.at <= at) {
            next.provider = { ...next.provider, status: 'available', at }
          }
          if (wrapUp > 0) next.wrapUpUntil = at + wrapUp
          return { state: next, result: { ref, streak, wrapUpUntil: next.wrapUpUntil } }
        },
        undefined,
        options,
      )
      if (!ended) throw closedReservation(reservationId)
      const { ref, streak, wrapUpUntil } = ended
      if (
        options.noAnswer &&
        streak >= settings.maxNoAnswer &&
        roster.get(agentId)?.view.agent.status === 'available'
      ) {
        await deps.setAgentStatus(agentId, 'break', 'max_no_answer')
      }
      timeouts.delete(reservationId)
      events.emit('reservation.completed', {
        reservationId,
        processId: ref.processId,
        agentId,
        attempt: ref.attempt,
        ...(wrapUpUntil === undefined ? {} : { availableAt: iso(wrapUpUntil) }),
        at: iso(now()),
      })
    },

    async setProviderPresence(agentId, presence, options) {
      await ensureLoaded(options)
      if (!roster.get(agentId)) {
        throw new LeadCallError('VALIDATION_FAILED', { message: `Unknown agent: ${agentId}`, status: 404 })
      }
      await updateState(
        agentId,
        (state, at) => {
          if (state.provider?.status === presence.status && state.provider.provider === presence.provider)
            return null
          // A report of a call that ended since it was observed (a poll answered after the end
          // reached us) is stale: applying it would block a free agent until the next report.
          if (
            presence.status === 'on_call' &&
            presence.observedAt !== undefined &&
            state.active === 0 &&
            presence.observedAt < state.idleSince
          )
            return null
          const wasBusy = state.provider?.status === 'on_call'
          const next: AgentRuntimeState = {
            ...state,
            provider: { provider: presence.provider, status: presence.status, at },
          }
          // A call the provider saw end makes the agent idle from now.
          if (wasBusy && presence.status === 'available' && state.active === 0) next.idleSince = at
          return { state: next, result: true }
        },
        undefined,
        options,
      )
    },

    async explain(input) {
      validateInput(input)
      await ensureLoaded(input)
      const request: DistributionRequest = {
        processId: input.processId,
        lead: input.lead,
        ...(input.pool === undefined ? {} : { pool: input.pool }),
        ...(input.requiredSkills === undefined ? {} : { requiredSkills: input.requiredSkills }),
        exclude: input.exclude ?? [],
      }
      if (strategy.ownerLookupMs !== undefined) {
        const owner = await lookupOwner(input.lead, strategy.ownerLookupMs, input)
        if (owner) request.owner = owner
      }
      const at = now()
      const exclude = new Set(request.exclude)
      const stateKey = keys.strategyState(strategy.name, input.pool)
      const state = (strategyStates.get(stateKey) ?? (await loadStrategyState(stateKey, input))).value
      const ranks = new Map<string, number>()
      const reasons = new Map<string, FilterReason>()
      let rank = 0
      for (const view of roster.index(input.pool).candidates(request, state)) {
        const reason = candidateReason(view, request, exclude, at)
        if (reason === null) ranks.set(view.agent.id, ++rank)
        else reasons.set(view.agent.id, reason)
      }
      const agents: ExplainedAgent[] = []
      let wouldChoose: string | undefined
      for (const { view } of [...roster.values()].sort((a, b) =>
        a.view.orderKey < b.view.orderKey ? -1 : 1,
      )) {
        const id = view.agent.id
        const reason =
          offerableReason(view) ??
          reasons.get(id) ??
          (input.pool !== undefined && !view.agent.pools.includes(input.pool)
            ? 'not_in_pool'
            : view.state.active >= view.agent.capacity
              ? 'at_capacity'
              : null)
        const position = ranks.get(id)
        if (position === 1) wouldChoose = id
        agents.push(
          position !== undefined
            ? { agentId: id, name: view.agent.name, eligible: true, rank: position }
            : { agentId: id, name: view.agent.name, eligible: false, ...(reason ? { reason } : {}) },
        )
      }
      return {
        strategy: strategy.name,
        ...(input.pool === undefined ? {} : { pool: input.pool }),
        agents,
        ...(wouldChoose === undefined ? {} : { wouldChoose }),
      }
    },

    async stats(options) {
      await ensureLoaded(options)
      return [...roster.values()]
        .sort((a, b) => (a.view.orderKey < b.view.orderKey ? -1 : 1))
        .map(({ view }) => ({
          agentId: view.agent.id,
          name: view.agent.name,
          status: view.agent.status,
          active: view.state.active,
          ...view.state.stats,
        }))
    },

    async resetDistribution(options) {
      await ensureLoaded(options)
      for (const { view } of [...roster.values()]) {
        await updateState(
          view.agent.id,
          (state) => ({
            state: {
              ...state,
              noAnswerStreak: 0,
              stats: { assigned: 0, accepted: 0, rejected: 0, timedOut: 0, completed: 0 },
              strategy: {},
            },
            result: true,
          }),
          undefined,
          options,
        )
      }
      let cursor: string | undefined
      do {
        const page = await storage.list(ns, {
          prefix: keys.strategyStatePrefix,
          limit: 500,
          ...(cursor === undefined ? {} : { cursor }),
          ...(options?.signal ? { signal: options.signal } : {}),
        })
        if (page.entries.length > 0) {
          await storage.atomic(ns, {
            mutations: page.entries.map((e) => ({ type: 'delete' as const, key: e.key })),
          })
        }
        cursor = page.cursor
      } while (cursor !== undefined)
      strategyStates.clear()
      roster.resetIndexes()
    },

    async processTimeouts() {
      let count = 0
      for (const id of timeouts.due()) {
        try {
          if (await keptInUse(id)) continue
          await endUnaccepted(
            id,
            'timed_out',
            'AGENT_NOT_AVAILABLE',
            'no answer before the reservation timeout',
          )
          count++
        } catch (error) {
          if (!LeadCallError.isInstance(error)) throw error
          // Already accepted, completed or withdrawn in the meantime: nothing to time out.
        }
      }
      return count
    },

    close() {
      timeouts.clear()
    },
  }
  return engine
}
