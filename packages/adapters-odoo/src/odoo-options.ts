/**
 * The options of the Odoo CRM adapter, {@link OdooOptions}, and their validation.
 *
 * @module
 */
import { type CrmLeadInput, LeadCallError, type LeadQuality } from '@leadcall/core/provider'
import { z } from 'zod'

/** An Odoo `crm.lead` priority: `'0'` Low, `'1'` Medium, `'2'` High, `'3'` Very High (strings, as Odoo stores them). */
export type OdooPriority = '0' | '1' | '2' | '3'

/**
 * The standard `crm.lead` fields the adapter writes, by their Odoo names. `fieldMap` can send one
 * to another field (e.g. `phone` to `mobile`) or leave it out (`false`).
 */
export type OdooLeadField =
  | 'name'
  | 'contact_name'
  | 'partner_name'
  | 'email_from'
  | 'phone'
  | 'city'
  | 'description'
  | 'priority'

/**
 * A value the adapter can write to a custom field, see {@link OdooOptions.customFields}:
 * - from the classification: `productInterest`, `budget` (text, `2000 EUR`), `budgetAmount`,
 *   `budgetCurrency`, `urgency`, `quality`, `score`, `intent`, `language`, `reasons` (one per line);
 * - from the input: `summary`;
 * - from the lead: `leadId` (leadcall's id), `source`, `externalId`, `company`.
 */
export type OdooValueSource =
  | 'productInterest'
  | 'budget'
  | 'budgetAmount'
  | 'budgetCurrency'
  | 'urgency'
  | 'quality'
  | 'score'
  | 'intent'
  | 'language'
  | 'reasons'
  | 'summary'
  | 'leadId'
  | 'source'
  | 'externalId'
  | 'company'

/** A custom field's value: a named {@link OdooValueSource}, or a function of the input (`undefined` leaves the field out). */
export type OdooCustomFieldValue = OdooValueSource | ((input: CrmLeadInput) => unknown)

/** Options of `odoo()`, the Odoo CRM adapter. */
export interface OdooOptions {
  /** The Odoo server, e.g. `https://acme.odoo.com` (a trailing `/jsonrpc` is accepted). */
  url: string
  /** The database, e.g. `acme` (on Odoo Online, the subdomain). */
  db: string
  /** The login of the Odoo user the adapter acts as (an e-mail on Odoo Online). */
  username: string
  /** The user's password. Give this or `apiKey`; an API key is recommended. */
  password?: string
  /** An API key of the user (Preferences → Account Security → New API Key); it replaces the password. */
  apiKey?: string
  /**
   * `lead` or `opportunity`. Absent (the default): Odoo's own default, `lead` when the database
   * uses leads, else `opportunity`.
   */
  type?: 'lead' | 'opportunity'
  /** The sales team (`crm.team` id) of created leads. */
  teamId?: number
  /** The salesperson (`res.users` id) of created leads. */
  userId?: number
  /**
   * The UTM source of created leads: a `utm.source` id, or a name, found or created once (e.g.
   * `'leadcall'`). Absent: no source.
   */
  source?: number | string
  /** Tags (`crm.tag` names, found or created) every lead gets, besides the lead's and the input's. */
  tags?: readonly string[]
  /**
   * Sends a standard field to another field, or leaves it out with `false`. E.g.
   * `{ phone: 'mobile', city: false }`.
   */
  fieldMap?: Partial<Record<OdooLeadField, string | false>>
  /**
   * Custom fields to fill, keyed by their Odoo name, with the value to write: e.g.
   * `{ x_product_interest: 'productInterest', x_budget_range: 'budget', x_quality_score: 'score' }`.
   * The fields must exist on `crm.lead` (Odoo refuses unknown ones: `VALIDATION_FAILED` with
   * `details.reason = 'missing_field'`). A value that is not known is left out.
   */
  customFields?: Readonly<Record<string, OdooCustomFieldValue>>
  /**
   * The priority of each quality. Default: hot → `'2'` (High), or `'3'` (Very High) when its
   * urgency is high; warm → `'1'` (Medium); cold → `'0'` (Low). A quality given here always gets
   * this priority.
   */
  priorities?: Partial<Record<LeadQuality, OdooPriority>>
  /**
   * The record's name (its title in the pipeline). Default: `<product interest> — <contact name>`,
   * or the contact's name (or phone) alone when the product is not known.
   */
  leadName?: (input: CrmLeadInput) => string
  /**
   * Find an open lead with the same phone or e-mail and update it instead of creating a second
   * (default true).
   */
  deduplicate?: boolean
  /** The longest one request may take, in ms (default 15000); past it, `PROVIDER_TIMEOUT`. */
  timeoutMs?: number
  /** The `fetch` to use (default: the global one), for tests and edge runtimes. */
  fetch?: typeof fetch
  /** The adapter's name (default `odoo`). */
  name?: string
}

