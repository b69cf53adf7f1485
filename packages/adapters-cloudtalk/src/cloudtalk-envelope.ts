import { LeadCallError } from '@leadcall/core/provider'
import { z } from 'zod'

// CloudTalk's examples send numeric ids as strings ("id": "99") and declare them as integers in
// the schema, so every id and count below accepts both and normalises.

/** An id CloudTalk may send as a number or a string; always read as a string. @internal */
export const IdSchema = z.union([z.string().min(1), z.number().int()]).transform((value) => String(value))

/** A count or number CloudTalk may send as a number or a numeric string; always read as a number. @internal */
export const NumberLikeSchema = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)])
  .transform((value) => Number(value))

/** A flag CloudTalk may send as a boolean, `0`/`1` or `"0"`/`"1"`/`"true"`/`"false"`. @internal */
export const BooleanLikeSchema = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.enum(['0', '1', 'true', 'false'])])
  .transform((value) => value === true || value === 1 || value === '1' || value === 'true')

/** The values of an agent's `availability_status` documented by CloudTalk. */
export const CloudTalkAvailabilityStatusSchema = z.enum(['online', 'offline', 'paused', 'calling'])
/** A documented CloudTalk agent availability, see {@link CloudTalkAvailabilityStatusSchema}. */
export type CloudTalkAvailabilityStatus = z.infer<typeof CloudTalkAvailabilityStatusSchema>

/**
 * An agent as listed by `GET /agents/index.json` (the object under each item's `Agent` key).
 *
 * Only `id` is required; every other field is optional and may be `null`, so that a field the
 * vendor drops or blanks does not reject the whole list. `availability_status` accepts any string:
 * a status CloudTalk adds later reads as unknown (and maps to `offline`) instead of failing.
 */
export const CloudTalkAgentSchema = z.object({
  /** Agent id (sent as `"99"` or `99`). */
  id: IdSchema,
  /** The agent's voice id (CloudTalk calls it `name`). */
  name: z.string().nullish(),
  /** First name. */
  firstname: z.string().nullish(),
  /** Last name. */
  lastname: z.string().nullish(),
  /** Login email. */
  email: z.string().nullish(),
  /** `false` when the agent hit the daily price limit and cannot make new calls. */
  is_daily_limit_ok: BooleanLikeSchema.nullish(),
  /** Whether the agent is allowed outbound calls. */
  status_outbound: BooleanLikeSchema.nullish(),
  /** `online | offline | paused | calling`, or a newer value CloudTalk may add. */
  availability_status: z.union([CloudTalkAvailabilityStatusSchema, z.string()]).nullish(),
  /** Four-digit extension (sent as `"1001"` or `1001`), read as a string. */
  extension: IdSchema.nullish(),
  /** Id of the default outbound number. */
  call_number_id: IdSchema.nullish(),
  /** Default outbound number, E.164. */
  default_number: z.string().nullish(),
  /** Every E.164 number assigned to the agent. */
  associated_numbers: z.array(z.string()).nullish(),
  /** Daily price limit for all calls, in EUR. */
  daily_price_limit: NumberLikeSchema.nullish(),
})
/** A CloudTalk agent, see {@link CloudTalkAgentSchema}. */
export type CloudTalkAgent = z.infer<typeof CloudTalkAgentSchema>

/** One item of the agents list: CloudTalk wraps each agent as `{ "Agent": { ... } }`. */
export const CloudTalkAgentItemSchema = z.object({
  /** The agent. */
  Agent: CloudTalkAgentSchema,
})

/**
 * CloudTalk's single-item envelope, `{ "responseData": item }`, around the given item schema.
 *
 * @example
 * ```ts
 * const ContactEnvelope = cloudTalkItemEnvelope(z.object({ Contact: z.object({ id: z.string() }) }))
 * ```
 */
export function cloudTalkItemEnvelope<Item extends z.ZodType>(item: Item) {
  return z.object({
    /** The item. */
    responseData: item,
  })
}

/**
 * CloudTalk's collection envelope around the given item schema:
 * `{ "responseData": { itemsCount, pageCount, pageNumber, limit, data: [item, …] } }`.
 *
 * The pagination numbers are optional (and accepted as numeric strings); `data` is required.
 */
export function cloudTalkCollectionEnvelope<Item extends z.ZodType>(item: Item) {
  return z.object({
    /** One page of the collection. */
    responseData: z.object({
      /** Total number of items across all pages. */
      itemsCount: NumberLikeSchema.optional(),
      /** Number of pages. */
      pageCount: NumberLikeSchema.optional(),
      /** This page's number, from 1. */
      pageNumber: NumberLikeSchema.optional(),
      /** Items per page. */
      limit: NumberLikeSchema.optional(),
      /** The items of this page. */
      data: z.array(item),
    }),
  })
}

/**
 * CloudTalk's status envelope, answered by writes (create, edit, delete, click-to-call):
 * `{ "responseData": { "status": 201, "data": { "id": "12345" } } }`.
 *
 * It also matches the error envelope; tell them apart by `status` (≥ 400 is an error) or parse
 * with {@link CloudTalkErrorEnvelopeSchema}.
 */
