import { z } from 'zod'
import { parsePriority } from './lead.js'
import {
  booleanValue,
  cleanText,
  countryValue,
  customValue,
  emailValue,
  idValue,
  MAX_RAW_TEXT,
  nameText,
  optionalText,
  parseWith,
  phoneValue,
  safeSet,
  tagsValue,
  timezoneValue,
  withOptional,
} from './lead-input-fields.js'
import type { RawLead } from './raw-lead.js'

/** The source given to every lead that arrives from GoHighLevel. */
export const GOHIGHLEVEL_SOURCE = 'gohighlevel'

// ---------------------------------------------------------------------------------------------
// Marketplace `ContactCreate` webhook
// ---------------------------------------------------------------------------------------------

const ContactCreateFields = z.object({
  /** The webhook event type, always `ContactCreate`. */
  type: z.literal('ContactCreate'),
  /** The GoHighLevel sub-account (location). */
  locationId: idValue,
  /** The contact id. */
  id: idValue,
  /** The contact's full name. */
  name: nameText,
  /** The contact's first name. */
  firstName: nameText,
  /** The contact's last name. */
  lastName: nameText,
  /** The contact's e-mail address. */
  email: emailValue,
  /** The contact's phone, normally E.164. */
  phone: phoneValue,
  /** The contact's country (ISO 3166-1 alpha-2). */
  country: countryValue,
  /** The contact's company. */
  companyName: cleanText(300),
  /** The contact's source in GoHighLevel (e.g. `public api`). */
  source: cleanText(200),
  /** The contact's tags. */
  tags: tagsValue,
  /** Custom field values, `[{ id, value }]`. */
  customFields: customValue,
  /** The contact's IANA time zone. */
  timezone: timezoneValue,
  /** Do-not-disturb flag of the contact. */
  dnd: booleanValue,
  /** When the contact was created in GoHighLevel (ISO 8601). */
  dateAdded: z.string().max(100).nullish(),
  /** The GoHighLevel user the contact is assigned to. */
  assignedTo: idValue,
  /** Id of the webhook delivery, for replay protection. */
  webhookId: z.string().max(MAX_RAW_TEXT).nullish(),
  /** When the webhook was sent, for replay protection. */
  timestamp: z.string().max(100).nullish(),
})

function contactToRawLead(input: z.output<typeof ContactCreateFields>): RawLead {
  const custom: Record<string, unknown> = {}
  if (input.locationId !== undefined) custom.locationId = input.locationId
  if (input.assignedTo !== undefined) custom.assignedTo = input.assignedTo
  if (input.source !== undefined) custom.ghlSource = input.source
  if (Object.keys(input.customFields).length > 0) custom.customFields = input.customFields
  return withOptional(
    { source: GOHIGHLEVEL_SOURCE, tags: input.tags, custom },
    {
      name: input.name,
      firstName: input.firstName,
      lastName: input.lastName,
      phone: input.phone,
      country: input.country,
      email: input.email,
      company: input.companyName,
      externalId: input.id,
      timezone: input.timezone,
      dnd: input.dnd,
    },
  )
}

/**
 * Zod schema of the GoHighLevel Marketplace `ContactCreate` webhook payload (`type`, `locationId`,
 * `id`, names, `email`, `phone`, `companyName`, `source`, `tags[]`, `customFields[]` of
 * `{ id, value }`, `timezone`, `dnd`, `dateAdded`, `assignedTo`, `webhookId`, `timestamp`, …),
 * giving the {@link RawLead} it maps to (see {@link fromGoHighLevelContact}). Fields leadcall does
 * not use (address, attachments, …) are ignored.
 */
export const GoHighLevelContactCreateSchema = ContactCreateFields.transform(contactToRawLead)
/** A GoHighLevel `ContactCreate` webhook payload, see {@link GoHighLevelContactCreateSchema}. */
export type GoHighLevelContactCreate = z.input<typeof GoHighLevelContactCreateSchema>

/**
 * Maps a GoHighLevel `ContactCreate` webhook payload to a {@link RawLead}: source `gohighlevel`
 * (the contact's own `source` is kept as `custom.ghlSource`), external id the contact `id`, and
 * `custom` holding `locationId`, `assignedTo` and `customFields` (custom field id → value).
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` listing every problem of the payload.
 */
export function fromGoHighLevelContact(input: unknown): RawLead {
  return parseWith(GoHighLevelContactCreateSchema, input)
}

// ---------------------------------------------------------------------------------------------
// Workflow "Webhook" action
// ---------------------------------------------------------------------------------------------

