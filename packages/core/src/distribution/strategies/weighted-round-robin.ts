import { BinaryHeap } from '../../util/binary-heap.js'
import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  RandomSource,
  StrategyCommit,
  StrategyIndex,
} from '../strategy.js'
import { OrderedSet } from '../structures/ordered-set.js'
import { compareTies, isRecord, once, randomIndex } from './shared.js'

const NAME = 'weighted-round-robin'

/**
 * The persisted global state of {@link weightedRoundRobin}.
 *
 * Every agent of one weight gains the same amount at every decision, so the state keeps one
 * accumulator per weight (`acc`) and each agent keeps its offset from it
 * ({@link WeightedRoundRobinAgentData}): the agent's current weight is `acc[weight] + base`.
 */
export interface WeightedRoundRobinState {
  /** Identifies this state; agent data written against another epoch (e.g. before a reset) is ignored. */
  epoch: string
  /** Weight (as a string) → what every offerable agent of that weight has gained so far. */
  acc: Record<string, number>
}

/** What {@link weightedRoundRobin} persists per agent. */
export interface WeightedRoundRobinAgentData {
  /** The {@link WeightedRoundRobinState.epoch} the data belongs to. */
  epoch: string
  /** The weight the agent had: `base` is relative to that weight's accumulator. */
  weight: number
  /** The agent's current weight minus its weight class's accumulator. */
  base: number
}

interface ParsedState {
  readonly epoch: string | undefined
  readonly acc: Readonly<Record<string, number>>
}

const EMPTY: ParsedState = { epoch: undefined, acc: {} }

function parseState(state: unknown): ParsedState {
  if (!isRecord(state) || typeof state.epoch !== 'string' || !isRecord(state.acc)) return EMPTY
  const acc: Record<string, number> = {}
  for (const [key, value] of Object.entries(state.acc)) {
    if (typeof value === 'number' && Number.isFinite(value)) acc[key] = value
  }
  return { epoch: state.epoch, acc }
}

function parseData(value: unknown): WeightedRoundRobinAgentData | undefined {
  if (!isRecord(value)) return undefined
  const { epoch, weight, base } = value
  if (typeof epoch !== 'string' || typeof weight !== 'number' || typeof base !== 'number') return undefined
  if (!Number.isFinite(base) || !(weight > 0)) return undefined
  return { epoch, weight, base }
}

/** The key of a weight class, as used in the persisted state. */
function classKey(weight: number): string {
  return String(weight)
}

function newEpoch(random: RandomSource): string {
  return (
    randomIndex(random, 2 ** 32)
      .toString(36)
      .padStart(7, '0') +
    randomIndex(random, 2 ** 32)
      .toString(36)
      .padStart(7, '0')
  )
}

/** One agent in its weight class: its effective base and the cap its base was clamped to on joining. */
interface Entry {
  readonly view: AgentView
  readonly base: number
  /** The highest base the agent may have: `-acc` when it joined, so that its current weight was ≤ 0. */
  readonly cap: number
}

/** Within a class (same accumulator), the highest base is the highest current weight. */
function compareEntries(a: Entry, b: Entry): number {
  return b.base - a.base || compareTies(a.view, b.view)
}

interface WeightClass {
  readonly key: string
  readonly weight: number
  readonly set: OrderedSet<Entry>
  /** Agents of this weight in the index, waiting ones included. */
  members: number
}

interface Member {
  view: AgentView
  classKey: string
  /** Undefined while the agent waits for its join to be resolved (at the next decision). */
  entry: Entry | undefined
}

/** A class's next candidate during the k-way merge. */
interface Head {
  readonly entry: Entry
  readonly current: number
  readonly rest: Iterator<Entry, void, undefined>
  readonly acc: number
  readonly weight: number
}

function compareHeads(a: Head, b: Head): number {
  return b.current - a.current || compareTies(a.entry.view, b.entry.view)
}

class WeightedRoundRobinIndex implements StrategyIndex {
  private readonly members = new Map<string, Member>()
  private readonly classes = new Map<string, WeightClass>()
  /** Agents that joined since the last decision: clamped against the state at the next one. */
  private readonly pending = new Set<string>()
  /** The epoch the resolved entries are relative to. */
  private epoch: string | undefined
  /** True while `epoch` is this index's proposal for a state that does not exist yet. */
  private proposed = false

  constructor(private readonly random: RandomSource) {}