export const CloudTalkStatusEnvelopeSchema = z.object({
  /** The outcome of the write. */
  responseData: z.object({
    /** The HTTP status, repeated in the body. */
    status: NumberLikeSchema,
    /** A human-readable message, when CloudTalk gives one. */
    message: z.string().optional(),
    /** Operation-specific data (e.g. `{ id }` of a created resource). */
    data: z.unknown().optional(),
  }),
})
/** A CloudTalk status envelope, see {@link CloudTalkStatusEnvelopeSchema}. */
export type CloudTalkStatusEnvelope = z.infer<typeof CloudTalkStatusEnvelopeSchema>

/**
 * CloudTalk's error envelope: `responseData.status` (an HTTP status ≥ 400) and `message`; 406
 * answers add `data`, a map of field → messages (`{ "email": ["Please supply a valid email address."] }`).
 */
export const CloudTalkErrorEnvelopeSchema = z.object({
  /** The error. */
  responseData: z.object({
    /** The HTTP status, ≥ 400. */
    status: NumberLikeSchema.pipe(z.number().int().min(400).max(599)),
    /** What went wrong, e.g. `"Agent is not online."`. */
    message: z.string(),
    /** On 406: each invalid field with its messages. */
    data: z.record(z.string(), z.array(z.string())).optional(),
  }),
})
/** A CloudTalk error envelope, see {@link CloudTalkErrorEnvelopeSchema}. */
export type CloudTalkErrorEnvelope = z.infer<typeof CloudTalkErrorEnvelopeSchema>

/** The envelope of `GET /agents/index.json`. */
export const CloudTalkAgentsEnvelopeSchema = cloudTalkCollectionEnvelope(CloudTalkAgentItemSchema)

/** One page of CloudTalk agents, as returned by {@link parseCloudTalkAgents}. */
export interface CloudTalkAgentsPage {
  /** The agents of this page, unwrapped from their `{ Agent }` items. */
  agents: CloudTalkAgent[]
  /** Total number of agents across all pages, when CloudTalk says. */
  itemsCount?: number
  /** Number of pages, when CloudTalk says. */
  pageCount?: number
  /** This page's number (from 1), when CloudTalk says. */
  pageNumber?: number
  /** Items per page, when CloudTalk says. */
  limit?: number
}

/**
 * Parses the JSON body of `GET /agents/index.json` into a page of agents.
 *
 * @throws `LeadCallError` (from `@leadcall/core`) with code `VALIDATION_FAILED` when the body is not an agents collection
 * envelope (including when it is CloudTalk's error envelope); `details` holds the raw `body` and
 * the `issues` found.
 *
 * @example
 * ```ts
 * const page = parseCloudTalkAgents(await response.json())
 * const free = page.agents.filter((agent) => mapCloudTalkAvailability(agent.availability_status) === 'available')
 * ```
 */
export function parseCloudTalkAgents(json: unknown): CloudTalkAgentsPage {
  const parsed = CloudTalkAgentsEnvelopeSchema.safeParse(json)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map((part) => String(part)).join('.'),
      message: issue.message,
    }))
    const vendorError = CloudTalkErrorEnvelopeSchema.safeParse(json)
    const message = vendorError.success
      ? `CloudTalk answered with an error instead of agents: ${vendorError.data.responseData.status} ${vendorError.data.responseData.message}`
      : `Invalid CloudTalk agents response: ${issues
          .slice(0, 5)
          .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
          .join('; ')}`
    throw new LeadCallError('VALIDATION_FAILED', { message, details: { body: json, issues } })
  }
  const { data, itemsCount, pageCount, pageNumber, limit } = parsed.data.responseData
  const page: CloudTalkAgentsPage = { agents: data.map((item) => item.Agent) }
  if (itemsCount !== undefined) page.itemsCount = itemsCount
  if (pageCount !== undefined) page.pageCount = pageCount
  if (pageNumber !== undefined) page.pageNumber = pageNumber
  if (limit !== undefined) page.limit = limit
  return page
}

/**
 * The leadcall agent statuses a CloudTalk availability maps to (a subset of core's `AgentStatus`).
 */
export type CloudTalkMappedStatus = 'available' | 'busy' | 'break' | 'offline'

/**
 * Maps a CloudTalk `availability_status` to leadcall's agent status:
 * `online` → `available`, `calling` → `busy`, `paused` → `break`, `offline` → `offline`.
 * Anything else (missing, `null`, a value CloudTalk adds later) maps to `offline`, so an agent is
 * never offered a lead on a status leadcall does not understand. Matching ignores case and
 * surrounding spaces.
 *
 * @example
 * ```ts
 * mapCloudTalkAvailability('calling') // 'busy'
 * ```
 */
export function mapCloudTalkAvailability(
  status: CloudTalkAvailabilityStatus | (string & {}) | null | undefined,
): CloudTalkMappedStatus {
  switch (typeof status === 'string' ? status.trim().toLowerCase() : status) {
    case 'online':
      return 'available'
    case 'calling':
      return 'busy'
    case 'paused':
      return 'break'
    default:
      return 'offline'
  }
}
