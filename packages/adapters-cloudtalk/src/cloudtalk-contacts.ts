/**
 * Contacts at CloudTalk: find by phone, create or update one lead (`PUT /contacts/add.json`,
 * `POST /contacts/edit/{id}.json`), sync many with `POST /bulk/contacts.json`, and move a contact
 * between the agents' campaign tags.
 *
 * @module
 */
import { type ContactSyncResult, type Lead, LeadCallError } from '@leadcall/core/provider'
import { type CloudTalkApi, vendorStatusOf } from './cloudtalk-api.js'
import { digitsOf, sameNumber } from './cloudtalk-correlation.js'
import { CloudTalkStatusEnvelopeSchema } from './cloudtalk-envelope.js'
import {
  CloudTalkBulkEnvelopeSchema,
  type CloudTalkBulkResult,
  CloudTalkContactShowEnvelopeSchema,
  CloudTalkContactsEnvelopeSchema,
  CloudTalkCreatedEnvelopeSchema,
} from './cloudtalk-schemas.js'

/** The most actions CloudTalk takes in one bulk request. */
export const CLOUDTALK_BULK_MAX_ACTIONS = 10

/** Options of {@link CloudTalkProvider.bulkSyncContacts}. */
export interface CloudTalkBulkSyncOptions {
  /** Cancels the sync: requests not yet sent are not sent. */
  signal?: AbortSignal
  /**
   * How existing contacts are found before creating: `search` (default) looks each new phone up
   * with `GET /contacts/index.json?keyword=` (one request per lead), `cache` only uses the contacts
   * this provider already synced (no extra request, but a contact created elsewhere is created
   * again).
   */
  dedupe?: 'search' | 'cache'
}

/** The result of one lead of {@link CloudTalkProvider.bulkSyncContacts}, in the order given. */
export type CloudTalkBulkSyncResult =
  | {
      /** The lead. */
      lead: Lead
      /** Synced. */
      ok: true
      /** The contact's id at CloudTalk. */
      contactId: string
      /** True when an existing contact was updated. */
      updated: boolean
    }
  | {
      /** The lead. */
      lead: Lead
      /** Not synced. */
      ok: false
      /** Why: `CONTACT_CREATION_FAILED` with CloudTalk's message and fields, `RATE_LIMITED`, … */
      error: LeadCallError
    }

/** What moving a contact to a campaign tag did. @internal */
export interface TagAssignment {
  /** The contact's id. */
  contactId: string
  /** True when the contact was created for it. */
  created: boolean
  /** Tags added. */
  added: string[]
  /** Tags removed (other agents' campaign tags). */
  removed: string[]
}

/** Settings of the contacts module. @internal */
export interface ContactsConfig {
  /** The REST client. */
  api: CloudTalkApi
  /** Tags every created contact gets. */
  contactTags: readonly string[]
  /** Whether syncing an existing contact updates its name and company. */
  updateExisting: boolean
  /** Create campaign tags (`PUT /tags/add.json`) before first use. */
  ensureTags: boolean
  /** How long a phone → contact id stays cached (ms). */
  cacheMs: number
}

/** The contacts module. @internal */
export interface Contacts {
  /** The id of the contact with the lead's phone, when CloudTalk has one. */
  find(lead: Lead, signal?: AbortSignal): Promise<string | undefined>
  /** Creates or updates the lead's contact. */
  sync(lead: Lead, signal?: AbortSignal): Promise<ContactSyncResult>
  /** Syncs many leads with bulk requests. */
  bulk(leads: readonly Lead[], options?: CloudTalkBulkSyncOptions): Promise<CloudTalkBulkSyncResult[]>
  /** Gives the lead's contact `tag` and removes the other tags of `campaignTags`. */
  assignTag(
    lead: Lead,
    tag: string,
    campaignTags: readonly string[],
    signal?: AbortSignal,
  ): Promise<TagAssignment>
}

const MAX_CACHE = 5000

function truncate(value: string, max: number): string {
  return value.length <= max ? value : value.slice(0, max)
}

