/**
 * CloudTalk as a CRM: {@link cloudtalkCrm}, a `CrmAdapterV1` on CloudTalk contacts and their notes,
 * built on the contact sync of the telephony provider (search by phone, create or update, cache).
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
  type Lead,
  LeadCallError,
  normalizeTags,
  UNKNOWN_CONTACT,
} from '@leadcall/core/provider'
import { type CloudTalkCredentials, createCloudTalkApi, vendorStatusOf } from './cloudtalk-api.js'
import { createContacts } from './cloudtalk-contacts.js'
import { CloudTalkStatusEnvelopeSchema } from './cloudtalk-envelope.js'
import { type CloudTalkRateLimiter, createCloudTalkRateLimiter } from './cloudtalk-rate-limiter.js'
import { CloudTalkCreatedEnvelopeSchema } from './cloudtalk-schemas.js'

/** Options of {@link cloudtalkCrm}. */
export interface CloudTalkCrmOptions {
  /** The API Access Key ID. Default: `CLOUDTALK_ACCESS_KEY_ID`. */
  accessKeyId?: string
  /** The API Access Key Secret. Default: `CLOUDTALK_ACCESS_KEY_SECRET`. */
  accessKeySecret?: string
  /** Tags every contact the adapter creates gets (default none). */
  contactTags?: readonly string[]
  /**
   * Create each tag (`PUT /tags/add.json`) before giving it to a contact (default true): CloudTalk
   * does not document whether unknown tag names are created.
   */
  ensureTags?: boolean
  /**
   * Post the conversation summary and the classifier's analysis as a contact note
   * (`PUT /notes/add/{contactId}.json`), and offer `addNote` (default true). With `false` the
   * adapter declares `notes: false` and keeps only the contact and its tags.
   */
  notes?: boolean
  /** The CloudTalk agent (`user_id`) the notes are written as (default: none, CloudTalk's default). */
  noteUserId?: number
  /**
   * Update the name and company of an existing contact with the lead's (default false: people may
   * have corrected them in CloudTalk; the new conversation goes in a note).
   */
  updateExistingContacts?: boolean
  /** How long a phone → contact id found or created is remembered, in ms (default 3600000). */
  contactCacheMs?: number
  /** The limiter of this company's requests, shared with the telephony provider (`provider.rateLimiter`). */
  rateLimiter?: CloudTalkRateLimiter
  /** The longest one request may take, in ms (default 10000); past it, `PROVIDER_TIMEOUT`. */
  timeoutMs?: number
  /** How many times a failed GET (the search) is retried (default 2); writes are never retried. */
  retries?: number
  /** The REST base URL (default `https://my.cloudtalk.io/api`). */
  baseUrl?: string
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** The adapter's name (default `cloudtalk`). */
  name?: string
}

/** CloudTalk as a CRM: a {@link CrmAdapterV1} on contacts, with the limiter it uses. */
export interface CloudTalkCrm extends CrmAdapterV1 {
  /**
   * Posts a note on the contact with this id (`PUT /notes/add/{id}.json`). Refused with
   * `VALIDATION_FAILED` when the adapter was created with `notes: false`.
   */
  addNote(recordId: string, text: string, options?: CrmCallOptions): Promise<void>
  /** The limiter every request goes through; pass it to the telephony provider of the same company. */
  readonly rateLimiter: CloudTalkRateLimiter
  /** Aborts the requests in flight (they reject with `CONTACT_CREATION_FAILED`) and refuses new ones. */
  close(): Promise<void>
}

const DEFAULTS = { timeoutMs: 10_000, retries: 2, contactCacheMs: 3_600_000 } as const

function env(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name]
  return value === undefined || value === '' ? undefined : value
}

function invalidOption(message: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', { message, retryable: false })
}

function checkOptions(options: CloudTalkCrmOptions): void {
  const { timeoutMs, retries, noteUserId, contactCacheMs, baseUrl } = options
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 600_000)) {
    throw invalidOption('Invalid CloudTalk CRM options: timeoutMs must be a whole number of ms up to 600000')
  }
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 10)) {
    throw invalidOption('Invalid CloudTalk CRM options: retries must be 0 to 10')
  }
  if (noteUserId !== undefined && (!Number.isInteger(noteUserId) || noteUserId <= 0)) {
    throw invalidOption('Invalid CloudTalk CRM options: noteUserId must be a CloudTalk agent id')
  }
  if (contactCacheMs !== undefined && (!Number.isInteger(contactCacheMs) || contactCacheMs < 0)) {
    throw invalidOption('Invalid CloudTalk CRM options: contactCacheMs must be a whole number of ms')
  }
  if (baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(baseUrl)) {
    throw invalidOption('Invalid CloudTalk CRM options: baseUrl must be an http(s) URL')
  }
}

