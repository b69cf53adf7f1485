/**
 * The CRM conformance kit run against two small reference adapters of an in-memory vendor: one
 * with notes that deduplicates by phone and e-mail and tells closed records apart, one without
 * notes that deduplicates by phone only. Odoo and CloudTalk run it against their msw mocks.
 */
import { describe, expect, it } from 'vitest'
import type {
  CrmAdapterV1,
  CrmCallOptions,
  CrmCapabilities,
  CrmLeadInput,
  CrmLeadResult,
} from '../crm/crm-adapter.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import {
  type CrmMockBackend,
  type CrmRecordSeed,
  type CrmRecordView,
  crmConformance,
} from './crm-conformance.js'
import { expectNoSecrets, kitInput, recordText } from './crm-conformance-context.js'

const API_KEY = 'reference-crm-key-5c9e1d'

interface VendorRecord {
  id: number
  name: string
  phone?: string
  email?: string
  status: 'open' | 'won' | 'lost'
  description: string
  tags: string[]
  notes: string[]
}

/** A fake CRM vendor: records, a key check, arranged failures and hangs. */
function fakeVendor() {
  const records = new Map<number, VendorRecord>()
  const held = new Set<() => void>()
  let next = 100
  let requests = 0
  let hanging = false
  let failNext: { status: number; message: string } | undefined

  async function serve<T>(key: string, signal: AbortSignal, run: () => T): Promise<T> {
    requests++
    if (hanging) {
      await new Promise<void>((resolve) => {
        const release = (): void => {
          held.delete(release)
          resolve()
        }
        held.add(release)
        signal.addEventListener('abort', release, { once: true })
      })
      throw new Error('the request was dropped')
    }
    // An answer comes on a later turn of the event loop, as over the network.
    await new Promise((resolve) => setTimeout(resolve, 0))
    if (key !== API_KEY) throw Object.assign(new Error('401 bad key'), { status: 401 })
    if (failNext) {
      const failure = failNext
      failNext = undefined
      // A careless vendor echoing the key back.
      throw Object.assign(new Error(`${failure.status} ${failure.message} (key ${key})`), {
        status: failure.status,
      })
    }
    return run()
  }

  return {
    records,
    held,
    serve,
    requests: () => requests,
    fail(status: number, message: string) {
      failNext = { status, message }
    },
    hang() {
      hanging = true
    },
    insert(record: Omit<VendorRecord, 'id'>): VendorRecord {
      const full = { ...record, id: next++ }
      records.set(full.id, full)
      return full
    },
    reset() {
      records.clear()
      requests = 0
      hanging = false
      failNext = undefined
      for (const release of [...held]) release()
    },
  }
}

type Vendor = ReturnType<typeof fakeVendor>

const digits = (phone: string | undefined) => (phone ?? '').replace(/\D/g, '')

