/**
 * Zod schemas of the CloudTalk answers the provider reads besides agents (see
 * `cloudtalk-envelope.ts`): contacts, tags, bulk actions and call history. Lenient where CloudTalk
 * is loose: ids and numbers from numbers or strings, phone numbers from strings or numbers (its own
 * examples send `"public_number": 442012345678`), every field but the ids optional and nullable.
 *
 * @module
 */
import { z } from 'zod'
import {
  BooleanLikeSchema,
  cloudTalkCollectionEnvelope,
  cloudTalkItemEnvelope,
  IdSchema,
  NumberLikeSchema,
} from './cloudtalk-envelope.js'

/** A phone number CloudTalk may send as a string or a number; read as a string. */
export const PhoneLikeSchema = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value) => String(value))

/** A date CloudTalk sends as ISO 8601 or `YYYY-MM-DD HH:MM:SS` (UTC); kept as sent. */
const DateTextSchema = z.string()

/** `{ public_number }`, alone or in an array: CloudTalk uses both shapes. */
const NumbersSchema = z
  .union([
    z.array(z.object({ public_number: PhoneLikeSchema.nullish() })),
    z.object({ public_number: PhoneLikeSchema.nullish() }),
  ])
  .transform((value) =>
    (Array.isArray(value) ? value : [value])
      .map((item) => item.public_number)
      .filter((number): number is string => typeof number === 'string' && number !== ''),
  )

/** One item of `GET /contacts/index.json`. */
export const CloudTalkContactListItemSchema = z.object({
  /** The contact. */
  Contact: z.object({
    /** Contact id. */
    id: IdSchema,
    /** Name. */
    name: z.string().nullish(),
    /** Company. */
    company: z.string().nullish(),
  }),
  /** Its number(s), as `public_number` strings. */
  ContactNumber: NumbersSchema.nullish(),
})
/** One contact of a contacts list, see {@link CloudTalkContactListItemSchema}. */
export type CloudTalkContactListItem = z.infer<typeof CloudTalkContactListItemSchema>

/** The envelope of `GET /contacts/index.json`. */
export const CloudTalkContactsEnvelopeSchema = cloudTalkCollectionEnvelope(CloudTalkContactListItemSchema)

const TagNameSchema = z.object({ name: z.string().nullish() })

/** The envelope of `GET /contacts/show/{id}.json`: the contact with its tags and numbers. */
export const CloudTalkContactShowEnvelopeSchema = cloudTalkItemEnvelope(
  z.object({
    /** The contact (its `tags` are `{ id, name }` in the read shape). */
    Contact: z.object({
      id: IdSchema,
      name: z.string().nullish(),
      tags: z.array(TagNameSchema).nullish(),
      contact_numbers: z.array(PhoneLikeSchema).nullish(),
    }),
    /** Tags in the write shape, `{ name }`. */
    ContactsTag: z.array(TagNameSchema).nullish(),
    /** Numbers in the write shape. */
    ContactNumber: NumbersSchema.nullish(),
  }),
)

/** A status envelope whose `data.id` is the id of what was created (`PUT /contacts/add.json`, `PUT /tags/add.json`). */
export const CloudTalkCreatedEnvelopeSchema = cloudTalkItemEnvelope(
  z.object({
    status: NumberLikeSchema,
    message: z.string().nullish(),
    data: z.object({ id: IdSchema }),
  }),
)

/** One result of `POST /bulk/contacts.json`: per action, its own status. */
export const CloudTalkBulkResultSchema = z.object({
  /** The `command_id` the action was sent with. */
  command_id: IdSchema,
  /** 200 or 201 when the action succeeded, an error status otherwise. */
  status: NumberLikeSchema,
  /** What went wrong, for a failed action. */
  message: z.string().nullish(),
  /** `{ id }` of a created contact, or the field errors of a refused one. */
  data: z.unknown().optional(),
})
/** One result of a bulk request, see {@link CloudTalkBulkResultSchema}. */
export type CloudTalkBulkResult = z.infer<typeof CloudTalkBulkResultSchema>

/** The envelope of `POST /bulk/contacts.json`. */
export const CloudTalkBulkEnvelopeSchema = cloudTalkItemEnvelope(
  z.object({
    status: NumberLikeSchema,
    data: z.array(CloudTalkBulkResultSchema),
  }),
)

/** The call record (`Cdr`) of an item of `GET /calls/index.json`. */
export const CloudTalkCdrSchema = z.object({
  /** Call id. */
  id: IdSchema,
  /** `incoming`, `outgoing` or `internal`. */
  type: z.string().nullish(),
  /** Billed seconds. */
  billsec: NumberLikeSchema.nullish(),
  /** The other party's number (the lead's, for an outgoing call). */
  public_external: PhoneLikeSchema.nullish(),
  /** The company number used. */
  public_internal: PhoneLikeSchema.nullish(),
  /** The agent of the call. */
  user_id: IdSchema.nullish(),
  /** Seconds the agent and the contact talked. */
  talking_time: NumberLikeSchema.nullish(),
  /** Seconds before they were connected. */
  waiting_time: NumberLikeSchema.nullish(),
  /** Was it recorded. */
  recorded: BooleanLikeSchema.nullish(),
  /** When the call started. */
  started_at: DateTextSchema.nullish(),
  /** When it was answered (absent or null for a missed call). */
  answered_at: DateTextSchema.nullish(),
  /** When it ended. */
  ended_at: DateTextSchema.nullish(),
  /** Link to the call's detail page with its recording. */
  recording_link: z.union([z.string(), z.number()]).nullish(),
})
/** A CloudTalk call record, see {@link CloudTalkCdrSchema}. */
export type CloudTalkCdr = z.infer<typeof CloudTalkCdrSchema>

/** One item of `GET /calls/index.json`. */
export const CloudTalkCallItemSchema = z.object({
  /** The call record. */
  Cdr: CloudTalkCdrSchema,
  /** The agent of the call, when CloudTalk adds it. */
  Agent: z.object({ id: IdSchema.nullish() }).nullish(),
})

/** The envelope of `GET /calls/index.json`. */
export const CloudTalkCallsEnvelopeSchema = cloudTalkCollectionEnvelope(CloudTalkCallItemSchema)

/**
 * CloudTalk's error envelope, read leniently: only what is there is kept, whatever its shape
 * (CloudTalk's spec declares `status` a string, its examples send numbers).
 */
export const CloudTalkLenientErrorSchema = z.object({
  responseData: z.object({
    status: NumberLikeSchema.optional().catch(undefined),
    message: z.string().optional().catch(undefined),
    data: z.unknown().optional(),
  }),
})