/** `hot, score 87/100`, the product, budget and urgency, the reasons: one line each. */
function analysisLines(input: CrmLeadInput): string[] {
  const q = input.qualification
  if (q === undefined) return []
  const lines = [`Qualification: ${q.quality}, score ${q.score}/100`]
  const { productInterest, budget, urgency, city } = q.extracted
  if (productInterest !== undefined) lines.push(`Product interest: ${productInterest}`)
  if (budget !== undefined) lines.push(`Budget: ${budget.amount} ${budget.currency}`)
  if (urgency !== undefined) lines.push(`Urgency: ${urgency}`)
  if (city !== undefined) lines.push(`City: ${city}`)
  if (q.reasons.length > 0) lines.push(`Reasons: ${q.reasons.join('; ')}`)
  return lines
}

/**
 * The note of an upsert: the summary and the analysis, headed `New conversation` on an existing
 * contact. `undefined` for a new contact with neither summary nor classification.
 */
export function cloudtalkCrmNote(input: CrmLeadInput, existing: boolean): string | undefined {
  const lines: string[] = []
  if (input.summary !== undefined && input.summary.trim() !== '')
    lines.push(`Summary: ${input.summary.trim()}`)
  lines.push(...analysisLines(input))
  if (!existing && lines.length === 0) return undefined
  return [existing ? 'New conversation (leadcall)' : 'Lead qualified by leadcall', ...lines].join('\n')
}

/** The lead as the contact should show it: the name the classifier heard when the lead had none. */
function contactLead(input: CrmLeadInput): Lead {
  const heard = input.qualification?.extracted.name
  if (input.lead.fullName !== UNKNOWN_CONTACT.fullName || heard === undefined) return input.lead
  return { ...input.lead, fullName: heard }
}

/**
 * Creates CloudTalk as a CRM: leads become CloudTalk contacts, found by phone (an existing contact
 * is updated rather than duplicated: `{ action: 'updated' }`), with the lead's and the input's tags,
 * and the conversation summary and classifier's analysis as a contact note (CloudTalk contacts have
 * no description). It reuses the contact sync of `cloudtalk()`: the same search
 * (`GET /contacts/index.json?keyword=` checked against each number), cache and per-phone ordering.
 *
 * Duplicates are found by phone only (`deduplicateBy: ['phone']`): CloudTalk documents no e-mail
 * search. CloudTalk contacts have no closed state. Every request goes through the company's rate
 * limiter (60 a minute by default; share `rateLimiter` with the telephony provider): a new lead
 * costs a search, a create and a note, plus one request to add tags beyond `contactTags` and one to
 * create each tag the first time.
 *
 * @example
 * ```ts
 * import { cloudtalk, cloudtalkCrm } from '@leadcall/cloudtalk'
 *
 * const telephony = cloudtalk({ webhookSecret: process.env.CLOUDTALK_WEBHOOK_SECRET })
 * const crm = cloudtalkCrm({ rateLimiter: telephony.rateLimiter, contactTags: ['leadcall'] })
 * const { id, action } = await crm.upsertLead({ lead, qualification, summary, tags: ['whatsapp'] })
 * ```
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for invalid options.
 */
