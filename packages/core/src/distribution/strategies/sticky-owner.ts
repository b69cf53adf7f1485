import { LeadCallError } from '../../errors/lead-call-error.js'
import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  StrategyCommit,
  StrategyContext,
  StrategyIndex,
} from '../strategy.js'
import { roundRobin } from './round-robin.js'
import { commitOf, isRecord, NestedIndex } from './shared.js'

const NAME = 'sticky-owner'

/** Options of {@link stickyOwner}. */
export interface StickyOwnerOptions {
  /** How far back a previous agent counts as the lead's owner (ms), e.g. 30 days. */
  windowMs: number
  /** The order when the lead has no owner or the owner cannot take it: {@link roundRobin} by default. */
  fallback?: DistributionStrategy
}

/** The persisted global state of {@link stickyOwner}: the fallback's state. */
export interface StickyOwnerState {
  /** The fallback strategy's state. */
  fallback: unknown
}

function fallbackState(state: unknown): unknown {
  return isRecord(state) ? state.fallback : undefined
}

class StickyOwnerIndex implements StrategyIndex {
  private readonly inner: NestedIndex

  constructor(
    private readonly windowMs: number,
    fallback: DistributionStrategy,
    private readonly context: StrategyContext,
  ) {
    this.inner = new NestedIndex(NAME, fallback, context)
  }

  upsert(view: AgentView): void {
    this.inner.upsert(view)
  }

  remove(agentId: string): void {
    this.inner.remove(agentId)
  }

  *candidates(request: DistributionRequest, state: unknown): Generator<AgentView, void, undefined> {
    const owner = this.owner(request)
    if (owner !== undefined) yield owner
    for (const view of this.inner.candidates(request, fallbackState(state))) {
      if (view.agent.id !== owner?.agent.id) yield view
    }
  }

  commit(chosen: AgentView, request: DistributionRequest, state: unknown): StrategyCommit {
    if (chosen.agent.id === this.ownerId(request)) return {}
    const inner = this.inner.commit(chosen, request, fallbackState(state))
    const next: StickyOwnerState | undefined =
      inner.state === undefined ? undefined : { fallback: inner.state }
    return commitOf(next, inner.agentData)
  }

  /** The id of the request's owner when it is within the window. */
  private ownerId(request: DistributionRequest): string | undefined {
    const owner = request.owner
    if (owner === undefined || this.context.now() - owner.at > this.windowMs) return undefined
    return owner.agentId
  }

  /** The owner's view when it is within the window and offerable. */
  private owner(request: DistributionRequest): AgentView | undefined {
    const id = this.ownerId(request)
    return id === undefined ? undefined : this.inner.get(id)
  }
}

/**
 * Sticky owner: a returning lead (the engine recognises it by phone, email or source id) is offered
 * first to the agent who had it last, if that was within `windowMs` and the agent is offerable;
 * otherwise, and after the owner, the `fallback` strategy's order ({@link roundRobin} by default).
 * Sets `ownerLookupMs` so the engine looks the owner up (`request.owner`).
 *
 * When the owner takes the lead nothing is persisted: the fallback's rotation, counts or weights
 * are left as they were (a lead going back to its owner does not count as the owner's turn). When
 * another agent takes it, the fallback's commit applies, its state nested as `{ fallback: … }`.
 *
 * Cost: O(1) for the owner, then the fallback's.
 *
 * @example
 * ```ts
 * const strategy = stickyOwner({ windowMs: 30 * 24 * 3600_000, fallback: longestIdle() })
 * const app = createLeadCall({ storage, telephony, distribution: { strategy } })
 * ```
 */
export function stickyOwner(options: StickyOwnerOptions): DistributionStrategy {
  const windowMs = options.windowMs
  if (typeof windowMs !== 'number' || !(windowMs > 0) || !Number.isFinite(windowMs)) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'stickyOwner: windowMs must be a positive, finite number of milliseconds',
    })
  }
  const fallback = options.fallback ?? roundRobin()
  const inner = fallback.ownerLookupMs
  return {
    name: NAME,
    ownerLookupMs: inner === undefined ? windowMs : Math.max(inner, windowMs),
    createIndex: (context) => new StickyOwnerIndex(windowMs, fallback, context),
  }
}
