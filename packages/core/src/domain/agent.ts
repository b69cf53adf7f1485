import { z } from 'zod'
import { TimeZoneSchema } from './timezone.js'

/**
 * Presence of an agent. Only `available` agents are offered leads; `wrap_up` is the pause after a
 * call before the agent is offered again.
 */
export const AgentStatusSchema = z.enum(['available', 'busy', 'wrap_up', 'break', 'offline'])
/** Presence of an agent, see {@link AgentStatusSchema}. */
export type AgentStatus = z.infer<typeof AgentStatusSchema>

const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Expected HH:MM (24h)')

/** Days of the week as in `Date#getDay()`: 0 is Sunday. */
export const WeekdaySchema = z.number().int().min(0).max(6)

/** One working interval of a weekly schedule, in the schedule's time zone. */
export const ScheduleSlotSchema = z
  .object({
    /** 0 (Sunday) to 6 (Saturday). */
    day: WeekdaySchema,
    /** Start, `HH:MM`, inclusive. */
    start: TimeOfDaySchema,
    /** End, `HH:MM`, exclusive; `24:00` for midnight. */
    end: TimeOfDaySchema,
  })
  .refine((slot) => slot.start < slot.end, { message: 'start must be before end', path: ['end'] })
/** One working interval of a weekly schedule. */
export type ScheduleSlot = z.infer<typeof ScheduleSlotSchema>

/** A weekly schedule in a time zone: outside its slots the agent is off shift and not offered leads. */
export const AgentScheduleSchema = z.object({
  /** IANA time zone the slots are written in. */
  timezone: TimeZoneSchema,
  /** The working intervals of the week. */
  slots: z.array(ScheduleSlotSchema).min(1),
})
/** A weekly schedule, see {@link AgentScheduleSchema}. */
export type AgentSchedule = z.infer<typeof AgentScheduleSchema>

/** Skill name → level, 0 to 10 (e.g. `{ spanish: 3, sales: 5 }`). */
export const SkillsSchema = z.record(z.string().min(1), z.number().int().min(0).max(10))
/** Skill name → level. */
export type Skills = z.infer<typeof SkillsSchema>

/**
 * An agent as given to `app.agents.upsert()`: every field but `id` and `name` has a default.
 */
export const AgentInputSchema = z.object({
  /** Stable id, unique within the tenant. */
  id: z.string().trim().min(1).max(128),
  /** Display name. */
  name: z.string().trim().min(1).max(200),
  /** The agent's e-mail address. */
  email: z.email().optional(),
  /** The agent's own phone (E.164), used by providers that call the agent's phone first. */
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'Expected an E.164 number such as +14155550100')
    .optional(),
  /** Presence; new agents start `offline`. */
  status: AgentStatusSchema.default('offline'),
  /** Maximum concurrent assignments. */
  capacity: z.number().int().min(1).max(1000).default(1),
  /** Skill name → level, for skills-based routing. */
  skills: SkillsSchema.default({}),
  /** Relative share for weighted strategies. */
  weight: z.number().positive().max(1_000_000).default(1),
  /** 1 is the first tier offered; higher tiers take overflow. */
  tier: z.number().int().min(1).max(100).default(1),
  /** Pools (teams) the agent belongs to. */
  pools: z.array(z.string().min(1)).default([]),
  /** Weekly shifts; without one the agent is always on shift. */
  schedule: AgentScheduleSchema.optional(),
  /** Pause after a call before the agent is offered again (ms); the app default applies when absent. */
  wrapUpMs: z.number().int().min(0).optional(),
  /** Identifiers of the agent at each provider, e.g. `{ cloudtalk: '12345', asterisk: 'PJSIP/1001' }`. */
  providerRefs: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Free-form attributes kept with the agent. */
  metadata: z.record(z.string(), z.unknown()).default({}),
})
/** What `app.agents.upsert()` accepts. */
export type AgentInput = z.input<typeof AgentInputSchema>

/** A registered agent, as stored. */
export const AgentSchema = AgentInputSchema.extend({
  /** When the agent was first registered (ISO 8601). */
  createdAt: z.iso.datetime(),
  /** When the agent record last changed (ISO 8601). */
  updatedAt: z.iso.datetime(),
  /** When the status last changed (ISO 8601). */
  statusChangedAt: z.iso.datetime(),
})
/** A registered agent. */
export type Agent = z.infer<typeof AgentSchema>
