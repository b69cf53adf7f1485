/**
 * From a lead, its classification and its summary to `crm.lead` values: the record's name,
 * contact fields, priority, an HTML description, custom fields, and the plain-text note posted on
 * a duplicate.
 *
 * @module
 */
import { type CrmLeadInput, type LeadQuality, UNKNOWN_CONTACT } from '@leadcall/core/provider'
import {
  DEFAULT_ODOO_PRIORITIES,
  type OdooCustomFieldValue,
  type OdooLeadField,
  type OdooPriority,
  type OdooValueSource,
} from './odoo-options.js'

/** What the values depend on besides the input. @internal */
export interface LeadValuesConfig {
  /** Standard fields sent elsewhere or left out. */
  fieldMap?: Partial<Record<OdooLeadField, string | false>>
  /** Custom fields and their values. */
  customFields?: Readonly<Record<string, OdooCustomFieldValue>>
  /** Priorities per quality. */
  priorities?: Partial<Record<LeadQuality, OdooPriority>>
  /** The record's name. */
  leadName?: (input: CrmLeadInput) => string
  /** `lead` or `opportunity`; absent: Odoo's default. */
  type?: 'lead' | 'opportunity'
  /** Sales team id. */
  teamId?: number
  /** Salesperson id. */
  userId?: number
}

/** Ids found or created for the record's many2one and many2many fields. @internal */
export interface LeadReferences {
  /** `crm.tag` ids. */
  tagIds: readonly number[]
  /** The `utm.source` id. */
  sourceId?: number
}

/** The Odoo field a standard field is written to, or `undefined` when it is left out. @internal */
export function fieldOf(config: LeadValuesConfig, field: OdooLeadField): string | undefined {
  const mapped = config.fieldMap?.[field]
  if (mapped === false) return undefined
  return mapped ?? field
}

/** The contact's name: the lead's, else the one the classifier heard; `undefined` when neither is known. */
export function contactNameOf(input: CrmLeadInput): string | undefined {
  const { lead } = input
  if (lead.fullName !== UNKNOWN_CONTACT.fullName) return lead.fullName
  return input.qualification?.extracted.name
}

/** The e-mail: the lead's, else the one the classifier found. */
function emailOf(input: CrmLeadInput): string | undefined {
  return input.lead.email ?? input.qualification?.extracted.email?.trim().toLowerCase()
}

/**
 * The record's name, the title salespeople see in the pipeline: `<product interest> — <contact>`,
 * or the contact alone; the contact is the name, else the phone.
 */
export function defaultLeadName(input: CrmLeadInput): string {
  const contact = contactNameOf(input) ?? input.lead.phone
  const product = input.qualification?.extracted.productInterest
  return product === undefined ? contact : `${product} — ${contact}`
}

/** `2000 EUR`, the text of a budget. @internal */
export function budgetText(input: CrmLeadInput): string | undefined {
  const budget = input.qualification?.extracted.budget
  return budget === undefined ? undefined : `${budget.amount} ${budget.currency}`
}

/**
 * The priority of the record: from the quality (hot `'2'`, or `'3'` when urgent; warm `'1'`;
 * cold `'0'`; or as configured), else from a lead marked `urgent` (`'3'`) or `high` (`'2'`);
 * `undefined` leaves Odoo's default.
 */
export function priorityOf(
  input: CrmLeadInput,
  priorities: Partial<Record<LeadQuality, OdooPriority>> = {},
): OdooPriority | undefined {
  const qualification = input.qualification
  if (qualification !== undefined) {
    const configured = priorities[qualification.quality]
    if (configured !== undefined) return configured
    if (qualification.quality === 'hot' && qualification.extracted.urgency === 'high') return '3'
    return DEFAULT_ODOO_PRIORITIES[qualification.quality]
  }
  if (input.lead.priority === 'urgent') return '3'
  if (input.lead.priority === 'high') return '2'
  return undefined
}