/** A reference adapter written against the CRM v1 spec. */
function referenceCrm(
  vendor: Vendor,
  options: { key?: string; timeoutMs?: number; notes: boolean; by: readonly ('phone' | 'email')[] },
): CrmAdapterV1 {
  const key = options.key ?? API_KEY
  const timeoutMs = options.timeoutMs ?? 5_000
  const capabilities: CrmCapabilities = { deduplicate: true, deduplicateBy: options.by, notes: options.notes }
  const locks = new Map<string, Promise<unknown>>()

  async function call<T>(signal: AbortSignal | undefined, run: () => T): Promise<T> {
    signal?.throwIfAborted()
    const timeout = AbortSignal.timeout(timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    try {
      return await new Promise<T>((resolve, reject) => {
        combined.addEventListener('abort', () => reject(combined.reason), { once: true })
        vendor.serve(key, combined, run).then(resolve, reject)
      })
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (timeout.aborted) throw new LeadCallError('PROVIDER_TIMEOUT', { message: 'The CRM did not answer' })
      const status = (error as { status?: number }).status ?? 500
      const message = (error as Error).message.split(key).join('[redacted]')
      throw new LeadCallError(
        status === 429 ? 'RATE_LIMITED' : status === 422 ? 'VALIDATION_FAILED' : 'CONTACT_CREATION_FAILED',
        { message: `The CRM refused: ${message}`, details: { status } },
      )
    }
  }

  function describeInput(input: CrmLeadInput): string {
    const q = input.qualification
    return [
      input.summary,
      q && `${q.quality} (score ${q.score})`,
      q?.extracted.productInterest,
      ...(q?.reasons ?? []),
    ]
      .filter(Boolean)
      .join('\n')
  }

  async function upsert(input: CrmLeadInput, signal?: AbortSignal): Promise<CrmLeadResult> {
    const { lead } = input
    const tags = [...new Set([...lead.tags, ...(input.tags ?? [])])]
    const found = await call(signal, () =>
      [...vendor.records.values()]
        .filter((record) => record.status === 'open')
        .find(
          (record) =>
            (options.by.includes('phone') && digits(record.phone) === digits(lead.phone)) ||
            (options.by.includes('email') &&
              lead.email !== undefined &&
              record.email?.toLowerCase() === lead.email),
        ),
    )
    if (found) {
      const noted = options.notes && input.summary !== undefined
      await call(signal, () => {
        found.tags = [...new Set([...found.tags, ...tags])]
        if (noted) found.notes.push(describeInput(input))
      })
      return { id: String(found.id), action: 'updated', notePosted: noted }
    }
    const created = await call(signal, () =>
      vendor.insert({
        name: lead.fullName,
        phone: lead.phone,
        ...(lead.email ? { email: lead.email } : {}),
        status: 'open',
        description: describeInput(input),
        tags,
        notes: [],
      }),
    )
    return { id: String(created.id), action: 'created' }
  }

  return {
    specificationVersion: 'v1',
    name: 'reference',
    capabilities,
    upsertLead(input: CrmLeadInput, callOptions: CrmCallOptions = {}): Promise<CrmLeadResult> {
      // Upserts of one phone run one after the other, so the second finds what the first created.
      const lockKey = digits(input.lead.phone)
      const previous = locks.get(lockKey) ?? Promise.resolve()
      const run = () => upsert(input, callOptions.signal)
      const result = previous.then(run, run)
      locks.set(
        lockKey,
        result.catch(() => undefined),
      )
      return result
    },
    async addNote(recordId: string, text: string, callOptions: CrmCallOptions = {}): Promise<void> {
      callOptions.signal?.throwIfAborted()
      if (!options.notes) {
        throw new LeadCallError('VALIDATION_FAILED', { message: 'No notes here', retryable: false })
      }
      await call(callOptions.signal, () => {
        const record = vendor.records.get(Number(recordId))
        if (!record) throw Object.assign(new Error('404 no such record'), { status: 404 })
        record.notes.push(text)
      })
    },
  }
}

function backendOf(vendor: Vendor, closed: boolean): CrmMockBackend {
  return {
    secrets: [API_KEY],
    records: (): CrmRecordView[] =>
      [...vendor.records.values()].map((record) => ({
        id: String(record.id),
        phones: record.phone ? [record.phone] : [],
        emails: record.email ? [record.email] : [],
        name: record.name,
        open: record.status === 'open',
        notes: [...record.notes],
        details: record.description,
        tags: [...record.tags],
      })),
    seed: (seed: CrmRecordSeed) =>
      String(
        vendor.insert({
          name: seed.name,
          ...(seed.phone ? { phone: seed.phone } : {}),
          ...(seed.email ? { email: seed.email } : {}),
          status: seed.status ?? 'open',
          description: '',
          tags: [],
          notes: [],
        }).id,
      ),
    ...(closed ? { closedStatuses: ['won', 'lost'] as const } : {}),
    failures: [
      {
        name: '422 invalid phone',
        expectedCode: 'VALIDATION_FAILED',
        arrange: () => vendor.fail(422, 'bad'),
      },
      { name: '429 throttled', expectedCode: 'RATE_LIMITED', arrange: () => vendor.fail(429, 'slow down') },
      {
        name: '500 echoing the key',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => vendor.fail(500, 'oops'),
      },
    ],
    hang: () => vendor.hang(),
    pendingRequests: () => vendor.held.size,
    requestCount: () => vendor.requests(),
    reset: () => vendor.reset(),
  }
}

const withNotes = fakeVendor()
crmConformance(
  'reference CRM with notes',
  (context) =>
    referenceCrm(withNotes, {
      notes: true,
      by: ['phone', 'email'],
      ...(context.requestTimeoutMs === undefined ? {} : { timeoutMs: context.requestTimeoutMs }),
    }),
  backendOf(withNotes, true),
)

const phoneOnly = fakeVendor()
crmConformance(
  'reference CRM without notes',
  (context) =>
    referenceCrm(phoneOnly, {
      notes: false,
      by: ['phone'],
      ...(context.requestTimeoutMs === undefined ? {} : { timeoutMs: context.requestTimeoutMs }),
    }),
  backendOf(phoneOnly, false),
)

crmConformance(
  'skipped CRM',
  () => referenceCrm(withNotes, { notes: true, by: ['phone'] }),
  backendOf(withNotes, true),
  {
    skip: 'skipped: no vendor',
  },
)

describe('the kit’s helpers', () => {
  it('finds a secret anywhere along the cause chain', () => {
    const error = new LeadCallError('CONTACT_CREATION_FAILED', {
      message: 'refused',
      cause: new Error('outer', { cause: { detail: `key=${API_KEY}` } }),
    })
    expect(() => expectNoSecrets(error, backendOf(fakeVendor(), false))).toThrow(/secret/)
    expect(() =>
      expectNoSecrets(new LeadCallError('CONTACT_CREATION_FAILED'), backendOf(fakeVendor(), false)),
    ).not.toThrow()
  })

  it('reads every text of a record, whitespace collapsed, in lower case', () => {
    const text = recordText({
      id: '1',
      phones: [],
      emails: [],
      name: 'Kit  Lead',
      open: true,
      notes: ['Call\nback'],
      details: 'HOT',
    })
    expect(text).toBe('kit lead hot call back')
    expect(kitInput().summary).toBeDefined()
  })
})
