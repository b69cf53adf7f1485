import { z } from 'zod'
import { type Agent, SkillsSchema } from '../domain/agent.js'
import type { Lead } from '../domain/lead.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import { validationError } from '../errors/validation.js'
import { meetsSkills } from './filters.js'

/**
 * Zod schema of where a lead may go: a pool of agents and the skills its agent needs. Both are
 * optional; an empty routing lets every agent take the lead.
 */
export const LeadRoutingSchema = z.strictObject({
  /**
   * Only agents of this pool (`agent.pools`) take the lead, in the pool's own rotation. A pool
   * nobody is in keeps the lead queued until an agent of it is available.
   */
  pool: z.string().min(1).max(100).optional(),
  /** Skill → minimum level (0–10) the agent must have, e.g. `{ spanish: 3 }`. */
  requiredSkills: SkillsSchema.optional(),
})
/** Where a lead may go, see {@link LeadRoutingSchema}. */
export type LeadRouting = z.infer<typeof LeadRoutingSchema>

/**
 * Decides where a lead goes when it is received (`distribution.route` of `createLeadCall`), from
 * anything the normalized lead carries: tags, source, country, custom fields. Return `undefined`
 * (or `{}`) to let every agent take it. Throw a `LeadCallError` to refuse the lead with that error;
 * any other error refuses it with `VALIDATION_FAILED`.
 *
 * @example
 * ```ts
 * const route: LeadRouter = (lead) =>
 *   lead.tags.includes('spanish') ? { pool: 'es', requiredSkills: { spanish: 3 } } : undefined
 * ```
 */
export type LeadRouter = (lead: Lead) => LeadRouting | undefined | Promise<LeadRouting | undefined>

/**
 * The routing of a lead: `given` when the caller passed one, else what `route` says, else none.
 * An empty routing is none.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for a routing that does not match
 * {@link LeadRoutingSchema}, or a router that throws something other than a `LeadCallError`.
 * @internal
 */
export async function routingOf(
  lead: Lead,
  given: unknown,
  route: LeadRouter | undefined,
): Promise<LeadRouting | undefined> {
  let value: unknown = given
  let what = 'routing'
  if (value === undefined && route !== undefined) {
    what = 'routing (from distribution.route)'
    try {
      value = await route(lead)
    } catch (error) {
      if (LeadCallError.isInstance(error)) throw error
      // The router's own message stays in `cause` (logged, never sent): it may say more than a
      // sender should learn.
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'distribution.route failed for this lead',
        cause: error,
      })
    }
  }
  if (value === undefined || value === null) return undefined
  const parsed = LeadRoutingSchema.safeParse(value)
  if (!parsed.success) throw validationError(what, parsed.error)
  const routing: LeadRouting = {}
  if (parsed.data.pool !== undefined) routing.pool = parsed.data.pool
  if (parsed.data.requiredSkills !== undefined && Object.keys(parsed.data.requiredSkills).length > 0)
    routing.requiredSkills = parsed.data.requiredSkills
  return Object.keys(routing).length === 0 ? undefined : routing
}

/** True when `agent` may take a lead routed so: in its pool, with its skills. @internal */
export function fitsRouting(agent: Agent, routing: LeadRouting): boolean {
  if (routing.pool !== undefined && !agent.pools.includes(routing.pool)) return false
  return meetsSkills(agent.skills, routing.requiredSkills)
}
