import { isOnShift } from './schedule.js'
import type { AgentView, DistributionRequest, SkillRequirements } from './strategy.js'

/**
 * Why an agent was not offered a lead. `status` covers every app status but `available`;
 * `on_call_at_provider` and `offline_at_provider` are the provider's view, which wins.
 */
export type FilterReason =
  | 'status'
  | 'on_call_at_provider'
  | 'offline_at_provider'
  | 'at_capacity'
  | 'wrap_up'
  | 'off_shift'
  | 'missing_skill'
  | 'already_tried'
  | 'not_in_pool'

/** True when the agent may be offered leads at all (the strategies' indexes hold exactly these). */
export function isOfferable(view: AgentView): boolean {
  return offerableReason(view) === null
}

/** Why an agent is not offerable, or `null`. */
export function offerableReason(view: AgentView): FilterReason | null {
  if (view.agent.status !== 'available') return 'status'
  const provider = view.state.provider?.status
  if (provider === 'on_call') return 'on_call_at_provider'
  if (provider === 'offline') return 'offline_at_provider'
  return null
}

/** True when the agent has every required skill at the required level or above. */
export function hasSkills(view: AgentView, required: SkillRequirements | undefined): boolean {
  return meetsSkills(view.agent.skills, required)
}

/** True when `skills` has every required skill at the required level or above. @internal */
export function meetsSkills(
  skills: Readonly<Record<string, number>>,
  required: SkillRequirements | undefined,
): boolean {
  if (!required) return true
  for (const skill in required) {
    if ((skills[skill] ?? -1) < (required[skill] ?? 0)) return false
  }
  return true
}

/**
 * Why an offerable agent cannot take this lead now, or `null` when it can. Checks run cheapest
 * first: the engine calls this for every candidate a strategy yields.
 */
export function candidateReason(
  view: AgentView,
  request: DistributionRequest,
  exclude: ReadonlySet<string> | undefined,
  now: number,
): FilterReason | null {
  if (exclude?.has(view.agent.id)) return 'already_tried'
  if (view.state.active >= view.agent.capacity) return 'at_capacity'
  if (view.state.wrapUpUntil !== undefined && view.state.wrapUpUntil > now) return 'wrap_up'
  if (request.pool !== undefined && !view.agent.pools.includes(request.pool)) return 'not_in_pool'
  if (!hasSkills(view, request.requiredSkills)) return 'missing_skill'
  if (view.agent.schedule && !isOnShift(view.agent.schedule, now)) return 'off_shift'
  return null
}