/** The body of `PUT /contacts/add.json` for a lead (PascalCase arrays, as CloudTalk wants). @internal */
export function contactBody(lead: Lead, tags: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { name: truncate(lead.fullName, 150) }
  if (lead.company !== undefined) body.company = truncate(lead.company, 100)
  body.ContactNumber = [{ public_number: lead.phone }]
  if (lead.email !== undefined) body.ContactEmail = [{ email: lead.email }]
  const unique = [...new Set(tags)]
  if (unique.length > 0) body.ContactsTag = unique.map((name) => ({ name }))
  return body
}

/** The body of `POST /contacts/edit/{id}.json`: scalars only, so no array of the contact is replaced. @internal */
export function contactEditBody(lead: Lead): Record<string, unknown> {
  const body: Record<string, unknown> = { name: truncate(lead.fullName, 150) }
  if (lead.company !== undefined) body.company = truncate(lead.company, 100)
  return body
}

function checkPhone(lead: Lead): void {
  if (!/^\+[1-9]\d{6,14}$/.test(lead.phone)) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'The lead has no E.164 phone to sync to CloudTalk',
      details: { issues: [{ path: 'lead.phone', message: 'Expected an E.164 number' }] },
      retryable: false,
    })
  }
}

/** Creates the contacts module. @internal */
export function createContacts(config: ContactsConfig): Contacts {
  const { api } = config
  /** Phone digits → contact id, most recently used last. */
  const cache = new Map<string, { id: string; at: number }>()
  /** Operations on one phone run one after the other (a sync and a campaign dial of one lead). */
  const locks = new Map<string, Promise<unknown>>()
  const ensured = new Set<string>()

  function cached(digits: string): string | undefined {
    const entry = cache.get(digits)
    if (!entry) return undefined
    if (Date.now() - entry.at > config.cacheMs) {
      cache.delete(digits)
      return undefined
    }
    return entry.id
  }

  function remember(digits: string, id: string): void {
    cache.delete(digits)
    cache.set(digits, { id, at: Date.now() })
    while (cache.size > MAX_CACHE) {
      const oldest = cache.keys().next().value
      if (oldest === undefined) break
      cache.delete(oldest)
    }
  }

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

  /**
   * Searches by the number's digits: CloudTalk documents no phone filter, only `keyword`
   * (UNCONFIRMED whether it matches numbers), so the results are also checked here.
   */
  async function search(lead: Lead, signal?: AbortSignal): Promise<string | undefined> {
    const digits = digitsOf(lead.phone)
    const page = await api.request(
      {
        name: 'search contacts',
        method: 'get',
        path: '/contacts/index.json',
        query: { keyword: digits, limit: 50 },
        schema: CloudTalkContactsEnvelopeSchema,
        priority: 'contacts',
        kind: 'contact',
      },
      signal,
    )
    const found = page.responseData.data.find((item) =>
      (item.ContactNumber ?? []).some((number) => sameNumber(number, lead.phone)),
    )
    return found?.Contact.id
  }

  async function find(lead: Lead, signal?: AbortSignal): Promise<string | undefined> {
    const digits = digitsOf(lead.phone)
    const hit = cached(digits)
    if (hit !== undefined) return hit
    const id = await search(lead, signal)
    if (id !== undefined) remember(digits, id)
    return id
  }

  async function create(lead: Lead, tags: readonly string[], signal?: AbortSignal): Promise<string> {
    const created = await api.request(
      {
        name: 'add contact',
        method: 'put',
        path: '/contacts/add.json',
        json: contactBody(lead, tags),
        schema: CloudTalkCreatedEnvelopeSchema,
        priority: 'contacts',
        kind: 'contact',
      },
      signal,
    )
    remember(digitsOf(lead.phone), created.responseData.data.id)
    return created.responseData.data.id
  }

  async function edit(id: string, lead: Lead, signal?: AbortSignal): Promise<void> {
    await api.request(
      {
        name: 'edit contact',
        method: 'post',
        path: `/contacts/edit/${encodeURIComponent(id)}.json`,
        json: contactEditBody(lead),
        schema: CloudTalkStatusEnvelopeSchema,
        priority: 'contacts',
        kind: 'contact',
      },
      signal,
    )
  }

  async function tagsOf(id: string, signal?: AbortSignal): Promise<Set<string>> {
    const shown = await api.request(
      {
        name: 'show contact',
        method: 'get',
        path: `/contacts/show/${encodeURIComponent(id)}.json`,
        schema: CloudTalkContactShowEnvelopeSchema,
        priority: 'contacts',
        kind: 'contact',
      },
      signal,
    )
    const names = new Set<string>()
    const data = shown.responseData
    for (const tag of [...(data.ContactsTag ?? []), ...(data.Contact.tags ?? [])]) {
      if (tag.name) names.add(tag.name)
    }
    return names
  }

  async function changeTags(
    id: string,
    method: 'put' | 'delete',
    tags: string[],
    signal?: AbortSignal,
  ): Promise<void> {
    await api.request(
      {
        name: method === 'put' ? 'add contact tags' : 'remove contact tags',
        method,
        path: `/contacts/${method === 'put' ? 'addTags' : 'removeTags'}/${encodeURIComponent(id)}.json`,
        json: { tags },
        schema: CloudTalkStatusEnvelopeSchema,
        priority: 'contacts',
        kind: 'contact',
      },
      signal,
    )
  }

  /**
   * Creates the tag once per provider (whether CloudTalk creates unknown tag names given to a
   * contact is UNCONFIRMED); 406 means it exists already.
   */
  async function ensureTag(name: string, signal?: AbortSignal): Promise<void> {
    if (!config.ensureTags || ensured.has(name)) return
    try {
      await api.request(
        {
          name: 'add tag',
          method: 'put',
          path: '/tags/add.json',
          json: { name },
          schema: CloudTalkStatusEnvelopeSchema,
          priority: 'contacts',
          kind: 'contact',
        },
        signal,
      )
    } catch (error) {
      if (vendorStatusOf(error) !== 406) throw error
    }
    ensured.add(name)
  }

  const isGone = (error: unknown): boolean => vendorStatusOf(error) === 404

  return {
    find,

    sync(lead, signal) {
      checkPhone(lead)
      return locked(digitsOf(lead.phone), async () => {
        const id = await find(lead, signal)
        if (id !== undefined) {
          if (!config.updateExisting) return { contactId: id, updated: true }
          try {
            await edit(id, lead, signal)
            return { contactId: id, updated: true }
          } catch (error) {
            if (!isGone(error)) throw error
            // Deleted at CloudTalk since it was cached: create it again.
            cache.delete(digitsOf(lead.phone))
          }
        }
        return { contactId: await create(lead, config.contactTags, signal) }
      })
    },

    assignTag(lead, tag, campaignTags, signal) {
      checkPhone(lead)
      return locked(digitsOf(lead.phone), async () => {
        await ensureTag(tag, signal)
        const id = await find(lead, signal)
        if (id !== undefined) {
          let current: Set<string> | undefined
          try {
            current = await tagsOf(id, signal)
          } catch (error) {
            if (!isGone(error)) throw error
            cache.delete(digitsOf(lead.phone))
          }
          if (current) {
            // Remove first: the contact is never in two agents' campaigns at once.
            const removed = campaignTags.filter((other) => other !== tag && current.has(other))
            if (removed.length > 0) await changeTags(id, 'delete', removed, signal)
            const added = current.has(tag) ? [] : [tag]
            if (added.length > 0) await changeTags(id, 'put', added, signal)
            return { contactId: id, created: false, added, removed }
          }
        }
        const contactId = await create(lead, [...config.contactTags, tag], signal)
        return { contactId, created: true, added: [tag], removed: [] }
      })
    },

    async bulk(leads, options = {}) {
      const { signal } = options
      const results: (CloudTalkBulkSyncResult | undefined)[] = leads.map(() => undefined)
      /** One action per phone; the leads that share it. */
      const actions: { command: string; body: Record<string, unknown>; indexes: number[]; id?: string }[] = []
      const byDigits = new Map<string, (typeof actions)[number]>()
      for (const [index, lead] of leads.entries()) {
        try {
          checkPhone(lead)
        } catch (error) {
          results[index] = { lead, ok: false, error: error as LeadCallError }
          continue
        }
        const digits = digitsOf(lead.phone)
        const same = byDigits.get(digits)
        if (same) {
          same.indexes.push(index)
          continue
        }
        let id: string | undefined
        try {
          id = options.dedupe === 'cache' ? cached(digits) : await find(lead, signal)
        } catch (error) {
          if (signal?.aborted) throw signal.reason
          results[index] = { lead, ok: false, error: error as LeadCallError }
          continue
        }
        if (id !== undefined && !config.updateExisting) {
          results[index] = { lead, ok: true, contactId: id, updated: true }
          continue
        }
        const command = `lc-${index}`
        const body =
          id === undefined
            ? { action: 'add_contact', command_id: command, data: contactBody(lead, config.contactTags) }
            : {
                action: 'edit_contact',
                command_id: command,
                data: { id: Number(id), ...contactEditBody(lead) },
              }
        const action = { command, body, indexes: [index], ...(id === undefined ? {} : { id }) }
        actions.push(action)
        byDigits.set(digits, action)
      }

      for (let start = 0; start < actions.length; start += CLOUDTALK_BULK_MAX_ACTIONS) {
        const chunk = actions.slice(start, start + CLOUDTALK_BULK_MAX_ACTIONS)
        let items: CloudTalkBulkResult[] | undefined
        let failure: LeadCallError | undefined
        try {
          const answer = await api.request(
            {
              name: 'bulk contacts',
              method: 'post',
              path: '/bulk/contacts.json',
              json: chunk.map((action) => action.body),
              schema: CloudTalkBulkEnvelopeSchema,
              priority: 'contacts',
              kind: 'contact',
            },
            signal,
          )
          items = answer.responseData.data
        } catch (error) {
          if (signal?.aborted) throw signal.reason
          failure = LeadCallError.isInstance(error)
            ? error
            : new LeadCallError('CONTACT_CREATION_FAILED', { message: 'The bulk request failed' })
        }
        for (const action of chunk) {
          const item = items?.find((result) => result.command_id === action.command)
          const outcome = failure ?? itemOutcome(item, action)
          for (const index of action.indexes) {
            const lead = leads[index] as Lead
            if (LeadCallError.isInstance(outcome)) {
              results[index] = { lead, ok: false, error: outcome }
            } else {
              remember(digitsOf(lead.phone), outcome.contactId)
              results[index] = { lead, ok: true, ...outcome }
            }
          }
        }
      }
      return results.map(
        (result, index) =>
          result ?? {
            lead: leads[index] as Lead,
            ok: false,
            error: new LeadCallError('CONTACT_CREATION_FAILED', { message: 'The lead was not synced' }),
          },
      )
    },
  }
}