  upsert(view: AgentView): void {
    const id = view.agent.id
    const key = classKey(view.agent.weight)
    const member = this.members.get(id)
    if (member === undefined) {
      this.members.set(id, { view, classKey: key, entry: undefined })
      this.classOf(key, view.agent.weight).members++
      this.pending.add(id)
      return
    }
    if (member.classKey !== key) {
      // The weight changed: the agent moves to another class and joins it afresh.
      this.leaveClass(member)
      member.classKey = key
      this.classOf(key, view.agent.weight).members++
      member.view = view
      this.pending.add(id)
      return
    }
    member.view = view
    const entry = member.entry
    if (entry === undefined) return
    const data = parseData(view.state.strategy[NAME])
    const base =
      data !== undefined &&
      this.epoch !== undefined &&
      data.epoch === this.epoch &&
      data.weight === view.agent.weight
        ? Math.min(data.base, entry.cap)
        : entry.base
    const next: Entry = { view, base, cap: entry.cap }
    member.entry = next
    this.classOf(key, view.agent.weight).set.update(entry, next)
  }

  remove(agentId: string): void {
    const member = this.members.get(agentId)
    if (member === undefined) return
    this.members.delete(agentId)
    this.pending.delete(agentId)
    this.leaveClass(member)
  }

  candidates(_request: DistributionRequest, state: unknown): Iterable<AgentView> {
    const parsed = parseState(state)
    this.resolve(parsed)
    return once(this.merge(parsed))
  }

  commit(chosen: AgentView, _request: DistributionRequest, state: unknown): StrategyCommit {
    const parsed = parseState(state)
    const proposal = this.proposed ? this.epoch : undefined
    const epoch = parsed.epoch ?? proposal ?? newEpoch(this.random)
    const acc: Record<string, number> = { ...parsed.acc }
    let total = 0
    for (const weightClass of this.classes.values()) {
      total += weightClass.weight * weightClass.members
      acc[weightClass.key] = (parsed.acc[weightClass.key] ?? 0) + weightClass.weight
    }
    const weight = chosen.agent.weight
    const key = classKey(weight)
    const member = this.members.get(chosen.agent.id)
    if (member === undefined) {
      // Not offerable any more (or never was): it takes part in this decision alone.
      total += weight
      if (!this.classes.has(key)) acc[key] = (parsed.acc[key] ?? 0) + weight
    }
    const current = parsed.epoch === undefined ? this.proposed : parsed.epoch === this.epoch
    const base =
      member?.entry !== undefined && member.classKey === key && current
        ? member.entry.base
        : this.joinBase(chosen, parsed)
    const agentData: WeightedRoundRobinAgentData = { epoch, weight, base: base - total }
    const next: WeightedRoundRobinState = { epoch, acc }
    return { state: next, agentData }
  }

  /** The base of an agent joining now: its persisted current weight, clamped to at most 0. */
  private joinBase(view: AgentView, state: ParsedState): number {
    const acc = state.acc[classKey(view.agent.weight)] ?? 0
    const data = parseData(view.state.strategy[NAME])
    let current = 0
    if (data !== undefined && state.epoch !== undefined && data.epoch === state.epoch) {
      current = (state.acc[classKey(data.weight)] ?? 0) + data.base
    }
    return Math.min(current, 0) - acc
  }

  /**
   * Brings the index in line with the state: joins get clamped; a state of another epoch (a reset,
   * or another process's first commit winning over this index's proposal) re-joins everyone.
   */
  private resolve(state: ParsedState): void {
    if (state.epoch === undefined) {
      // No state yet (or a reset one): propose an epoch, which this index's first commit persists.
      if (this.epoch === undefined || !this.proposed) {
        if (this.epoch !== undefined) this.rejoinAll()
        this.epoch = newEpoch(this.random)
        this.proposed = true
      }
    } else if (state.epoch !== this.epoch) {
      if (this.epoch !== undefined) this.rejoinAll()
      this.epoch = state.epoch
      this.proposed = false
    } else this.proposed = false
    if (this.pending.size === 0) return
    for (const id of this.pending) {
      const member = this.members.get(id)
      if (member === undefined) continue
      const view = member.view
      const acc = state.acc[member.classKey] ?? 0
      const entry: Entry = { view, base: this.joinBase(view, state), cap: -acc }
      member.entry = entry
      this.classOf(member.classKey, view.agent.weight).set.insert(entry)
    }
    this.pending.clear()
  }

