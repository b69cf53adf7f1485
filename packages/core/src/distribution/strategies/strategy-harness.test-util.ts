/**
 * A test-only stand-in for the distribution engine: it keeps agents "in storage" as JSON, feeds a
 * strategy's indexes (one per simulated process) with upsert/remove, runs decisions the way the
 * engine does (candidates → first that passes the filters → commit → persist → upsert), and
 * persists every state as JSON so that a state that is not plain JSON fails the tests.
 *
 * Not exported from the package.
 */
import type { Agent, AgentStatus, Skills } from '../../domain/agent.js'
import { seededRandom } from '../random.js'
import type {
  AgentRuntimeState,
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  RandomSource,
  StrategyIndex,
} from '../strategy.js'

/** What a test says about an agent; everything else gets a default. */
export interface AgentSpec {
  id: string
  weight?: number
  tier?: number
  capacity?: number
  skills?: Skills
  status?: AgentStatus
  /** Registration time (ms since epoch); defaults to the clock, one ms apart per agent. */
  createdAt?: number
  /** Starts offerable (default true). */
  offerable?: boolean
  /** Overrides the random tie-break. */
  tieBreak?: number
  /** Initial runtime state fields. */
  state?: Partial<AgentRuntimeState>
}

/** Options of a {@link Simulation}. */
export interface SimulationOptions {
  /** Seed of the random source (tie-breaks and the strategies' draws). */
  seed?: number
  /** Start of the clock (ms since epoch). */
  now?: number
  /** Each decision's call ends at once (the agent is free again, idle since now). Default true. */
  autoRelease?: boolean
  /** How far the clock moves per decision (ms). Default 1000. */
  tick?: number
  /** Simulated processes, each with its own index over the same storage. Default 1. */
  processes?: number
}

/** Options of one decision. */
export interface DecideOptions {
  /** The engine's own filters, beyond capacity and exclusions. */
  filter?: (view: AgentView) => boolean
  /** The process (index) that decides. */
  process?: number
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

/** A JSON round trip: proves the value is plain JSON, and returns a frozen copy. */
export function viaJson<T>(value: T): T {
  const text = JSON.stringify(value)
  return text === undefined ? value : deepFreeze(JSON.parse(text) as T)
}

function newState(at: number, partial: Partial<AgentRuntimeState> = {}): AgentRuntimeState {
  return {
    active: 0,
    idleSince: at,
    noAnswerStreak: 0,
    reservations: {},
    stats: { assigned: 0, accepted: 0, rejected: 0, timedOut: 0, completed: 0 },
    strategy: {},
    ...partial,
  }
}

/** Builds an agent record as the domain stores it. */
export function makeAgent(spec: AgentSpec, createdAt: number): Agent {
  const iso = new Date(createdAt).toISOString()
  return {
    id: spec.id,
    name: spec.id,
    status: spec.status ?? 'available',
    capacity: spec.capacity ?? 1,
    skills: spec.skills ?? {},
    weight: spec.weight ?? 1,
    tier: spec.tier ?? 1,
    pools: [],
    providerRefs: {},
    metadata: {},
    createdAt: iso,
    updatedAt: iso,
    statusChangedAt: iso,
  }
}

/** The engine stand-in. */
export class Simulation {
  /** The clock (ms since epoch). */
  clock: number
  /** The random source shared by tie-breaks and strategies. */
  readonly random: RandomSource
  /** The strategy's global state, as stored (JSON text). */
  stateJson: string | undefined
  /** Every decision's chosen agent id, in order. */
  readonly log: string[] = []
  private readonly stored = new Map<string, string>()
  private readonly views = new Map<string, AgentView>()
  private readonly offerable = new Set<string>()
  private indexes: StrategyIndex[] = []
  private readonly autoRelease: boolean
  private readonly tick: number
  private created = 0
  private decisions = 0

  constructor(
    readonly strategy: DistributionStrategy,
    options: SimulationOptions = {},
  ) {
    this.clock = options.now ?? Date.UTC(2025, 0, 6, 9, 0, 0)
    this.random = seededRandom(options.seed ?? 1)
    this.autoRelease = options.autoRelease ?? true
    this.tick = options.tick ?? 1000
    for (let process = 0; process < (options.processes ?? 1); process++) this.indexes.push(this.newIndex())
  }

  /** The global state as a strategy reads it (parsed JSON, frozen). */
  get state(): unknown {
    return this.stateJson === undefined ? undefined : viaJson(JSON.parse(this.stateJson))
  }

  /** Registers agents (in the order given: that is their stable order unless `createdAt` says otherwise). */
  add(...specs: (AgentSpec | string)[]): this {
    for (const item of specs) {
      const spec = typeof item === 'string' ? { id: item } : item
      const createdAt = spec.createdAt ?? Date.UTC(2024, 0, 1) + this.created++
      const view: AgentView = {
        agent: makeAgent(spec, createdAt),
        state: newState(this.clock, spec.state),
        orderKey: `${new Date(createdAt).toISOString()}|${spec.id}`,
        tieBreak: spec.tieBreak ?? this.random(),
      }
      this.store(view)
      if (spec.offerable ?? true) this.setOfferable(spec.id, true)
    }
    return this
  }

