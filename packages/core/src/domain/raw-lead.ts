import { z } from 'zod'
import {
  ConsentSchema,
  CustomAttributesSchema,
  EmailSchema,
  MAX_TAGS,
  PrioritySchema,
  TagSchema,
} from './lead.js'
import { TimeZoneSchema } from './timezone.js'

/**
 * Zod schema of the intermediate shape every lead format maps to (see `fromGenericLead`,
 * `fromGoHighLevelContact`, `fromGoHighLevelWorkflow`): fields are picked and checked,
 * but the phone and name are not normalized yet; `normalizeLead()` does that.
 */
export const RawLeadSchema = z.object({
  /** The whole name, as given. */
  name: z.string().optional(),
  /** Given name, as given. */
  firstName: z.string().optional(),
  /** Family name, as given. */
  lastName: z.string().optional(),
  /** Phone number, as given. */
  phone: z.string().optional(),
  /** ISO 3166-1 alpha-2 country of the lead's address: the default country of a national phone number. */
  country: z.string().length(2).optional(),
  /** E-mail address, trimmed and lower case. */
  email: EmailSchema.optional(),
  /** Company name, cleaned. */
  company: z.string().min(1).max(300).optional(),
  /** Source of the lead (`gohighlevel` for GoHighLevel payloads). */
  source: z.string().min(1).max(100).optional(),
  /** Id of the lead in the system it came from. */
  externalId: z.string().min(1).max(200).optional(),
  /** Priority, when the payload has a recognisable one. */
  priority: PrioritySchema.optional(),
  /** Tags, trimmed and without duplicates. */
  tags: z.array(TagSchema).max(MAX_TAGS),
  /** Custom attributes. */
  custom: CustomAttributesSchema,
  /** Consent to be contacted. */
  consent: ConsentSchema.optional(),
  /** IANA time zone. */
  timezone: TimeZoneSchema.optional(),
  /** Do-not-disturb flag of the CRM. */
  dnd: z.boolean().optional(),
})
/** The intermediate shape of a lead, see {@link RawLeadSchema}. */
export type RawLead = z.infer<typeof RawLeadSchema>
