/**
 * Qualified conversations handed off to Odoo (the real adapter against the JSON-RPC msw mock) while
 * Odoo fails 30 % of requests with 500, lets 10 % hang past the adapter's timeout, sometimes
 * answers 429 with `Retry-After`, and now and then creates a record but loses its answer. A lead
 * the CRM refused stays `failed` in its conversation and is handed off again with the contact's
 * next message: none is lost, and no contact ends with two `crm.lead` records.
 */
import { createLeadCall, type LeadCallApp, memoryStorage, ruleClassifier } from '@leadcall/core'
import { HttpResponse } from 'msw'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { odoo } from '../../../../packages/adapters-odoo/src/odoo-crm.js'
import { ODOO_URL, odooMock } from '../../../../packages/adapters-odoo/src/odoo-mock.test-util.js'
import { faultInjector, retryAfterTap } from './fault-injector.js'
import { printFigures } from './lead-run.js'

const CONVERSATIONS = 300
const ROUNDS = 15
const vendor = odooMock()
const injector = faultInjector({
  origin: ODOO_URL,
  seed: 20_260_117,
  rates: { serverError: 0.3, hang: 0.1, rateLimited: 0.0005, lostAnswer: 0.03 },
  retryAfterSec: 1,
  vendor: vendor.server.listHandlers(),
  acceptRoute: (method, path) => method === 'POST' && path === '/jsonrpc',
  serverError: () =>
    new HttpResponse('<html><body><h1>500 Internal Server Error</h1></body></html>', {
      status: 500,
      headers: { 'content-type': 'text/html' },
    }),
  rateLimited: (seconds) =>
    new HttpResponse('<html><body><h1>429 Too Many Requests</h1></body></html>', {
      status: 429,
      headers: { 'content-type': 'text/html', 'Retry-After': String(seconds) },
    }),
})
vendor.server.use(injector.handler)
const tap = retryAfterTap()
let app: LeadCallApp

const phoneOf = (index: number) => `+34600${String(100_000 + index)}`
const figures = { created: 0, failedAtEnd: 0, retried: 0, rounds: 0, lost: 0, duplicates: 0 }
const errors = new Map<string, number>()

beforeAll(async () => {
  vendor.server.listen({ onUnhandledRequest: 'error' })
  app = createLeadCall({
    storage: memoryStorage(),
    crm: odoo({ ...vendor.options, timeoutMs: 150, fetch: tap.fetch }),
    classifier: ruleClassifier(),
  })
  const phones = Array.from({ length: CONVERSATIONS }, (_, i) => phoneOf(i))
  await Promise.all(
    phones.map((from, i) =>
      app.conversations.receive({
        from,
        id: `m-${i}-0`,
        channel: 'whatsapp',
        text: 'Hola, soy María. Busco un sofá cama para esta semana',
      }),
    ),
  )
  // The contacts whose lead failed write again: each new message hands the lead off again.
  for (let round = 1; round <= ROUNDS; round++) {
    const pending = []
    for (const from of phones) {
      const conversation = await app.conversations.get(from)
      if (conversation?.lead?.status !== 'created') pending.push(from)
    }
    if (pending.length === 0) break
    figures.rounds = round
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await Promise.all(
      pending.map((from, i) =>
        app.conversations.receive({
          from,
          id: `m-${i}-${round}`,
          channel: 'whatsapp',
          text: '¿Alguna novedad?',
        }),
      ),
    )
  }
  const byPhone = new Map<string, number>()
  for (const record of vendor.leads()) {
    const phone = String(record.phone ?? '')
    byPhone.set(phone, (byPhone.get(phone) ?? 0) + 1)
  }
  for (const from of phones) {
    const conversation = await app.conversations.get(from)
    const lead = conversation?.lead
    if (lead?.error)
      errors.set(lead.error.message.slice(0, 90), (errors.get(lead.error.message.slice(0, 90)) ?? 0) + 1)
    if (lead?.status === 'created') figures.created++
    else if (lead?.status === 'failed') figures.failedAtEnd++
    else figures.lost++
    if ((lead?.attempts ?? 0) > 1) figures.retried++
  }
  figures.duplicates = [...byPhone.values()].filter((count) => count > 1).length
  printFigures('odoo hand-off under faults', {
    conversations: CONVERSATIONS,
    'crm.lead created': figures.created,
    'failed, kept for retry': figures.failedAtEnd,
    retried: figures.retried,
    'message rounds': figures.rounds,
    'requests to Odoo': injector.requests.length,
    '500s injected': injector.count('server_error'),
    'hangs injected': injector.count('hang'),
    'answers lost (record written)': injector.count('lost_answer'),
    '429s answered': injector.windows.length,
    'requests inside Retry-After': tap.violations(100).length,
    'contacts with two crm.lead': figures.duplicates,
    'crm.lead records': vendor.leads().length,
    lost: figures.lost,
  })
  if (errors.size > 0) console.log('last errors of the leads still failed', errors)
}, 120_000)

afterAll(async () => {
  injector.releaseAll()
  await app?.close()
  vendor.server.close()
})

describe('Odoo hand-off under CRM faults', () => {
  it('injected every kind of fault', () => {
    expect(injector.count('server_error')).toBeGreaterThan(0)
    expect(injector.count('hang')).toBeGreaterThan(0)
    expect(injector.count('lost_answer')).toBeGreaterThan(0)
  })

  it('keeps every lead: created in Odoo, or failed in its conversation for the next message', () => {
    expect(figures.lost).toBe(0)
    expect(figures.created + figures.failedAtEnd).toBe(CONVERSATIONS)
    expect(figures.retried).toBeGreaterThan(0)
  })

  it('sends nothing to Odoo while a Retry-After it read is running', () => {
    // Requests already sent when a 429 came back are in flight, not ignoring it (100 ms of slack
    // for a loaded machine, as for CloudTalk).
    expect(tap.violations(100)).toEqual([])
  })

  it('never writes two crm.lead records for one contact, even when an answer was lost', () => {
    expect(injector.count('lost_answer')).toBeGreaterThan(0)
    expect(figures.duplicates).toBe(0)
    // A lead failed on its last try may already have its record (its answer was lost).
    expect(vendor.leads().length).toBeGreaterThanOrEqual(figures.created)
    expect(vendor.leads().length).toBeLessThanOrEqual(CONVERSATIONS)
  })

  // Retry-After: printed above; asserted in crm-fault-cases (the Odoo adapter does not wait for it).
})