/** The outcome of one bulk action from its result item. */
function itemOutcome(
  item: CloudTalkBulkResult | undefined,
  action: { command: string; id?: string },
): LeadCallError | { contactId: string; updated: boolean } {
  if (!item) {
    return new LeadCallError('CONTACT_CREATION_FAILED', {
      message: `CloudTalk's bulk answer has no result for command ${action.command}`,
      details: { commandId: action.command },
    })
  }
  if (item.status === 200 || item.status === 201) {
    if (action.id !== undefined) return { contactId: action.id, updated: true }
    const data = item.data as { id?: unknown } | undefined
    const id = typeof data?.id === 'string' || typeof data?.id === 'number' ? String(data.id) : undefined
    if (id !== undefined && id !== '') return { contactId: id, updated: false }
    return new LeadCallError('CONTACT_CREATION_FAILED', {
      message: `CloudTalk created contact ${action.command} but did not give its id`,
      details: { commandId: action.command, cloudtalkStatus: item.status },
    })
  }
  return new LeadCallError(item.status === 429 ? 'RATE_LIMITED' : 'CONTACT_CREATION_FAILED', {
    message: `CloudTalk refused bulk command ${action.command}: ${item.status} ${item.message ?? ''}`.trim(),
    details: {
      commandId: action.command,
      cloudtalkStatus: item.status,
      ...(item.data === undefined ? {} : { fields: item.data }),
    },
    ...(item.status >= 500 || item.status === 429 ? {} : { retryable: false }),
  })
}
