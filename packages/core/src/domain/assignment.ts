import { z } from 'zod'

/**
 * Status of an assignment of a lead to an agent. It starts `reserved` (the agent is held for the
 * lead until `expiresAt`); `accepted` and `completed` follow when the agent takes the lead and the
 * work ends; `rejected`, `timed_out` and `withdrawn` (taken back by leadcall, e.g. the lead was
 * canceled) send the lead to the next agent.
 */
export const AssignmentStatusSchema = z.enum([
  'reserved',
  'accepted',
  'rejected',
  'timed_out',
  'withdrawn',
  'completed',
])
/** Status of an assignment, see {@link AssignmentStatusSchema}. */
export type AssignmentStatus = z.infer<typeof AssignmentStatusSchema>

/** Zod schema of an assignment: one offer of one lead to one agent, a reservation with a timeout. */
export const AssignmentSchema = z
  .object({
    /** Id of the assignment. */
    id: z.string().min(1).max(128),
    /** The lead process the assignment belongs to. */
    processId: z.string().min(1).max(128),
    /** The lead offered. */
    leadId: z.string().min(1).max(128),
    /** The agent the lead is offered to. */
    agentId: z.string().min(1).max(128),
    /** Where the assignment stands. */
    status: AssignmentStatusSchema,
    /** 1 for the first agent offered the lead, 2 for the next one after a rejection or timeout, … */
    attempt: z.number().int().min(1),
    /** Name of the distribution strategy that chose the agent (e.g. `round-robin`). */
    strategy: z.string().min(1).max(100),
    /** When the agent was reserved (ISO 8601, UTC). */
    reservedAt: z.iso.datetime(),
    /** When the reservation lapses unless accepted (ISO 8601, UTC). */
    expiresAt: z.iso.datetime(),
    /** When the status left `reserved` (ISO 8601, UTC). */
    decidedAt: z.iso.datetime().optional(),
    /** Why the assignment was rejected, withdrawn or timed out, in plain words. */
    reason: z.string().max(1000).optional(),
  })
  .refine((assignment) => Date.parse(assignment.expiresAt) >= Date.parse(assignment.reservedAt), {
    message: 'expiresAt must not be before reservedAt',
    path: ['expiresAt'],
  })
/** One offer of one lead to one agent, see {@link AssignmentSchema}. */
export type Assignment = z.infer<typeof AssignmentSchema>
