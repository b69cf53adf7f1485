import type {
  AgentView,
  DistributionLead,
  DistributionRequest,
  DistributionStrategy,
  SkillRequirements,
  StrategyCommit,
  StrategyContext,
  StrategyIndex,
} from '../strategy.js'
import { longestIdle } from './longest-idle.js'
import { commitOf, isRecord, NestedIndex, once, ownerLookupOf } from './shared.js'

const NAME = 'skills-based'

/** Preferred skills: skill name → weight; an agent scores Σ weight × its level of the skill. */
export type SkillPreferences = Record<string, number>

/** Options of {@link skillsBased}. */
export interface SkillsBasedOptions {
  /**
   * Skills an agent must have, each at a minimum level (e.g. `{ spanish: 3 }`), or a function of
   * the lead that returns them (e.g. from `lead.attributes.language`). Agents without them are not
   * offered the lead.
   */
  required?: SkillRequirements | ((lead: DistributionLead) => SkillRequirements)
  /**
   * Skills that rank agents: skill → weight (or a function of the lead returning that). An agent's
   * score is the sum of weight × its level over these skills (a missing skill counts 0); higher
   * scores are offered first.
   */
  preferred?: SkillPreferences | ((lead: DistributionLead) => SkillPreferences)
  /** How agents of equal score are ordered: {@link longestIdle} by default. */
  then?: DistributionStrategy
}

/**
 * The persisted global state of {@link skillsBased}: the `then` strategy's state (not under a
 * `then` key, which would make the state look like a promise to `await`).
 */
export interface SkillsBasedState {
  /** The `then` strategy's state. */
  thenState: unknown
}

/** The minimum level per skill that satisfies both requirement sets. */
function mergeRequirements(a: SkillRequirements, b: SkillRequirements | undefined): SkillRequirements {
  if (b === undefined) return a
  const merged: SkillRequirements = { ...a }
  for (const [skill, level] of Object.entries(b)) merged[skill] = Math.max(merged[skill] ?? level, level)
  return merged
}

/** True when the agent has every skill at the required level or above. */
function meets(view: AgentView, required: readonly (readonly [string, number])[]): boolean {
  const skills = view.agent.skills
  for (const [skill, level] of required) {
    const has = skills[skill]
    if (has === undefined || has < level) return false
  }
  return true
}

function score(view: AgentView, preferred: readonly (readonly [string, number])[]): number {
  const skills = view.agent.skills
  let sum = 0
  for (const [skill, weight] of preferred) sum += weight * (skills[skill] ?? 0)
  return sum
}

class SkillsBasedIndex implements StrategyIndex {
  private readonly inner: NestedIndex

  constructor(
    private readonly options: SkillsBasedOptions,
    then: DistributionStrategy,
    context: StrategyContext,
  ) {
    this.inner = new NestedIndex(NAME, then, context)
  }

  upsert(view: AgentView): void {
    this.inner.upsert(view)
  }

  remove(agentId: string): void {
    this.inner.remove(agentId)
  }

  candidates(request: DistributionRequest, state: unknown): Iterable<AgentView> {
    return once(this.ranked(request, state))
  }

  private *ranked(request: DistributionRequest, state: unknown): Generator<AgentView, void, undefined> {
    const { required, preferred } = this.options
    const base = typeof required === 'function' ? required(request.lead) : (required ?? {})
    const requirements = Object.entries(mergeRequirements(base, request.requiredSkills))
    const preferences = Object.entries(
      typeof preferred === 'function' ? preferred(request.lead) : (preferred ?? {}),
    ).filter(([, weight]) => weight !== 0)
    const ordered = this.inner.candidates(request, thenState(state))
    if (preferences.length === 0) {
      // No ranking: the `then` order, lazily, without the agents that lack a required skill.
      for (const view of ordered) if (meets(view, requirements)) yield view
      return
    }
    // Score every qualified agent (one plain pass), then walk the `then` order once, handing out
    // each score group in that order, highest score first; agents of lower groups met on the way
    // wait in their group's buffer. The walk stops as soon as the engine has its agent.
    const scores = new Map<string, number>()
    const sizes = new Map<number, number>()
    for (const view of this.inner.values()) {
      if (!meets(view, requirements)) continue
      const value = score(view, preferences)
      scores.set(view.agent.id, value)
      sizes.set(value, (sizes.get(value) ?? 0) + 1)
    }
    const waiting = new Map<number, AgentView[]>()
    const walk = ordered[Symbol.iterator]()
    let walking = true
    for (const value of [...sizes.keys()].sort((a, b) => b - a)) {
      let left = sizes.get(value)!
      for (const met of waiting.get(value) ?? []) {
        left--
        // Still offerable, as the index holds it now (the index may change during the iteration).
        const view = this.inner.get(met.agent.id)
        if (view !== undefined) yield view
      }
      waiting.delete(value)
      while (left > 0 && walking) {
        const next = walk.next()
        if (next.done === true) {
          walking = false
          break
        }
        const view = next.value
        const group = scores.get(view.agent.id)
        if (group === undefined) continue
        if (group === value) {
          left--
          yield view
        } else if (group < value) {
          const queue = waiting.get(group)
          if (queue === undefined) waiting.set(group, [view])
          else queue.push(view)
        }
      }
    }
  }

  commit(chosen: AgentView, request: DistributionRequest, state: unknown): StrategyCommit {
    const inner = this.inner.commit(chosen, request, thenState(state))
    const next: SkillsBasedState | undefined =
      inner.state === undefined ? undefined : { thenState: inner.state }
    return commitOf(next, inner.agentData)
  }
}

function thenState(state: unknown): unknown {
  return isRecord(state) ? state.thenState : undefined
}

/**
 * Skills-based routing: `required` skills (and the request's `requiredSkills`) filter: an agent
 * needs each at the given level or above; `preferred` skills rank: an agent's score is
 * Σ weight × level over them, higher first; agents of equal score are ordered by `then`
 * ({@link longestIdle} by default), whose state is kept as `{ thenState: … }`.
 *
 * Cost: without `preferred`, the `then` strategy's order filtered lazily (O(1) per agent looked
 * at); with `preferred`, every offerable agent is scored at each decision, O(n) plus sorting the
 * distinct scores, then the `then` order is walked only as far as the engine takes candidates.
 * Fine for pools of hundreds or a few thousand; for larger pools put the big split (language,
 * team) in pools and keep the skills for the ranking.
 *
 * @example
 * ```ts
 * const strategy = skillsBased({
 *   required: (lead) => (lead.attributes?.language === 'es' ? { spanish: 3 } : {}),
 *   preferred: { sales: 1 },
 * })
 * ```
 */
export function skillsBased(options: SkillsBasedOptions = {}): DistributionStrategy {
  const then = options.then ?? longestIdle()
  const ownerLookupMs = ownerLookupOf(then)
  return {
    name: NAME,
    ...(ownerLookupMs === undefined ? {} : { ownerLookupMs }),
    createIndex: (context) => new SkillsBasedIndex(options, then, context),
  }
}