/** The default priority of each quality, see {@link OdooOptions.priorities}. */
export const DEFAULT_ODOO_PRIORITIES: Readonly<Record<LeadQuality, OdooPriority>> = {
  hot: '2',
  warm: '1',
  cold: '0',
}

/** The options once checked, with the secret resolved. @internal */
export interface OdooSettings {
  /** The `/jsonrpc` endpoint. */
  endpoint: string
  /** The database. */
  db: string
  /** The login. */
  username: string
  /** The password or API key. */
  secret: string
  /** The options as given (validated). */
  options: OdooOptions
}

const id = z.number().int().positive()
const fieldName = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'Expected an Odoo field name')
const priority = z.enum(['0', '1', '2', '3'])
const VALUE_SOURCES = [
  'productInterest',
  'budget',
  'budgetAmount',
  'budgetCurrency',
  'urgency',
  'quality',
  'score',
  'intent',
  'language',
  'reasons',
  'summary',
  'leadId',
  'source',
  'externalId',
  'company',
] as const satisfies readonly OdooValueSource[]
const LEAD_FIELDS = [
  'name',
  'contact_name',
  'partner_name',
  'email_from',
  'phone',
  'city',
  'description',
  'priority',
] as const satisfies readonly OdooLeadField[]
const fn = <T>(what: string) => z.custom<T>((value) => typeof value === 'function', `Expected ${what}`)

const OptionsSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }),
    db: z.string().min(1),
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    type: z.enum(['lead', 'opportunity']).optional(),
    teamId: id.optional(),
    userId: id.optional(),
    source: z.union([id, z.string().trim().min(1).max(200)]).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    fieldMap: z.partialRecord(z.enum(LEAD_FIELDS), z.union([fieldName, z.literal(false)])).optional(),
    customFields: z
      .record(fieldName, z.union([z.enum(VALUE_SOURCES), fn<(input: CrmLeadInput) => unknown>('a function')]))
      .optional(),
    priorities: z.partialRecord(z.enum(['hot', 'warm', 'cold']), priority).optional(),
    leadName: fn<(input: CrmLeadInput) => string>('a function').optional(),
    deduplicate: z.boolean().optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    fetch: fn<typeof fetch>('a fetch function').optional(),
    name: z.string().min(1).max(100).optional(),
  })
  .refine((options) => (options.password === undefined) !== (options.apiKey === undefined), {
    message: 'Give either password or apiKey',
    path: ['apiKey'],
  })

/**
 * Checks the options and resolves the endpoint and the secret. @internal
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` listing every problem; never the secret itself.
 */
export function resolveOdooOptions(options: OdooOptions): OdooSettings {
  const checked = OptionsSchema.safeParse(options)
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }))
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `Invalid Odoo options: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      details: { issues },
      retryable: false,
    })
  }
  const base = checked.data.url.replace(/\/+$/, '').replace(/\/jsonrpc$/, '')
  return {
    endpoint: `${base}/jsonrpc`,
    db: checked.data.db,
    username: checked.data.username,
    secret: (checked.data.apiKey ?? checked.data.password) as string,
    options,
  }
}