/** The value of a named source for a custom field. @internal */
export function sourceValue(source: OdooValueSource, input: CrmLeadInput): unknown {
  const q = input.qualification
  switch (source) {
    case 'productInterest':
      return q?.extracted.productInterest
    case 'budget':
      return budgetText(input)
    case 'budgetAmount':
      return q?.extracted.budget?.amount
    case 'budgetCurrency':
      return q?.extracted.budget?.currency
    case 'urgency':
      return q?.extracted.urgency
    case 'quality':
      return q?.quality
    case 'score':
      return q?.score
    case 'intent':
      return q?.intent
    case 'language':
      return q?.language
    case 'reasons':
      return q === undefined || q.reasons.length === 0 ? undefined : q.reasons.join('\n')
    case 'summary':
      return input.summary
    case 'leadId':
      return input.lead.id
    case 'source':
      return input.lead.source
    case 'externalId':
      return input.lead.externalId
    case 'company':
      return input.lead.company
  }
}

/** The custom fields' values; unknown values are left out. @internal */
export function customValues(
  input: CrmLeadInput,
  customFields: Readonly<Record<string, OdooCustomFieldValue>> = {},
): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(customFields)) {
    const resolved = typeof value === 'function' ? value(input) : sourceValue(value, input)
    if (resolved !== undefined) values[field] = resolved
  }
  return values
}

/** Escapes text for HTML. @internal */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** The facts of the classification, as label and value pairs. */
function facts(input: CrmLeadInput): [string, string][] {
  const q = input.qualification
  if (q === undefined) return []
  const list: [string, string | undefined][] = [
    ['Product interest', q.extracted.productInterest],
    ['Budget', budgetText(input)],
    ['Urgency', q.extracted.urgency],
    ['City', q.extracted.city],
    ['Intent', q.intent],
    ['Language', q.language],
  ]
  return list.filter((pair): pair is [string, string] => pair[1] !== undefined)
}

/** `hot, score 87/100`. */
function qualityLine(input: CrmLeadInput): string | undefined {
  const q = input.qualification
  return q === undefined ? undefined : `${q.quality}, score ${q.score}/100`
}

/**
 * The record's description (an HTML field): the conversation summary, then the classifier's
 * analysis (quality, score, product, budget, urgency, reasons). Every text is escaped.
 * `undefined` when there is neither summary nor classification.
 */
export function descriptionHtml(input: CrmLeadInput): string | undefined {
  const q = input.qualification
  const parts: string[] = []
  if (input.summary !== undefined && input.summary.trim() !== '') {
    const lines = input.summary.trim().split(/\r?\n/).map(escapeHtml).join('<br>')
    parts.push(`<p><strong>Conversation summary</strong></p><p>${lines}</p>`)
  }
  if (q !== undefined) {
    parts.push(`<p><strong>Qualification</strong>: ${escapeHtml(qualityLine(input) ?? '')}</p>`)
    const items = facts(input).map(([label, value]) => `<li>${label}: ${escapeHtml(value)}</li>`)
    if (items.length > 0) parts.push(`<ul>${items.join('')}</ul>`)
    if (q.reasons.length > 0) {
      parts.push(
        `<p><strong>Reasons</strong></p><ul>${q.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`,
      )
    }
    parts.push(`<p>Classified by ${escapeHtml(q.classifier)} (confidence ${q.confidence.toFixed(2)})</p>`)
  }
  return parts.length === 0 ? undefined : parts.join('\n')
}

/**
 * The note posted on a duplicate, as plain text (Odoo escapes a text body posted over RPC, so
 * HTML would show as tags): who wrote again, the new summary and analysis.
 */