  /** The stored view of an agent. */
  view(id: string): AgentView {
    const view = this.views.get(id)
    if (view === undefined) throw new Error(`no agent ${id}`)
    return view
  }

  /** Every agent id, registered order. */
  get ids(): string[] {
    return [...this.views.keys()]
  }

  /** Whether the agent is in the indexes. */
  isOfferable(id: string): boolean {
    return this.offerable.has(id)
  }

  /** An agent becomes offerable (upsert) or stops being offerable (remove). */
  setOfferable(id: string, offerable: boolean): void {
    if (offerable) {
      this.offerable.add(id)
      for (const index of this.indexes) index.upsert(this.view(id))
    } else {
      this.offerable.delete(id)
      for (const index of this.indexes) index.remove(id)
    }
  }

  /** Changes an agent's stored view (record or state) and tells the indexes if it is offerable. */
  update(id: string, change: (view: AgentView) => AgentView): void {
    this.store(change(this.view(id)))
    if (this.offerable.has(id)) for (const index of this.indexes) index.upsert(this.view(id))
  }

  /** Ends an agent's assignment: one slot free again, idle since now. */
  release(id: string): void {
    this.update(id, (view) => ({
      ...view,
      state: { ...view.state, active: Math.max(0, view.state.active - 1), idleSince: this.clock },
    }))
  }

  /** A request for a new lead. */
  request(extra: Partial<DistributionRequest> = {}): DistributionRequest {
    const n = this.decisions + 1
    return { processId: `p${n}`, lead: { id: `lead${n}` }, ...extra }
  }

  /** The full candidate order (ids) of a request, without deciding. */
  order(request: DistributionRequest = this.request(), process = 0): string[] {
    return [...this.indexes[process]!.candidates(request, this.state)].map((view) => view.agent.id)
  }

  /**
   * One decision as the engine makes it: the first candidate with a free slot, not excluded, and
   * passing `filter`; its commit persisted; its view updated and upserted. Returns the agent id, or
   * undefined when nobody passes.
   */
  decide(request: DistributionRequest = this.request(), options: DecideOptions = {}): string | undefined {
    const index = this.indexes[options.process ?? 0]!
    const state = this.state
    let chosen: AgentView | undefined
    for (const view of index.candidates(request, state)) {
      if (view.state.active >= view.agent.capacity) continue
      if (request.exclude?.includes(view.agent.id)) continue
      if (options.filter !== undefined && !options.filter(view)) continue
      chosen = view
      break
    }
    this.decisions++
    if (chosen === undefined) return undefined
    const result = index.commit(chosen, request, state)
    if (result.state !== undefined) this.stateJson = JSON.stringify(result.state)
    const id = chosen.agent.id
    const current = this.view(id)
    const strategy = { ...current.state.strategy }
    if (result.agentData !== undefined) strategy[this.strategy.name] = viaJson(result.agentData)
    const next: AgentView = {
      ...current,
      state: {
        ...current.state,
        active: this.autoRelease ? current.state.active : current.state.active + 1,
        idleSince: this.autoRelease ? this.clock : current.state.idleSince,
        lastAssignedAt: this.clock,
        stats: { ...current.state.stats, assigned: current.state.stats.assigned + 1 },
        strategy,
      },
    }
    this.store(next)
    if (this.offerable.has(id)) for (const other of this.indexes) other.upsert(this.view(id))
    this.log.push(id)
    this.clock += this.tick
    return id
  }

  /** `count` decisions; the chosen ids in order (`-` when nobody could take the lead). */
  run(count: number, options: DecideOptions & { request?: () => DistributionRequest } = {}): string[] {
    const out: string[] = []
    for (let n = 0; n < count; n++)
      out.push(this.decide(options.request?.() ?? this.request(), options) ?? '-')
    return out
  }

  /** How many of the given decisions each agent got. */
  static counts(ids: readonly string[]): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const id of ids) counts[id] = (counts[id] ?? 0) + 1
    return counts
  }

  /**
   * A restart: every process's index is built afresh from the stored views (upserted in a shuffled
   * order, to show the order of the rebuild does not matter).
   */
  restart(): void {
    this.indexes = this.indexes.map(() => {
      const index = this.newIndex()
      const ids = [...this.offerable]
      for (let n = ids.length - 1; n > 0; n--) {
        const pick = Math.floor(this.random() * (n + 1))
        ;[ids[n], ids[pick]] = [ids[pick]!, ids[n]!]
      }
      for (const id of ids) index.upsert(this.view(id))
      return index
    })
  }

  /** The index of a process, for direct checks. */
  index(process = 0): StrategyIndex {
    return this.indexes[process]!
  }

  private newIndex(): StrategyIndex {
    return this.strategy.createIndex({ random: this.random, now: () => this.clock })
  }

  private store(view: AgentView): void {
    const text = JSON.stringify(view)
    this.stored.set(view.agent.id, text)
    this.views.set(view.agent.id, deepFreeze(JSON.parse(text) as AgentView))
  }
}