  /** Every agent joins again (at the next resolution): their data belongs to another epoch. */
  private rejoinAll(): void {
    for (const [id, member] of this.members) {
      if (member.entry === undefined) continue
      this.classes.get(member.classKey)?.set.delete(member.entry)
      member.entry = undefined
      this.pending.add(id)
    }
  }

  /** Every class's agents, merged by current weight after this decision's gain, highest first. */
  private *merge(state: ParsedState): Generator<AgentView, void, undefined> {
    const heads: Head[] = []
    for (const weightClass of this.classes.values()) {
      const rest = weightClass.set.values()
      const first = rest.next()
      if (first.done === true) continue
      const acc = state.acc[weightClass.key] ?? 0
      const entry = first.value
      heads.push({
        entry,
        rest,
        acc,
        weight: weightClass.weight,
        current: acc + weightClass.weight + entry.base,
      })
    }
    const heap = new BinaryHeap(compareHeads, heads)
    for (let head = heap.peek(); head !== undefined; head = heap.peek()) {
      const member = this.members.get(head.entry.view.agent.id)
      if (member !== undefined) yield member.view
      const next = head.rest.next()
      if (next.done === true) heap.pop()
      else {
        const entry = next.value
        heap.replaceTop({ ...head, entry, current: head.acc + head.weight + entry.base })
      }
    }
  }

  private classOf(key: string, weight: number): WeightClass {
    let weightClass = this.classes.get(key)
    if (weightClass === undefined) {
      weightClass = { key, weight, set: new OrderedSet(compareEntries), members: 0 }
      this.classes.set(key, weightClass)
    }
    return weightClass
  }

  private leaveClass(member: Member): void {
    const weightClass = this.classes.get(member.classKey)
    if (weightClass === undefined) return
    if (member.entry !== undefined) weightClass.set.delete(member.entry)
    member.entry = undefined
    weightClass.members--
    if (weightClass.members <= 0) this.classes.delete(member.classKey)
  }
}

/**
 * Smooth weighted round robin, with the semantics of nginx's upstream balancer: at every decision
 * each offerable agent's current weight grows by its `weight`; the agent with the highest current
 * weight is offered first (the others follow in descending order, ties broken by the agents'
 * random tie-break); the chosen agent's current weight drops by the total weight of the offerable
 * agents. Weights 5:1:1 interleave as A A B A C A A (B and C in tie-break order), never as a burst
 * of five A's, and over 7,000 decisions give exactly 5,000, 1,000 and 1,000.
 *
 * - **Skipped candidates.** The weights are added once per decision for every offerable agent (in
 *   the index), whether or not the engine's filters skipped it; only the chosen agent pays the
 *   total. An agent held back by a filter (at capacity, off shift) so keeps its place in the
 *   rotation.
 * - **No backlog.** An agent that joins the index (new, back from a break or a call, or the index
 *   being rebuilt after a restart) has its current weight clamped to at most 0, as a new nginx
 *   peer: it never comes back "owed" leads. The clamp is applied at the first decision after the
 *   join and lives in memory until the agent is chosen (its new base is then persisted). After a
 *   restart the persisted bases are kept, except that an agent's credit above 0 is dropped.
 * - **State.** One accumulator per distinct weight in the global state (`{ epoch, acc }`) and
 *   `{ epoch, weight, base }` per agent, with `current = acc[weight] + base`. A state created afresh
 *   (a new epoch, e.g. after a reset) makes every agent start again at 0.
 *
 * Cost: agents of the same weight gain the same at every decision, so each weight class is an
 * ordered set by base and the classes are merged lazily: a decision costs O(k + log n) for k
 * distinct weights, plus O(log k) per further candidate. Many distinct weights make it linear; a
 * handful of weight levels (1, 2, 5 …) keeps it fast.
 *
 * @example
 * ```ts
 * const app = createLeadCall({ storage, telephony, distribution: { strategy: weightedRoundRobin() } })
 * await app.agents.upsert({ id: 'senior', name: 'Senior', weight: 5 }) // five leads for each one of a weight-1 agent
 * ```
 */
export function weightedRoundRobin(): DistributionStrategy {
  return {
    name: NAME,
    createIndex: (context) => new WeightedRoundRobinIndex(context.random),
  }
}
