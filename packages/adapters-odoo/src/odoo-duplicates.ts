/**
 * Finding the open `crm.lead` a new lead duplicates: same phone (as Odoo sanitizes it, or as
 * written) or same e-mail (normalized), still active (not lost) and not in a won stage.
 *
 * @module
 */
import { type CrmLeadInput, LeadCallError } from '@leadcall/core/provider'
import { z } from 'zod'
import type { OdooClient } from './odoo-client.js'
import { fieldOf, type LeadValuesConfig } from './odoo-lead-values.js'
import type { OdooOptions } from './odoo-options.js'

/** One leaf of an Odoo domain: `[field, operator, value]`. */
export type OdooDomainLeaf = [field: string, operator: string, value: unknown]
/** An Odoo domain, in Polish notation: leaves and the operators `&`, `|`, `!` before them. */
export type OdooDomain = (OdooDomainLeaf | '&' | '|' | '!')[]

/** `n` leaves joined by `|`: n − 1 operators in front. */
function anyOf(leaves: OdooDomainLeaf[]): OdooDomain {
  return [...leaves.slice(1).map(() => '|' as const), ...leaves]
}

/**
 * The domain of the open leads a new lead duplicates:
 *
 * ```
 * (phone_sanitized = phone | <phone field> = phone | email_normalized = email)
 * & active = true
 * & (stage_id = false | stage_id.is_won = false)
 * ```
 *
 * The phone is also compared as written in the phone field (`fieldMap.phone`, default `phone`).
 * `phone_sanitized` and `email_normalized` are the stored, normalized forms Odoo keeps of a lead's
 * phone (E.164) and e-mail (lower case), so `+1 415-555-0199` typed by a salesperson matches the
 * lead's `+14155550199`. Lost leads are archived (`active = false`); won ones are in a stage with
 * `is_won`.
 */
export function duplicateDomain(
  input: CrmLeadInput,
  options: Pick<OdooOptions, 'fieldMap'> = {},
): OdooDomain {
  const phone = input.lead.phone
  const keys: OdooDomainLeaf[] = [['phone_sanitized', '=', phone]]
  const phoneField = fieldOf(options.fieldMap ? { fieldMap: options.fieldMap } : {}, 'phone')
  if (phoneField !== undefined) keys.push([phoneField, '=', phone])
  const email = input.lead.email ?? input.qualification?.extracted.email?.trim().toLowerCase()
  if (email !== undefined && email !== '') keys.push(['email_normalized', '=', email.toLowerCase()])
  return [
    ...anyOf(keys),
    ['active', '=', true],
    '|',
    ['stage_id', '=', false],
    ['stage_id.is_won', '=', false],
  ]
}

const RecordsSchema = z.array(z.looseObject({ id: z.number().int().positive() }))

/**
 * The most recent open lead `input` duplicates, with `fields`, or `undefined` when there is none.
 * @internal
 */
export async function findOpenDuplicate(
  client: OdooClient,
  input: CrmLeadInput,
  config: LeadValuesConfig,
  fields: readonly string[],
  signal?: AbortSignal,
): Promise<(Record<string, unknown> & { id: number }) | undefined> {
  const found = RecordsSchema.safeParse(
    await client.executeKw(
      'crm.lead',
      'search_read',
      [duplicateDomain(input, config.fieldMap ? { fieldMap: config.fieldMap } : {})],
      { fields: [...fields], limit: 1, order: 'id desc' },
      signal,
    ),
  )
  if (!found.success) {
    throw new LeadCallError('CONTACT_CREATION_FAILED', {
      message: 'Odoo answered crm.lead.search_read with an unexpected value',
      details: { operation: 'crm.lead.search_read' },
      retryable: false,
    })
  }
  return found.data[0]
}