export function noteText(input: CrmLeadInput): string {
  const { lead } = input
  const contact = [contactNameOf(input), lead.phone, emailOf(input)].filter(Boolean).join(', ')
  const lines = [`New conversation from ${contact}`]
  if (input.summary !== undefined && input.summary.trim() !== '')
    lines.push(`Summary: ${input.summary.trim()}`)
  const quality = qualityLine(input)
  if (quality !== undefined) lines.push(`Qualification: ${quality}`)
  for (const [label, value] of facts(input)) lines.push(`${label}: ${value}`)
  const reasons = input.qualification?.reasons ?? []
  if (reasons.length > 0) lines.push(`Reasons: ${reasons.join('; ')}`)
  return lines.join('\n')
}

/** Sets `field` (as mapped) to `value` when both are defined. */
function put(
  values: Record<string, unknown>,
  config: LeadValuesConfig,
  field: OdooLeadField,
  value: unknown,
): void {
  const name = fieldOf(config, field)
  if (name !== undefined && value !== undefined) values[name] = value
}

/** The contact fields of the input, keyed by standard field. */
function contactFields(input: CrmLeadInput): Partial<Record<OdooLeadField, string>> {
  const fields: Partial<Record<OdooLeadField, string>> = { phone: input.lead.phone }
  const contact = contactNameOf(input)
  if (contact !== undefined) fields.contact_name = contact
  if (input.lead.company !== undefined) fields.partner_name = input.lead.company
  const email = emailOf(input)
  if (email !== undefined) fields.email_from = email
  const city = input.qualification?.extracted.city
  if (city !== undefined) fields.city = city
  return fields
}

/** The values of `crm.lead.create` for a new lead. @internal */
export function createValues(
  input: CrmLeadInput,
  config: LeadValuesConfig,
  references: LeadReferences,
): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  put(values, config, 'name', (config.leadName ?? defaultLeadName)(input))
  for (const [field, value] of Object.entries(contactFields(input))) {
    put(values, config, field as OdooLeadField, value)
  }
  put(values, config, 'description', descriptionHtml(input))
  put(values, config, 'priority', priorityOf(input, config.priorities))
  if (config.type !== undefined) values.type = config.type
  if (config.teamId !== undefined) values.team_id = config.teamId
  if (config.userId !== undefined) values.user_id = config.userId
  if (references.sourceId !== undefined) values.source_id = references.sourceId
  // Command 6: replace the (empty) set of tags with these.
  if (references.tagIds.length > 0) values.tag_ids = [[6, 0, [...references.tagIds]]]
  return { ...values, ...customValues(input, config.customFields) }
}

/** The fields of an existing record {@link updateValues} reads. @internal */
export function fieldsToRead(config: LeadValuesConfig): string[] {
  const standard: OdooLeadField[] = [
    'contact_name',
    'partner_name',
    'email_from',
    'phone',
    'city',
    'priority',
  ]
  const names = standard.map((field) => fieldOf(config, field)).filter((name) => name !== undefined)
  return [...new Set([...names, 'tag_ids'])]
}

const isEmpty = (value: unknown) => value === undefined || value === null || value === false || value === ''

/**
 * The values of `crm.lead.write` for an open duplicate: contact fields it lacks, a higher
 * priority, the custom fields (the latest classification wins), and tags linked (command 4). The
 * name and description are kept: the new conversation goes in a note. @internal
 */
export function updateValues(
  input: CrmLeadInput,
  existing: Readonly<Record<string, unknown>>,
  config: LeadValuesConfig,
  tagIds: readonly number[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(contactFields(input))) {
    const name = fieldOf(config, field as OdooLeadField)
    if (name !== undefined && isEmpty(existing[name])) values[name] = value
  }
  const priorityField = fieldOf(config, 'priority')
  const priority = priorityOf(input, config.priorities)
  if (priorityField !== undefined && priority !== undefined) {
    const current = Number(existing[priorityField] ?? 0)
    if (!(Number(priority) <= current)) values[priorityField] = priority
  }
  const current = new Set(Array.isArray(existing.tag_ids) ? existing.tag_ids : [])
  const added = tagIds.filter((tag) => !current.has(tag))
  if (added.length > 0) values.tag_ids = added.map((tag) => [4, tag])
  return { ...values, ...customValues(input, config.customFields) }
}