export function cloudtalkCrm(options: CloudTalkCrmOptions = {}): CloudTalkCrm {
  checkOptions(options)
  const name = options.name ?? 'cloudtalk'
  const notes = options.notes ?? true
  const baseUrl = (options.baseUrl ?? 'https://my.cloudtalk.io/api').replace(/\/+$/, '')
  const limiter = options.rateLimiter ?? createCloudTalkRateLimiter()
  const contactTags = normalizeTags(options.contactTags ?? [])
  const ensureTags = options.ensureTags ?? true
  const closer = new AbortController()
  // Every request in flight listens to it (one listener each, removed when it ends): no limit.
  setMaxListeners(0, closer.signal)
  const ensured = new Set<string>()
  let resolved: CloudTalkCredentials | undefined

  function credentials(): CloudTalkCredentials {
    if (resolved) return resolved
    const accessKeyId = options.accessKeyId ?? env('CLOUDTALK_ACCESS_KEY_ID')
    const accessKeySecret = options.accessKeySecret ?? env('CLOUDTALK_ACCESS_KEY_SECRET')
    if (accessKeyId === undefined || accessKeySecret === undefined) {
      throw invalidOption(
        'CloudTalk needs API keys: pass accessKeyId and accessKeySecret, or set CLOUDTALK_ACCESS_KEY_ID and CLOUDTALK_ACCESS_KEY_SECRET',
      )
    }
    resolved = { accessKeyId, accessKeySecret }
    return resolved
  }

  function secrets(): string[] {
    const secret = resolved?.accessKeySecret ?? options.accessKeySecret ?? env('CLOUDTALK_ACCESS_KEY_SECRET')
    const list = secret ? [secret] : []
    if (resolved) {
      const bytes = new TextEncoder().encode(`${resolved.accessKeyId}:${resolved.accessKeySecret}`)
      let binary = ''
      for (const byte of bytes) binary += String.fromCharCode(byte)
      list.push(btoa(binary))
    }
    return list
  }

  const api = createCloudTalkApi({
    baseUrl,
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    retries: options.retries ?? DEFAULTS.retries,
    credentials,
    secrets,
    limiter,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const contacts = createContacts({
    api,
    contactTags,
    updateExisting: options.updateExistingContacts ?? false,
    ensureTags: false,
    cacheMs: options.contactCacheMs ?? DEFAULTS.contactCacheMs,
  })
  const capabilities: CrmCapabilities = { deduplicate: true, deduplicateBy: ['phone'], notes }

  /** The caller's signal combined with the adapter's own, which `close()` aborts. */
  function signalOf(callOptions: CrmCallOptions): AbortSignal {
    const own = callOptions.signal
    own?.throwIfAborted()
    if (closer.signal.aborted) throw closer.signal.reason
    return own ? AbortSignal.any([own, closer.signal]) : closer.signal
  }

  /** Creates the tag once per adapter; 406 means it exists already. */
  async function ensureTag(tag: string, signal: AbortSignal): Promise<void> {
    if (!ensureTags || ensured.has(tag)) return
    try {
      await api.request(
        {
          name: 'add tag',
          method: 'put',
          path: '/tags/add.json',
          json: { name: tag },
          schema: CloudTalkStatusEnvelopeSchema,
          priority: 'contacts',
          kind: 'contact',
        },
        signal,
      )
    } catch (error) {
      if (vendorStatusOf(error) !== 406) throw error
    }
    ensured.add(tag)
  }

  async function addTags(contactId: string, tags: string[], signal: AbortSignal): Promise<void> {
    for (const tag of tags) await ensureTag(tag, signal)
    await api.request(
      {
        name: 'add contact tags',
        method: 'put',
        path: `/contacts/addTags/${encodeURIComponent(contactId)}.json`,
        json: { tags },
        schema: CloudTalkStatusEnvelopeSchema,
        priority: 'contacts',
        kind: 'contact',
      },
      signal,
    )
  }

  async function postNote(contactId: string, text: string, signal: AbortSignal): Promise<void> {
    await api.request(
      {
        name: 'add note',
        method: 'put',
        path: `/notes/add/${encodeURIComponent(contactId)}.json`,
        json: { note: text, ...(options.noteUserId === undefined ? {} : { user_id: options.noteUserId }) },
        schema: CloudTalkCreatedEnvelopeSchema,
        priority: 'contacts',
        kind: 'contact',
      },
      signal,
    )
  }

  /** A failure after the contact was written: the error says which contact, so nothing is lost. */
  function afterContact(error: unknown, contactId: string, step: string): unknown {
    if (!LeadCallError.isInstance(error)) return error
    const details = typeof error.details === 'object' && error.details !== null ? error.details : {}
    return new LeadCallError(error.code, {
      message: `CloudTalk contact ${contactId} was saved but ${step} failed: ${error.message}`,
      details: { ...details, contactId },
      cause: error,
      retryable: error.retryable,
    })
  }

  return {
    specificationVersion: 'v1',
    name,
    capabilities,
    rateLimiter: limiter,

    async upsertLead(input: CrmLeadInput, callOptions: CrmCallOptions = {}): Promise<CrmLeadResult> {
      const signal = signalOf(callOptions)
      const synced = await contacts.sync(contactLead(input), signal)
      const existing = synced.updated === true
      const { contactId } = synced
      const wanted = normalizeTags([...input.lead.tags, ...(input.tags ?? [])])
      // A new contact was created with contactTags already.
      const missing = existing ? wanted : wanted.filter((tag) => !contactTags.includes(tag))
      try {
        if (missing.length > 0) await addTags(contactId, missing, signal)
      } catch (error) {
        throw afterContact(error, contactId, 'adding its tags')
      }
      const note = notes ? cloudtalkCrmNote(input, existing) : undefined
      if (note !== undefined) {
        try {
          await postNote(contactId, note, signal)
        } catch (error) {
          throw afterContact(error, contactId, 'posting its note')
        }
      }
      return {
        id: contactId,
        action: existing ? 'updated' : 'created',
        ...(note === undefined ? {} : { notePosted: true }),
      }
    },

    async addNote(recordId: string, text: string, callOptions: CrmCallOptions = {}): Promise<void> {
      const signal = signalOf(callOptions)
      if (!notes) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'This CloudTalk CRM adapter was created with notes: false',
          details: { capability: 'notes' },
          retryable: false,
        })
      }
      if (!/^\d{1,18}$/.test(recordId) || text.trim() === '') {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'addNote needs the numeric id of a CloudTalk contact and a non-empty text',
          details: { recordId },
          retryable: false,
        })
      }
      await postNote(recordId, text, signal)
    },

    async close(): Promise<void> {
      if (closer.signal.aborted) return
      closer.abort(
        new LeadCallError('CONTACT_CREATION_FAILED', {
          message: 'The CloudTalk CRM adapter is closed',
          retryable: false,
        }),
      )
    },
  }
}
