/**
 * Records found by name, created when missing: `crm.tag` for tags, `utm.source` for the source.
 * Ids are remembered for the adapter's life.
 *
 * @internal
 * @module
 */
import { LeadCallError } from '@leadcall/core/provider'
import { z } from 'zod'
import type { OdooClient } from './odoo-client.js'

/** Finds or creates records of one model by their `name`. @internal */
export interface NamedRecords {
  /** The ids of the records with these names, in the same order; missing ones are created. */
  idsOf(names: readonly string[], signal?: AbortSignal): Promise<number[]>
  /** True when every one of `names` has a remembered id (so `idsOf` asks Odoo nothing). */
  remembers(names: readonly string[]): boolean
  /** Forgets the remembered ids (after Odoo said one no longer exists). */
  forget(): void
}

const FoundSchema = z.array(
  z.object({ id: z.number().int().positive(), name: z.union([z.string(), z.literal(false)]) }),
)
const CreatedSchema = z.union([
  z.number().int().positive(),
  z
    .array(z.number().int().positive())
    .length(1)
    .transform((ids) => ids[0] as number),
])

function unexpected(model: string, method: string): LeadCallError {
  return new LeadCallError('CONTACT_CREATION_FAILED', {
    message: `Odoo answered ${model}.${method} with an unexpected value`,
    details: { operation: `${model}.${method}` },
    retryable: false,
  })
}

/** Creates the finder of `model`'s records by name (`crm.tag`, `utm.source`). @internal */
export function createNamedRecords(client: OdooClient, model: string): NamedRecords {
  const known = new Map<string, number>()

  async function search(names: readonly string[], signal?: AbortSignal): Promise<void> {
    const found = FoundSchema.safeParse(
      await client.executeKw(
        model,
        'search_read',
        [[['name', 'in', [...names]]]],
        { fields: ['name'] },
        signal,
      ),
    )
    if (!found.success) throw unexpected(model, 'search_read')
    for (const record of found.data) {
      // `in` matches exactly; the first record of a name wins.
      if (typeof record.name === 'string' && !known.has(record.name)) known.set(record.name, record.id)
    }
  }

  async function create(name: string, signal?: AbortSignal): Promise<void> {
    try {
      const created = CreatedSchema.safeParse(
        await client.executeKw(model, 'create', [{ name }], undefined, signal),
      )
      if (!created.success) throw unexpected(model, 'create')
      known.set(name, created.data)
    } catch (error) {
      // Another process may have created it meanwhile (names are unique): take that one.
      if (!LeadCallError.isInstance(error) || error.code !== 'VALIDATION_FAILED') throw error
      await search([name], signal)
      if (!known.has(name)) throw error
    }
  }

  return {
    async idsOf(names, signal) {
      const unique = [...new Set(names)]
      const missing = unique.filter((name) => !known.has(name))
      if (missing.length > 0) await search(missing, signal)
      for (const name of missing) if (!known.has(name)) await create(name, signal)
      return unique.map((name) => known.get(name) as number)
    },
    remembers(names) {
      return names.every((name) => known.has(name))
    },
    forget() {
      known.clear()
    },
  }
}