const WorkflowFields = z.object({
  /** The contact id. */
  contact_id: idValue,
  /** The contact's first name. */
  first_name: nameText,
  /** The contact's last name. */
  last_name: nameText,
  /** The contact's full name. */
  full_name: nameText,
  /** The contact's e-mail address. */
  email: emailValue,
  /** The contact's phone. */
  phone: phoneValue,
  /** The contact's country (ISO 3166-1 alpha-2). */
  country: countryValue,
  /** The contact's company. */
  company_name: cleanText(300),
  /** The contact's tags, comma-separated. */
  tags: tagsValue,
  /** The contact's IANA time zone. */
  timezone: timezoneValue,
  /** The contact's source in GoHighLevel. */
  contact_source: cleanText(200),
  /** The key/value pairs configured in the workflow action. */
  customData: z.record(z.string(), z.unknown()).nullish(),
  /** The sub-account (location). */
  location: z
    .object({
      /** Id of the location. */
      id: idValue,
      /** Name of the location. */
      name: optionalText,
    })
    .nullish()
    .transform((value) => value ?? undefined),
  /** The user the contact is assigned to. */
  user: z
    .object({
      /** The user's first name. */
      firstName: optionalText,
      /** The user's last name. */
      lastName: optionalText,
      /** The user's e-mail address. */
      email: optionalText,
      /** The user's phone. */
      phone: optionalText,
    })
    .nullish()
    .transform((value) => value ?? undefined),
  /** The workflow that posted the webhook. */
  workflow: z
    .object({
      /** Id of the workflow. */
      id: idValue,
      /** Name of the workflow. */
      name: optionalText,
    })
    .nullish()
    .transform((value) => value ?? undefined),
})

/** Drops the `undefined` values of an object; `undefined` when none is left. */
function compact(value: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined
  const entries = Object.entries(value).filter((entry): entry is [string, string] => entry[1] !== undefined)
  return entries.length > 0 ? Object.fromEntries(entries) : undefined
}

function workflowToRawLead(input: z.output<typeof WorkflowFields>): RawLead {
  const custom: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input.customData ?? {})) safeSet(custom, key, value)
  if (input.location?.id !== undefined) custom.locationId = input.location.id
  if (input.location?.name !== undefined) custom.locationName = input.location.name
  if (input.contact_source !== undefined) custom.ghlSource = input.contact_source
  const user = compact(input.user)
  if (user !== undefined) custom.assignedUser = user
  if (input.workflow?.id !== undefined) custom.workflowId = input.workflow.id
  if (input.workflow?.name !== undefined) custom.workflowName = input.workflow.name
  // A `priority` key among the action's custom data is honoured when it is a known priority.
  const priority = typeof custom.priority === 'string' ? parsePriority(custom.priority) : undefined
  return withOptional(
    { source: GOHIGHLEVEL_SOURCE, tags: input.tags, custom },
    {
      name: input.full_name,
      firstName: input.first_name,
      lastName: input.last_name,
      phone: input.phone,
      country: input.country,
      email: input.email,
      company: input.company_name,
      externalId: input.contact_id,
      priority,
      timezone: input.timezone,
    },
  )
}

/**
 * Zod schema of the body a GoHighLevel workflow "Webhook" action posts: snake_case contact fields
 * at the root (`contact_id`, `first_name`, `last_name`, `full_name`, `email`, `phone`, `tags` as a
 * comma-separated string, `timezone`, `contact_source`, `country`), `customData` (the action's
 * key/value pairs), `location { id, name, … }` and `user { firstName, lastName, email, phone }`
 * (the assigned user). Other keys are ignored. It gives the {@link RawLead} the body maps to (see
 * {@link fromGoHighLevelWorkflow}).
 */
export const GoHighLevelWorkflowSchema = WorkflowFields.transform(workflowToRawLead)
/** A GoHighLevel workflow "Webhook" action body, see {@link GoHighLevelWorkflowSchema}. */
export type GoHighLevelWorkflow = z.input<typeof GoHighLevelWorkflowSchema>

/**
 * Maps a GoHighLevel workflow "Webhook" action body to a {@link RawLead}: source `gohighlevel`
 * (`contact_source` kept as `custom.ghlSource`), external id `contact_id`, and `custom` holding the
 * action's `customData` pairs plus `locationId`, `locationName`, `assignedUser`, `workflowId` and
 * `workflowName`. A `priority` in `customData` is used when it is a known priority.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` listing every problem of the payload.
 */
export function fromGoHighLevelWorkflow(input: unknown): RawLead {
  return parseWith(GoHighLevelWorkflowSchema, input)
}
