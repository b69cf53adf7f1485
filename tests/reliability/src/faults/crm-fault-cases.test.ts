/**
 * The CRM faults one at a time, against the real Odoo adapter and the conversations' hand-off: a
 * `crm.lead.create` Odoo carried out but whose answer was lost, and a 429 with `Retry-After`.
 */
import { createLeadCall, type LeadCallApp, memoryStorage, ruleClassifier } from '@leadcall/core'
import { HttpResponse } from 'msw'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { odoo } from '../../../../packages/adapters-odoo/src/odoo-crm.js'
import { ODOO_URL, odooMock } from '../../../../packages/adapters-odoo/src/odoo-mock.test-util.js'
import { faultInjector, retryAfterTap } from './fault-injector.js'

const vendor = odooMock()
const injector = faultInjector({
  origin: ODOO_URL,
  seed: 1,
  rates: { serverError: 0, hang: 0, rateLimited: 0 },
  retryAfterSec: 1,
  vendor: vendor.server.listHandlers(),
  acceptRoute: (method, path) => method === 'POST' && path === '/jsonrpc',
  serverError: () => new HttpResponse('Internal Server Error', { status: 500 }),
  rateLimited: (seconds) =>
    new HttpResponse('Too Many Requests', { status: 429, headers: { 'Retry-After': String(seconds) } }),
})
vendor.server.use(injector.handler)
let app: LeadCallApp | undefined
let tap = retryAfterTap()

beforeAll(() => vendor.server.listen({ onUnhandledRequest: 'error' }))
afterEach(async () => {
  injector.releaseAll()
  await app?.close()
  app = undefined
  vendor.reset()
})
afterAll(() => vendor.server.close())

const HOT = 'Hola, soy María. Busco un sofá cama para esta semana'
const isCreate = (body: string) => body.includes('"crm.lead","create"')

function setup(): LeadCallApp {
  tap = retryAfterTap()
  app = createLeadCall({
    storage: memoryStorage(),
    crm: odoo({ ...vendor.options, timeoutMs: 150, fetch: tap.fetch }),
    classifier: ruleClassifier(),
  })
  return app
}

describe('Odoo faults one at a time', () => {
  it('a crm.lead.create Odoo carried out but whose answer was lost: one record after the retry', async () => {
    const app = setup()
    injector.forceOn('lost_answer', isCreate)
    const first = await app.conversations.receive({ from: '+34600200001', id: 'a-1', text: HOT })
    expect(first.conversation?.lead).toMatchObject({ status: 'failed', error: { code: 'PROVIDER_TIMEOUT' } })
    expect(vendor.leads()).toHaveLength(1)
    const second = await app.conversations.receive({ from: '+34600200001', id: 'a-2', text: '¿Y bien?' })
    expect(second.conversation?.lead).toMatchObject({ status: 'created', attempts: 2 })
    expect(vendor.leads()).toHaveLength(1)
    expect(second.conversation?.lead?.crm?.id).toBe(String(vendor.leads()[0]?.id))
  })

  it('a refused hand-off stays failed in its conversation until its retry or the next message', async () => {
    const app = setup()
    injector.forceOn('server_error', isCreate)
    const first = await app.conversations.receive({ from: '+34600200002', id: 'b-1', text: HOT })
    expect(first.conversation?.lead).toMatchObject({
      status: 'failed',
      attempts: 1,
      retryAt: expect.any(String),
    })
    expect(vendor.leads()).toHaveLength(0)
    expect((await app.conversations.get('+34600200002'))?.lead?.status).toBe('failed')
    const second = await app.conversations.receive({ from: '+34600200002', id: 'b-2', text: '¿Y bien?' })
    expect(second.conversation?.lead).toMatchObject({ status: 'created', attempts: 2 })
    expect(vendor.leads()).toHaveLength(1)
  })

  it('a 429 with Retry-After holds the next hand-off to Odoo until it ran out', async () => {
    // The Odoo adapter sends nothing while a Retry-After runs: the next hand-off is refused at once
    // (RATE_LIMITED, kept in its conversation for later) instead of reaching Odoo.
    const app = setup()
    injector.forceOn('rate_limited', isCreate)
    const first = await app.conversations.receive({ from: '+34600200003', id: 'c-1', text: HOT })
    expect(first.conversation?.lead).toMatchObject({ status: 'failed', error: { code: 'RATE_LIMITED' } })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await app.conversations.receive({ from: '+34600200004', id: 'd-1', text: HOT })
    expect(tap.limits.length).toBeGreaterThan(0)
    expect(tap.violations()).toEqual([])
  })
})
