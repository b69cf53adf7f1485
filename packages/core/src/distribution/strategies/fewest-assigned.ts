import { LeadCallError } from '../../errors/lead-call-error.js'
import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  StrategyCommit,
  StrategyIndex,
} from '../strategy.js'
import { OrderedSet } from '../structures/ordered-set.js'
import { compareTies, isRecord, once, viewsOf } from './shared.js'
import { type CountWindow, dateFormatter, windowKeyCache } from './window-key.js'

const NAME = 'fewest-assigned'

export type { CountWindow } from './window-key.js'

/** Options of {@link fewestAssigned}. */
export interface FewestAssignedOptions {
  /** The span assignments are counted over: `'day'` (default), `'week'` (from Monday) or `'all'`. */
  window?: CountWindow
  /** IANA time zone where days and weeks start (default `'UTC'`), e.g. the pool's. */
  timeZone?: string
}

/** What {@link fewestAssigned} persists per agent. */
export interface FewestAssignedAgentData {
  /** The window the count belongs to (e.g. `day:2025-03-14`); a count of another window is 0. */
  window: string
  /** Leads assigned to the agent in that window (catch-up included). */
  count: number
}

interface Entry {
  readonly view: AgentView
  /** The effective count: the persisted one, raised to the catch-up floor. */
  readonly count: number
}

function compareEntries(a: Entry, b: Entry): number {
  return a.count - b.count || compareTies(a.view, b.view)
}

interface Member {
  view: AgentView
  /** The catch-up floor given when the agent joined, within the index's current window. */
  floor: number
  /** Undefined while the agent's join waits for the next decision. */
  entry: Entry | undefined
}

/** The persisted count of an agent in `window`: 0 when absent or of another window. */
function persistedCount(view: AgentView, window: string): number {
  const data = view.state.strategy[NAME]
  if (!isRecord(data) || data.window !== window) return 0
  const count = data.count
  return typeof count === 'number' && Number.isFinite(count) && count > 0 ? count : 0
}

class FewestAssignedIndex implements StrategyIndex {
  private readonly members = new Map<string, Member>()
  private readonly set = new OrderedSet<Entry>(compareEntries)
  private readonly pending = new Set<string>()
  private window: string | undefined

  constructor(
    private readonly now: () => number,
    private readonly keyAt: (at: number) => string,
  ) {}

  upsert(view: AgentView): void {
    const id = view.agent.id
    const member = this.members.get(id)
    if (member === undefined) {
      this.members.set(id, { view, floor: 0, entry: undefined })
      this.pending.add(id)
      return
    }
    member.view = view
    const current = member.entry
    if (current === undefined || this.window === undefined) return
    const entry: Entry = { view, count: Math.max(persistedCount(view, this.window), member.floor) }
    member.entry = entry
    this.set.update(current, entry)
  }

  remove(agentId: string): void {
    const member = this.members.get(agentId)
    if (member === undefined) return
    this.members.delete(agentId)
    this.pending.delete(agentId)
    if (member.entry !== undefined) this.set.delete(member.entry)
  }

  candidates(_request: DistributionRequest, _state: unknown): Iterable<AgentView> {
    this.resolve(this.keyAt(this.now()))
    return once(viewsOf(this.set.values()))
  }

  commit(chosen: AgentView): StrategyCommit {
    const window = this.keyAt(this.now())
    const agentData: FewestAssignedAgentData = { window, count: this.effectiveCount(chosen, window) + 1 }
    return { agentData }
  }

  /** The count an agent ranks with now, without changing the index. */
  private effectiveCount(view: AgentView, window: string): number {
    const count = persistedCount(view, window)
    if (window !== this.window) return count
    const member = this.members.get(view.agent.id)
    if (member?.entry !== undefined) return Math.max(count, member.floor)
    return Math.max(count, this.set.first()?.count ?? 0)
  }

  /** Starts a new window when the day or week changed, then gives joining agents their floor. */
  private resolve(window: string): void {
    if (window !== this.window) {
      // A new window: every count and floor starts again from the persisted data (0 for old windows).
      this.window = window
      this.set.clear()
      for (const member of this.members.values()) {
        member.floor = 0
        if (member.entry === undefined) continue
        member.entry = { view: member.view, count: persistedCount(member.view, window) }
        this.set.insert(member.entry)
      }
    }
    if (this.pending.size === 0) return
    // Catch-up cap: an agent joining counts at least as many leads as the least-served agent present.
    const floor = this.set.first()?.count ?? 0
    for (const id of this.pending) {
      const member = this.members.get(id)
      if (member === undefined) continue
      member.floor = floor
      member.entry = { view: member.view, count: Math.max(persistedCount(member.view, window), floor) }
      this.set.insert(member.entry)
    }
    this.pending.clear()
  }
}

/**
 * Fewest assigned first: agents in ascending order of the leads assigned to them in the current
 * window (today by default, in `timeZone`), ties broken by the agents' random tie-break, never by
 * age. The count is kept per agent as `{ window, count }`; a count of a past window counts as 0, so
 * everyone starts level each day (or week).
 *
 * **Catch-up cap.** When an agent joins the index (new, back from a break, off a call), its count
 * is raised to at least the lowest count among the agents already there, so an agent who comes back
 * in the afternoon is not flooded with the leads it "missed" in the morning: it takes its turn with
 * the least-served agents. The raised count is applied at the first decision after the join and
 * persisted when the agent is next assigned. When the index is rebuilt from stored data (a restart)
 * nobody is "already there", so the persisted counts are taken as they are and the distribution
 * continues exactly where it stopped.
 *
 * Cost: O(log n) per agent change, O(1) per candidate; once per window, when the day or week
 * changes, O(n log n) to start the new window.
 *
 * @example
 * ```ts
 * const strategy = fewestAssigned({ window: 'day', timeZone: 'America/New_York' })
 * const app = createLeadCall({ storage, telephony, distribution: { strategy } })
 * ```
 */
export function fewestAssigned(options: FewestAssignedOptions = {}): DistributionStrategy {
  const window = options.window ?? 'day'
  const timeZone = options.timeZone ?? 'UTC'
  if (window !== 'day' && window !== 'week' && window !== 'all') {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `fewestAssigned: window must be 'day', 'week' or 'all', not ${String(window)}`,
    })
  }
  try {
    dateFormatter(timeZone)
  } catch (cause) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `fewestAssigned: unknown time zone ${timeZone}`,
      cause,
    })
  }
  return {
    name: NAME,
    createIndex: (context) => new FewestAssignedIndex(context.now, windowKeyCache(window, timeZone)),
  }
}
