import { createSign, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import type { SubmitLeadResult } from '../pipeline/lead-pipeline.js'
import { verifyGoHighLevelSignature } from './ghl-signature.js'
import { addAgents, bodyOf, flakyStorage, nextPhone, request, spyLogger, testApp } from './http.test-util.js'
import { createHttpHandler } from './http-handler.js'

const ed = generateKeyPairSync('ed25519')
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const edRawBase64 = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url').toString(
  'base64',
)
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()

const signEd25519 = (text: string, key: KeyObject = ed.privateKey) =>
  sign(null, Buffer.from(text), key).toString('base64')
const signRsa = (text: string) => createSign('SHA256').update(text).sign(rsa.privateKey, 'base64')

let webhookCounter = 0
function contactCreate(extra: Record<string, unknown> = {}) {
  webhookCounter++
  return {
    type: 'ContactCreate',
    locationId: 'loc-1',
    id: `contact-${webhookCounter}`,
    firstName: 'Grace',
    lastName: 'Hopper',
    email: 'grace@example.com',
    phone: nextPhone(),
    tags: ['web'],
    timestamp: new Date().toISOString(),
    webhookId: `wh-${webhookCounter}-${Math.random().toString(36).slice(2)}`,
    ...extra,
  }
}

function workflowPayload() {
  webhookCounter++
  return {
    contact_id: `wf-contact-${webhookCounter}`,
    first_name: 'Alan',
    last_name: 'Turing',
    full_name: 'Alan Turing',
    phone: nextPhone(),
    tags: 'hot,web',
    location: { id: 'loc-1', name: 'HQ' },
    customData: { priority: 'high' },
  }
}

