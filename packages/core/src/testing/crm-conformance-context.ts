/**
 * What every test of the CRM conformance kit shares: the adapter factory, the fixtures (a lead, a
 * classification, a summary) and the assertions on errors, secrets and record contents.
 *
 * @internal
 * @module
 */
import { inspect } from 'node:util'
import { expect } from 'vitest'
import type { CrmAdapterV1, CrmLeadInput } from '../crm/crm-adapter.js'
import { type Lead, LeadSchema } from '../domain/lead.js'
import { LeadCallError, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import { type Classification, ClassificationSchema } from '../qualification/classification.js'
import type { CrmAdapterContext, CrmMockBackend, CrmRecordView } from './crm-conformance.js'

/** The backend and an adapter factory whose adapters are closed after each test. @internal */
export interface CrmKit {
  /** The adapter's vendor mock. */
  backend: CrmMockBackend
  /** A new adapter for this test, wired to the mock. */
  adapter(context?: CrmAdapterContext): Promise<CrmAdapterV1>
}

/** The phone of the kit's lead. @internal */
export const KIT_PHONE = '+14155550199'
/** The same phone as people type it into a CRM. @internal */
export const KIT_PHONE_FORMATTED = '+1 415-555-0199'
/** The e-mail of the kit's lead. @internal */
export const KIT_EMAIL = 'kit.lead@example.com'
/** The kit lead's name. @internal */
export const KIT_NAME = 'Kit Lead'
/** What the kit's lead wants. @internal */
export const KIT_PRODUCT = 'corner sofa'
/** The classifier's score of the kit's lead: a number found nowhere else in the input. @internal */
export const KIT_SCORE = 87
/** The kit's conversation summary. @internal */
export const KIT_SUMMARY = 'Kit Lead wants a grey corner sofa delivered to Milan this week'
/** A tag the kit asks the adapter to set. @internal */
export const KIT_TAG = 'kit-tag'

const FIXED_TIME = '2026-01-15T15:00:00.000Z'

/** The kit's lead, with `overrides` applied. @internal */
export function kitLead(overrides: Partial<Lead> = {}): Lead {
  return LeadSchema.parse({
    id: 'kit-lead',
    phone: KIT_PHONE,
    fullName: KIT_NAME,
    firstName: 'Kit',
    lastName: 'Lead',
    email: KIT_EMAIL,
    source: 'kit',
    receivedAt: FIXED_TIME,
    ...overrides,
  })
}

/** A hot classification of the kit's lead: a product, a budget, urgency and reasons. @internal */
export function kitQualification(): Classification {
  return ClassificationSchema.parse({
    quality: 'hot',
    score: KIT_SCORE,
    completeness: 1,
    missingFields: [],
    extracted: {
      name: KIT_NAME,
      email: KIT_EMAIL,
      phone: KIT_PHONE,
      city: 'Milan',
      productInterest: KIT_PRODUCT,
      budget: { amount: 2000, currency: 'EUR' },
      urgency: 'high',
      language: 'en',
    },
    intent: 'sales',
    nextAction: 'create_lead',
    question: '',
    language: 'en',
    confidence: 0.9,
    reasons: ['budget 2000 EUR', 'needs it this week'],
    classifier: 'kit',
  })
}

/** The kit's full input: lead, classification, summary and a tag. @internal */
export function kitInput(overrides: Partial<CrmLeadInput> = {}): CrmLeadInput {
  return {
    lead: kitLead(),
    qualification: kitQualification(),
    summary: KIT_SUMMARY,
    tags: [KIT_TAG],
    ...overrides,
  }
}

/** The digits of a phone number, to compare numbers however they are written. @internal */
export function digitsOf(phone: string): string {
  return phone.replace(/\D/g, '')
}

/** Every text of a record, whitespace collapsed, lower case: to look for what the adapter wrote. @internal */
export function recordText(record: CrmRecordView): string {
  return [record.name, record.details, ...record.notes].join('\n').replace(/\s+/g, ' ').toLowerCase()
}

/** Whether `text` (collapsed, lower case, as {@link recordText} gives) contains `part`. @internal */
export function mentions(text: string, part: string): boolean {
  return text.includes(part.replace(/\s+/g, ' ').toLowerCase())
}

/** The records the backend holds, in a stable order. @internal */
export async function recordsOf(backend: CrmMockBackend): Promise<CrmRecordView[]> {
  return [...(await backend.records())]
}

/** The record with `id`, failing the test when the backend has none. @internal */
export async function recordWithId(backend: CrmMockBackend, id: string): Promise<CrmRecordView> {
  const records = await recordsOf(backend)
  const record = records.find((candidate) => candidate.id === id)
  expect(
    record,
    `the backend has no record ${id} (it has ${records.map((r) => r.id).join(', ')})`,
  ).toBeDefined()
  return record as CrmRecordView
}

/** Resolves on the next turn of the event loop (timers included). @internal */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1))
}

/**
 * Waits until `condition` holds, checking on every turn of the event loop. It has no deadline of
 * its own: vitest's test timeout ends a wait that never succeeds. @internal
 */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await tick()
}

/** Every text an error exposes: message, stack, JSON, inspection, details, along the cause chain. */
function errorTexts(error: unknown): string[] {
  const texts: string[] = []
  const seen = new Set<unknown>()
  let current: unknown = error
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current)
    texts.push(String(current))
    try {
      texts.push(JSON.stringify(current) ?? '')
    } catch {
      // Circular structures cannot be serialized; inspect below still shows them.
    }
    texts.push(inspect(current, { depth: 8, showHidden: true }))
    if (current instanceof Error) {
      texts.push(current.message, current.stack ?? '')
      if (LeadCallError.isInstance(current)) {
        texts.push(JSON.stringify(current.toJSON()), JSON.stringify(current.details) ?? '')
      }
    }
    current =
      typeof current === 'object' && 'cause' in current ? (current as { cause?: unknown }).cause : undefined
  }
  return texts
}

/** Fails when any of the backend's secrets appears in anything `error` exposes. @internal */
export function expectNoSecrets(error: unknown, backend: CrmMockBackend): void {
  const texts = errorTexts(error)
  for (const secret of backend.secrets) {
    if (secret === '') continue
    const leaked = texts.some((text) => text.includes(secret))
    expect(leaked, `a secret (${secret.length} chars) appears in the error or its cause chain`).toBe(false)
  }
}

/**
 * Awaits `promise`, expects it to reject with a `LeadCallError` (with `code` when given) that
 * leaks no secret, and returns the error. @internal
 */
export async function expectLeadCallError(
  promise: Promise<unknown>,
  backend: CrmMockBackend,
  code?: LeadCallErrorCode,
): Promise<LeadCallError> {
  let caught: unknown
  let resolved = false
  try {
    await promise
    resolved = true
  } catch (error) {
    caught = error
  }
  expect(resolved, 'the promise should reject').toBe(false)
  expectNoSecrets(caught, backend)
  expect(LeadCallError.isInstance(caught), `expected a LeadCallError, got ${inspect(caught)}`).toBe(true)
  const error = caught as LeadCallError
  if (code !== undefined) expect(error.code, error.message).toBe(code)
  return error
}

/** What the adapter finds duplicates by (both when it does not say). @internal */
export function deduplicatesBy(adapter: CrmAdapterV1, key: 'phone' | 'email'): boolean {
  if (!adapter.capabilities.deduplicate) return false
  const by = adapter.capabilities.deduplicateBy
  return by === undefined || by.includes(key)
}
