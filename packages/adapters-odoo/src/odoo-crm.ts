/**
 * The Odoo CRM adapter: {@link odoo}.
 *
 * @module
 */
import { setMaxListeners } from 'node:events'
import {
  type CrmAdapterV1,
  type CrmCallOptions,
  type CrmCapabilities,
  type CrmLeadInput,
  type CrmLeadResult,
  LeadCallError,
  normalizeTags,
} from '@leadcall/core/provider'
import { z } from 'zod'
import { createOdooClient, faultDetailsOf } from './odoo-client.js'
import { findOpenDuplicate } from './odoo-duplicates.js'
import {
  createValues,
  fieldsToRead,
  type LeadValuesConfig,
  noteText,
  updateValues,
} from './odoo-lead-values.js'
import { createNamedRecords } from './odoo-named-records.js'
import { type OdooOptions, resolveOdooOptions } from './odoo-options.js'

/** The Odoo CRM adapter: a {@link CrmAdapterV1} with notes always available. */
export interface OdooCrm extends CrmAdapterV1 {
  /**
   * Posts an internal note (`message_post`, subtype `mail.mt_note`) on the `crm.lead` with this
   * id. The text is sent as plain text: Odoo escapes it.
   */
  addNote(recordId: string, text: string, options?: CrmCallOptions): Promise<void>
  /** Aborts the requests in flight (they reject with `CONTACT_CREATION_FAILED`) and refuses new ones. */
  close(): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 15_000

const CreatedIdSchema = z.union([
  z.number().int().positive(),
  z
    .array(z.number().int().positive())
    .length(1)
    .transform((ids) => ids[0] as number),
])

/**
 * Creates the Odoo CRM adapter, which writes qualified leads to `crm.lead` over Odoo's external
 * JSON-RPC API (`/jsonrpc`, `common.authenticate` then `object.execute_kw`).
 *
 * `upsertLead` looks for an open lead with the same phone or e-mail (active, not in a won stage):
 * when there is one, it fills the fields that lead lacks, raises its priority, links the tags,
 * writes the custom fields and posts an internal note with the new conversation, and answers
 * `{ action: 'updated', notePosted: true }`; otherwise it creates a lead with the name
 * (`<product> — <contact>`), contact, e-mail, phone, city, an HTML description (summary and the
 * classifier's analysis), a priority from the quality (hot `'2'`, or `'3'` when urgent; warm `'1'`;
 * cold `'0'`), tags (found or created as `crm.tag`), source, type, team, salesperson and custom
 * fields. Upserts of one phone run one after the other.
 *
 * The uid is cached after the first `common.authenticate`; a session-expired fault authenticates
 * again and retries once. Odoo's faults become `LeadCallError`s with the exception in
 * `details.odooException` and its kind in `details.reason` (see `parseJsonRpcResponse`); the
 * password or API key never appears in an error.
 *
 * @example
 * ```ts
 * import { odoo } from '@leadcall/odoo'
 *
 * const crm = odoo({
 *   url: 'https://acme.odoo.com',
 *   db: 'acme',
 *   username: 'bot@acme.com',
 *   apiKey: process.env.ODOO_API_KEY,
 *   tags: ['leadcall'],
 *   source: 'leadcall',
 *   customFields: { x_product_interest: 'productInterest', x_quality_score: 'score' },
 * })
 * const { id, action } = await crm.upsertLead({ lead, qualification, summary })
 * ```
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for invalid options (every problem listed).
 */
export function odoo(options: OdooOptions): OdooCrm {
  const settings = resolveOdooOptions(options)
  const name = options.name ?? 'odoo'
  const deduplicate = options.deduplicate ?? true
  const closer = new AbortController()
  // Every request in flight listens to it (one listener each, removed when it ends): no limit.
  setMaxListeners(0, closer.signal)
  const client = createOdooClient({
    endpoint: settings.endpoint,
    db: settings.db,
    username: settings.username,
    secret: settings.secret,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    closed: closer.signal,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const tags = createNamedRecords(client, 'crm.tag')
  const sources = createNamedRecords(client, 'utm.source')
  const config: LeadValuesConfig = {
    ...(options.fieldMap ? { fieldMap: options.fieldMap } : {}),
    ...(options.customFields ? { customFields: options.customFields } : {}),
    ...(options.priorities ? { priorities: options.priorities } : {}),
    ...(options.leadName ? { leadName: options.leadName } : {}),
    ...(options.type ? { type: options.type } : {}),
    ...(options.teamId !== undefined ? { teamId: options.teamId } : {}),
    ...(options.userId !== undefined ? { userId: options.userId } : {}),
  }
  const capabilities: CrmCapabilities = { deduplicate, deduplicateBy: ['phone', 'email'], notes: true }
  /** Upserts of one phone, one after the other. */
  const locks = new Map<string, Promise<unknown>>()

  function locked<T>(key: string, run: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve()
    const next = previous.then(run, run)
    const tail = next.catch(() => undefined)
    locks.set(key, tail)
    void tail.then(() => {
      if (locks.get(key) === tail) locks.delete(key)
    })
    return next
  }

  function checkOpen(signal: AbortSignal | undefined): void {
    signal?.throwIfAborted()
    if (closer.signal.aborted) {
      throw new LeadCallError('CONTACT_CREATION_FAILED', {
        message: 'The Odoo adapter is closed',
        retryable: false,
      })
    }
  }

  function tagNamesOf(input: CrmLeadInput): string[] {
    return normalizeTags([...(options.tags ?? []), ...input.lead.tags, ...(input.tags ?? [])])
  }

  /** True when the upsert would only use remembered tag and source ids. */
  function onlyRemembered(input: CrmLeadInput): boolean {
    const names = tagNamesOf(input)
    const source = options.source
    const usesTags = names.length > 0
    const usesSource = typeof source === 'string'
    return (
      (usesTags || usesSource) &&
      (!usesTags || tags.remembers(names)) &&
      (!usesSource || sources.remembers([source]))
    )
  }

  /**
   * Runs the upsert; when Odoo refuses it after it used only remembered tag or source ids, one of
   * them may have been deleted in Odoo since (a foreign key or missing record): forgets them and
   * runs it once more, looking them up again.
   */
  async function withFreshReferences<T>(input: CrmLeadInput, run: () => Promise<T>): Promise<T> {
    const remembered = onlyRemembered(input)
    try {
      return await run()
    } catch (error) {
      const reason = faultDetailsOf(error)?.reason
      if (reason !== 'missing_record' && reason !== 'validation') throw error
      tags.forget()
      sources.forget()
      if (!remembered) throw error
      return run()
    }
  }

  async function tagIdsOf(input: CrmLeadInput, signal?: AbortSignal): Promise<number[]> {
    const names = tagNamesOf(input)
    return names.length === 0 ? [] : tags.idsOf(names, signal)
  }

  async function sourceIdOf(signal?: AbortSignal): Promise<number | undefined> {
    const source = options.source
    if (source === undefined || typeof source === 'number') return source
    const [id] = await sources.idsOf([source], signal)
    return id
  }

  async function postNote(id: number, body: string, signal?: AbortSignal): Promise<void> {
    await client.executeKw(
      'crm.lead',
      'message_post',
      [[id]],
      { body, message_type: 'comment', subtype_xmlid: 'mail.mt_note' },
      signal,
    )
  }

  async function update(
    input: CrmLeadInput,
    existing: Record<string, unknown> & { id: number },
    signal?: AbortSignal,
  ): Promise<CrmLeadResult> {
    const values = updateValues(input, existing, config, await tagIdsOf(input, signal))
    if (Object.keys(values).length > 0) {
      await client.executeKw('crm.lead', 'write', [[existing.id], values], undefined, signal)
    }
    await postNote(existing.id, noteText(input), signal)
    return { id: String(existing.id), action: 'updated', notePosted: true }
  }

  async function create(input: CrmLeadInput, signal?: AbortSignal): Promise<CrmLeadResult> {
    const sourceId = await sourceIdOf(signal)
    const tagIds = await tagIdsOf(input, signal)
    const values = createValues(input, config, { tagIds, ...(sourceId === undefined ? {} : { sourceId }) })
    const created = CreatedIdSchema.safeParse(
      await client.executeKw('crm.lead', 'create', [values], undefined, signal),
    )
    if (!created.success) {
      throw new LeadCallError('CONTACT_CREATION_FAILED', {
        message: 'Odoo answered crm.lead.create without the new id; the lead may have been created',
        details: { operation: 'crm.lead.create' },
        retryable: false,
      })
    }
    return { id: String(created.data), action: 'created' }
  }

  return {
    specificationVersion: 'v1',
    name,
    capabilities,

    async upsertLead(input: CrmLeadInput, callOptions: CrmCallOptions = {}): Promise<CrmLeadResult> {
      const { signal } = callOptions
      checkOpen(signal)
      return locked(input.lead.phone.replace(/\D/g, ''), () =>
        withFreshReferences(input, async () => {
          checkOpen(signal)
          if (deduplicate) {
            const existing = await findOpenDuplicate(client, input, config, fieldsToRead(config), signal)
            if (existing !== undefined) return update(input, existing, signal)
          }
          return create(input, signal)
        }),
      )
    },

    async addNote(recordId: string, text: string, callOptions: CrmCallOptions = {}): Promise<void> {
      const { signal } = callOptions
      checkOpen(signal)
      if (!/^[1-9]\d{0,17}$/.test(recordId) || text.trim() === '') {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'addNote needs the numeric id of a crm.lead and a non-empty text',
          details: { recordId },
          retryable: false,
        })
      }
      await postNote(Number(recordId), text, signal)
    },

    async close(): Promise<void> {
      if (closer.signal.aborted) return
      closer.abort(
        new LeadCallError('CONTACT_CREATION_FAILED', {
          message: 'The Odoo adapter is closed',
          retryable: false,
        }),
      )
    },
  }
}