const apps: LeadCallApp[] = []
async function app(...args: Parameters<typeof testApp>): Promise<LeadCallApp> {
  const created = testApp(...args)
  apps.push(created)
  await addAgents(created, 3)
  return created
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

function ghlRequest(body: string, headers: Record<string, string> = {}, query = '') {
  return request(`/leads/ghl${query}`, { body, headers: { 'content-type': 'application/json', ...headers } })
}

describe('POST /leads/ghl without verification configured', () => {
  it('takes a ContactCreate payload and a workflow payload as leads', async () => {
    const handler = createHttpHandler(await app())
    const contact = await handler(ghlRequest(JSON.stringify(contactCreate())))
    expect(contact.status).toBe(200)
    expect(await bodyOf(contact)).toMatchObject({ success: true, status: 'dialing' })
    const workflow = await handler(ghlRequest(JSON.stringify(workflowPayload())))
    expect(workflow.status).toBe(200)
  })

  it('ignores (200) other Marketplace events sent to the same URL', async () => {
    const leadcall = await app()
    const handler = createHttpHandler(leadcall)
    const response = await handler(ghlRequest(JSON.stringify(contactCreate({ type: 'ContactDelete' }))))
    expect(response.status).toBe(200)
    expect(await bodyOf(response)).toMatchObject({ success: true, ignored: true })
    expect(await leadcall.queue.size()).toBe(0)
  })

  it('answers a contact with DND on with 403, malformed JSON 400, wrong content type 415', async () => {
    const handler = createHttpHandler(await app())
    const dnd = await handler(ghlRequest(JSON.stringify(contactCreate({ dnd: true }))))
    expect(dnd.status).toBe(403)
    expect((await bodyOf(dnd)).error.code).toBe('DNC_BLOCKED')
    expect((await handler(ghlRequest('{"type":'))).status).toBe(400)
    expect((await handler(ghlRequest('[1,2]'))).status).toBe(400)
    const text = await handler(
      request('/leads/ghl', { body: '{}', headers: { 'content-type': 'text/plain' } }),
    )
    expect(text.status).toBe(415)
  })
})

describe('POST /leads/ghl signatures', () => {
  it.each([
    ['Ed25519 key as PEM', { ed25519PublicKey: edPem }],
    ['Ed25519 key as raw Base64', { ed25519PublicKey: edRawBase64 }],
  ])('verifies x-ghl-signature (%s)', async (_, ghl) => {
    const handler = createHttpHandler(await app(), { ghl })
    const body = JSON.stringify(contactCreate())
    const response = await handler(ghlRequest(body, { 'x-ghl-signature': signEd25519(body) }))
    expect(response.status).toBe(200)
  })

  it('verifies x-wh-signature (RSA-SHA256)', async () => {
    const handler = createHttpHandler(await app(), { ghl: { publicKeyPem: rsaPem } })
    const body = JSON.stringify(contactCreate())
    const response = await handler(ghlRequest(body, { 'x-wh-signature': signRsa(body) }))
    expect(response.status).toBe(200)
  })

  it('falls back to JSON.stringify of the parsed body when the raw bytes differ', async () => {
    const handler = createHttpHandler(await app(), { ghl: { publicKeyPem: rsaPem, ed25519PublicKey: edPem } })
    const payload = contactCreate()
    const compact = JSON.stringify(payload)
    const pretty = JSON.stringify(payload, null, 2)
    expect((await handler(ghlRequest(pretty, { 'x-ghl-signature': signEd25519(compact) }))).status).toBe(200)
    const other = contactCreate()
    const otherPretty = JSON.stringify(other, null, 2)
    const rsaSigned = signRsa(JSON.stringify(other))
    expect((await handler(ghlRequest(otherPretty, { 'x-wh-signature': rsaSigned }))).status).toBe(200)
  })

  it('refuses a tampered body, a wrong key and a missing header with 401 INVALID_SIGNATURE', async () => {
    const leadcall = await app()
    let received = 0
    leadcall.on('lead.received', () => {
      received++
    })
    const handler = createHttpHandler(leadcall, { ghl: { publicKeyPem: rsaPem, ed25519PublicKey: edPem } })
    const payload = contactCreate()
    const body = JSON.stringify(payload)
    const tampered = JSON.stringify({ ...payload, phone: nextPhone() })
    const cases: [string, Record<string, string>][] = [
      [tampered, { 'x-ghl-signature': signEd25519(body) }],
      [tampered, { 'x-wh-signature': signRsa(body) }],
      [body, { 'x-ghl-signature': signEd25519(body, generateKeyPairSync('ed25519').privateKey) }],
      [body, { 'x-ghl-signature': 'bm90IGEgc2lnbmF0dXJl' }],
      [body, {}],
    ]
    for (const [text, headers] of cases) {
      const response = await handler(ghlRequest(text, headers))
      expect(response.status).toBe(401)
      expect(await bodyOf(response)).toMatchObject({ error: { code: 'INVALID_SIGNATURE', status: 401 } })
    }
    expect(received).toBe(0)
  })

  it('never falls back to x-wh-signature once x-ghl-signature is checked', async () => {
    const handler = createHttpHandler(await app(), { ghl: { publicKeyPem: rsaPem, ed25519PublicKey: edPem } })
    const body = JSON.stringify(contactCreate())
    const response = await handler(
      ghlRequest(body, { 'x-ghl-signature': 'AAAA', 'x-wh-signature': signRsa(body) }),
    )
    expect(response.status).toBe(401)
  })

  it('checks x-wh-signature when only the RSA key is configured, even beside an x-ghl-signature', async () => {
    const handler = createHttpHandler(await app(), { ghl: { publicKeyPem: rsaPem } })
    const body = JSON.stringify(contactCreate())
    const response = await handler(
      ghlRequest(body, { 'x-ghl-signature': 'AAAA', 'x-wh-signature': signRsa(body) }),
    )
    expect(response.status).toBe(200)
  })

  it('refuses a replayed webhookId (409) and does not submit the lead twice', async () => {
    const leadcall = await app()
    let received = 0
    leadcall.on('lead.received', () => {
      received++
    })
    const handler = createHttpHandler(leadcall, { ghl: { ed25519PublicKey: edPem } })
    const body = JSON.stringify(contactCreate())
    const headers = { 'x-ghl-signature': signEd25519(body) }
    expect((await handler(ghlRequest(body, headers))).status).toBe(200)
    const replay = await handler(ghlRequest(body, headers))
    expect(replay.status).toBe(409)
    expect(await bodyOf(replay)).toMatchObject({
      error: { code: 'DUPLICATE_LEAD', details: { webhookId: expect.any(String) } },
    })
    expect(received).toBe(1)
  })

  it('remembers webhookIds in the tenant namespace, with a TTL', async () => {
    const leadcall = await app({ tenant: 'acme' })
    const handler = createHttpHandler(leadcall, { ghl: { ed25519PublicKey: edPem } })
    const payload = contactCreate()
    const body = JSON.stringify(payload)
    await handler(ghlRequest(body, { 'x-ghl-signature': signEd25519(body) }))
    const entry = await leadcall.storage.get('acme', `http:ghl-webhook:${payload.webhookId}`)
    expect(entry?.expiresAt).toBeGreaterThan(Date.now() + 60 * 60_000)
    expect(await leadcall.storage.get('default', `http:ghl-webhook:${payload.webhookId}`)).toBeNull()
  })

  it('refuses a stale or far-future timestamp with 401', async () => {
    const handler = createHttpHandler(await app(), { ghl: { ed25519PublicKey: edPem, maxAgeMs: 60_000 } })
    for (const at of [Date.now() - 61_000, Date.now() + 120_000]) {
      const body = JSON.stringify(contactCreate({ timestamp: new Date(at).toISOString() }))
      const response = await handler(ghlRequest(body, { 'x-ghl-signature': signEd25519(body) }))
      expect(response.status).toBe(401)
      expect((await bodyOf(response)).error).toMatchObject({
        code: 'INVALID_SIGNATURE',
        details: { maxAgeMs: 60_000 },
      })
    }
    const unreadable = JSON.stringify(contactCreate({ timestamp: 'yesterday' }))
    const response = await handler(ghlRequest(unreadable, { 'x-ghl-signature': signEd25519(unreadable) }))
    expect(response.status).toBe(401)
    const fresh = JSON.stringify(contactCreate({ timestamp: new Date(Date.now() - 30_000).toISOString() }))
    expect((await handler(ghlRequest(fresh, { 'x-ghl-signature': signEd25519(fresh) }))).status).toBe(200)
  })

  it('accepts a signed payload without a timestamp (nothing to check)', async () => {
    const handler = createHttpHandler(await app(), { ghl: { ed25519PublicKey: edPem } })
    const { timestamp: _, ...payload } = contactCreate()
    const body = JSON.stringify(payload)
    expect((await handler(ghlRequest(body, { 'x-ghl-signature': signEd25519(body) }))).status).toBe(200)
  })
})

describe('POST /leads/ghl workflow secret', () => {
  it('accepts the secret in x-leadcall-secret or ?secret=, refuses it missing or wrong (401)', async () => {
    const handler = createHttpHandler(await app(), {
      ghl: { secret: 'open sesame', ed25519PublicKey: edPem },
    })
    const send = (headers: Record<string, string>, query = '') =>
      handler(ghlRequest(JSON.stringify(workflowPayload()), headers, query))
    expect((await send({ 'x-leadcall-secret': 'open sesame' })).status).toBe(200)
    expect((await send({}, '?secret=open%20sesame')).status).toBe(200)
    expect((await send({ 'x-leadcall-secret': 'open sesame!' })).status).toBe(401)
    expect((await send({}, '?secret=nope')).status).toBe(401)
    const missing = await send({})
    expect(missing.status).toBe(401)
    expect((await bodyOf(missing)).error.message).toMatch(/secret/)
  })

  it('still verifies signed Marketplace payloads when a secret is configured too', async () => {
    const handler = createHttpHandler(await app(), { ghl: { secret: 's', ed25519PublicKey: edPem } })
    const body = JSON.stringify(contactCreate())
    expect((await handler(ghlRequest(body, { 'x-ghl-signature': signEd25519(body) }))).status).toBe(200)
    const other = JSON.stringify(contactCreate())
    expect((await handler(ghlRequest(other, { 'x-ghl-signature': signEd25519(body) }))).status).toBe(401)
  })
})

describe('POST /leads/ghl retries', () => {
  it('answers 429 with Retry-After when the lead cannot be stored, and lets the retry in', async () => {
    const logger = spyLogger()
    const flaky = flakyStorage()
    const leadcall = await app({ storage: flaky.storage, logger })
    const handler = createHttpHandler(leadcall, { ghl: { ed25519PublicKey: edPem } })
    const body = JSON.stringify(contactCreate())
    const headers = { 'x-ghl-signature': signEd25519(body) }
    flaky.fail.atomic = true
    const refused = await handler(ghlRequest(body, headers))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('60')
    expect(await bodyOf(refused)).toMatchObject({ error: { code: 'RATE_LIMITED', status: 429 } })
    expect(logger.error).toHaveBeenCalled()

    flaky.fail.atomic = false
    const retried = await handler(ghlRequest(body, headers))
    expect(retried.status).toBe(200)
  })

  it('forgets the webhookId when storing the lead fails after it was remembered', async () => {
    const flaky = flakyStorage()
    const leadcall = await app({ storage: flaky.storage })
    const handler = createHttpHandler(leadcall, { ghl: { ed25519PublicKey: edPem } })
    const payload = contactCreate()
    const body = JSON.stringify(payload)
    const headers = { 'x-ghl-signature': signEd25519(body) }
    // Remembering the webhookId succeeds; writing the lead's process fails.
    const storage = leadcall.storage
    const atomic = storage.atomic.bind(storage)
    Object.defineProperty(storage, 'atomic', {
      configurable: true,
      value: (...args: Parameters<typeof atomic>) =>
        args[1].mutations.some((m) => m.key.startsWith('process:'))
          ? Promise.reject(new Error('write failed'))
          : atomic(...args),
    })
    const refused = await handler(ghlRequest(body, headers))
    expect(refused.status).toBe(429)
    expect(await leadcall.storage.get(leadcall.tenant, `http:ghl-webhook:${payload.webhookId}`)).toBeNull()
    Object.defineProperty(storage, 'atomic', { configurable: true, value: atomic })
    expect((await handler(ghlRequest(body, headers))).status).toBe(200)
  })

  it('answers 429 for RATE_LIMITED and 5xx errors, 202 for a stored lead whose call failed', async () => {
    const real = await app()
    const cases: [() => Promise<SubmitLeadResult>, number][] = [
      [() => Promise.reject(new LeadCallError('RATE_LIMITED')), 429],
      [() => Promise.reject(new LeadCallError('PROVIDER_TIMEOUT')), 429],
      [() => Promise.reject(new LeadCallError('INVALID_PHONE')), 400],
      [
        () =>
          Promise.resolve({
            processId: 'p1',
            status: 'failed',
            steps: {},
            error: { code: 'CALL_FAILED', message: 'The call could not be started' },
          }),
        202,
      ],
    ]
    for (const [submitLead, status] of cases) {
      const fake = { ...real, submitLead } as LeadCallApp
      const response = await createHttpHandler(fake)(ghlRequest(JSON.stringify(contactCreate())))
      expect(response.status).toBe(status)
      if (status === 202)
        expect(await bodyOf(response)).toMatchObject({ success: false, error: { code: 'CALL_FAILED' } })
    }
    // The same failures on POST /leads keep their own status.
    const fake = { ...real, submitLead: cases[1]![0] } as LeadCallApp
    const generic = await createHttpHandler(fake)(request('/leads', { json: { phone: nextPhone() } }))
    expect(generic.status).toBe(504)
  })
})

describe('verifyGoHighLevelSignature', () => {
  it('tells missing from invalid, and which scheme passed', () => {
    const body = '{"a":1}'
    expect(verifyGoHighLevelSignature({ body, rsaPublicKey: rsaPem })).toEqual({
      ok: false,
      reason: 'missing',
    })
    expect(verifyGoHighLevelSignature({ body, whSignature: signRsa(body), rsaPublicKey: rsaPem })).toEqual({
      ok: true,
      scheme: 'rsa-sha256',
    })
    expect(
      verifyGoHighLevelSignature({ body, ghlSignature: signEd25519(body), ed25519PublicKey: ed.publicKey }),
    ).toEqual({ ok: true, scheme: 'ed25519' })
    expect(
      verifyGoHighLevelSignature({
        body: '{"a":2}',
        ghlSignature: signEd25519(body),
        ed25519PublicKey: edPem,
      }),
    ).toEqual({ ok: false, reason: 'invalid' })
    // Not JSON: only the raw body can match.
    expect(
      verifyGoHighLevelSignature({
        body: 'plain',
        ghlSignature: signEd25519('plain'),
        ed25519PublicKey: edPem,
      }),
    ).toEqual({ ok: true, scheme: 'ed25519' })
  })
})
