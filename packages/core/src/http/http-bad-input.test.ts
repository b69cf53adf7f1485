/**
 * Bad input, case by case, on every route family: oversized bodies (honest, lying and missing
 * `Content-Length`, endless chunked streams), 100k-deep JSON, huge strings, wrong content types,
 * invalid UTF-8 and prototype-pollution keys at any depth. Every answer must be a documented one
 * (2xx, or 4xx with the JSON error body), never a 5xx, and `Object.prototype` stays untouched.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { CallEventSchema } from '../domain/call-event.js'
import { ERROR_CODES } from '../errors/lead-call-error.js'
import { parseJson } from './body.js'
import { addAgents, nextPhone, request, testApp } from './http.test-util.js'
import { createHttpHandler, type HttpHandler } from './http-handler.js'
import { parseInput } from './query.js'

const LIMIT = 1024
const JSON_TYPE = { 'content-type': 'application/json' }
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' }
const CSV_TYPE = { 'content-type': 'text/csv' }
const KNOWN_CODES = new Set<string>([...ERROR_CODES, 'INTERNAL_ERROR', 'NOT_IMPLEMENTED'])

/** The body routes, each with the media type it accepts and a method. */
const BODY_ROUTES = [
  { path: '/leads', method: 'POST', type: JSON_TYPE },
  { path: '/leads/ghl', method: 'POST', type: JSON_TYPE },
  { path: '/webhooks/sim', method: 'POST', type: JSON_TYPE },
  { path: '/whatsapp/twilio', method: 'POST', type: FORM_TYPE },
  { path: '/agents/a1/status', method: 'PUT', type: JSON_TYPE },
] as const

const rejections: unknown[] = []
const onRejection = (reason: unknown) => rejections.push(reason)
const apps: LeadCallApp[] = []

beforeAll(() => {
  process.on('unhandledRejection', onRejection)
})
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50))
  process.off('unhandledRejection', onRejection)
  expect(rejections).toEqual([])
})

/** A handler on a fresh app with agents, a call-event parser that reads JSON events. */
async function handlerOf(options: Parameters<typeof createHttpHandler>[1] = {}): Promise<HttpHandler> {
  const app = testApp()
  apps.push(app)
  await addAgents(app, 2)
  return createHttpHandler(app, {
    webhooks: {
      // As adapters supply them: the events read through core's schema.
      sim: async (req) => parseInput(z.array(CallEventSchema), parseJson(await req.text()), 'call events'),
    },
    ...options,
  })
}

/** The JSON error of a refusal; fails on a 5xx or a body that is not the documented error shape. */
async function refusal(response: Response): Promise<{ code: string; status: number; details?: unknown }> {
  expect(response.status, await response.clone().text()).toBeGreaterThanOrEqual(400)
  expect(response.status).toBeLessThan(500)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const { error } = (await response.json()) as { error: { code: string; status: number; message: string } }
  expect(KNOWN_CODES.has(error.code)).toBe(true)
  expect(typeof error.message).toBe('string')
  expect(error.status).toBe(response.status)
  return error
}

/** A documented answer: 2xx, or a refusal (read through {@link refusal}). */
async function documented(response: Response): Promise<number> {
  if (response.status >= 200 && response.status < 300) {
    await response.text()
    return response.status
  }
  await refusal(response)
  return response.status
}

/** An endless stream of `chunk`, counting the pulls. */
function endless(chunk: string): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  const bytes = new TextEncoder().encode(chunk)
  let pulls = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++
      controller.enqueue(bytes)
    },
  })
  return { stream, pulled: () => pulls }
}

function prototypeUntouched(): void {
  const probe: Record<string, unknown> = {}
  expect(probe.polluted).toBeUndefined()
  expect(probe.isAdmin).toBeUndefined()
  expect(Object.keys(Object.prototype)).toEqual([])
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype)
}

describe('oversized bodies', () => {
  for (const route of BODY_ROUTES) {
    it(`${route.method} ${route.path}: 413 for an honest Content-Length over the limit`, async () => {
      const handler = await handlerOf({ maxBodyBytes: LIMIT })
      const body = 'x'.repeat(LIMIT + 1)
      const response = await handler(
        request(route.path, {
          method: route.method,
          body,
          headers: { ...route.type, 'content-length': String(body.length) },
        }),
      )
      expect(await refusal(response)).toMatchObject({ status: 413, details: { reason: 'PAYLOAD_TOO_LARGE' } })
    })

    it(`${route.method} ${route.path}: 413 for a lying (small) Content-Length on a large stream`, async () => {
      const handler = await handlerOf({ maxBodyBytes: LIMIT })
      const { stream, pulled } = endless('y'.repeat(256))
      const response = await handler(
        request(route.path, {
          method: route.method,
          body: stream,
          headers: { ...route.type, 'content-length': '12' },
        }),
      )
      expect((await refusal(response)).status).toBe(413)
      expect(pulled()).toBeLessThan(20) // reading stopped right after the limit
    })

    it(`${route.method} ${route.path}: 413 for an endless chunked stream without Content-Length`, async () => {
      const handler = await handlerOf({ maxBodyBytes: LIMIT })
      const { stream, pulled } = endless(`{"k":"${'z'.repeat(500)}",`)
      const response = await handler(
        request(route.path, { method: route.method, body: stream, headers: route.type }),
      )
      expect((await refusal(response)).status).toBe(413)
      expect(pulled()).toBeLessThan(20)
    })
  }

  it('POST /leads/import: 413 over maxImportBytes, declared, lying or chunked', async () => {
    const handler = await handlerOf({ maxImportBytes: 4096 })
    const csv = `phone,name\n${`${nextPhone()},Row\n`.repeat(400)}`
    const declared = await handler(
      request('/leads/import', {
        body: csv,
        headers: { ...CSV_TYPE, 'content-length': String(csv.length) },
      }),
    )
    expect((await refusal(declared)).status).toBe(413)

    const lying = endless('+12125550100,Row\n')
    const first = new TextEncoder().encode('phone,name\n')
    const withHeader = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(first)
      },
      async pull(controller) {
        const reader = lying.stream.getReader()
        const { value } = await reader.read()
        reader.releaseLock()
        if (value) controller.enqueue(value)
      },
    })
    const response = await handler(
      request('/leads/import', { body: withHeader, headers: { ...CSV_TYPE, 'content-length': '20' } }),
    )
    expect((await refusal(response)).status).toBe(413)
    expect(lying.pulled()).toBeLessThan(1000)

    const chunked = endless('phone\n')
    const endlessResponse = await handler(
      request('/leads/import', { body: chunked.stream, headers: CSV_TYPE }),
    )
    expect((await refusal(endlessResponse)).status).toBe(413)
  })
})

describe('deep JSON and huge strings', () => {
  const DEPTH = 100_000
  const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`
  const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`

  for (const route of BODY_ROUTES.filter((r) => r.type === JSON_TYPE)) {
    it(`${route.method} ${route.path}: 100k-deep arrays and objects get a documented answer, no 5xx`, async () => {
      const handler = await handlerOf()
      for (const body of [deepArray, deepObject]) {
        const response = await handler(
          request(route.path, { method: route.method, body, headers: JSON_TYPE }),
        )
        expect((await refusal(response)).status).toBeLessThan(500)
      }
    })
  }

  it('POST /leads: a lead whose custom field nests 100k deep is refused or stored, never a 5xx', async () => {
    const handler = await handlerOf()
    const body = `{"phone":"${nextPhone()}","name":"Deep","custom":${deepObject}}`
    expect(body.length).toBeLessThan(1024 * 1024)
    const status = await documented(await handler(request('/leads', { body, headers: JSON_TYPE })))
    expect(status).toBeLessThan(500)
  })

  it('POST /leads/ghl: a payload nesting 100k deep is refused or stored, never a 5xx', async () => {
    const handler = await handlerOf()
    const body = `{"phone":"${nextPhone()}","firstName":"Deep","customData":${deepObject}}`
    const status = await documented(await handler(request('/leads/ghl', { body, headers: JSON_TYPE })))
    expect(status).toBeLessThan(500)
  })

  // With a GoHighLevel key configured, a request carrying a signature header and a body too deep
  // to re-serialise is refused as unsigned (it once escaped as a 500: `JSON.stringify` threw).
  it('POST /leads/ghl with a key configured: a bogus signature on a 100k-deep body is 401, not 500', async () => {
    const ed = generateKeyPairSync('ed25519')
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const handler = await handlerOf({
      ghl: {
        ed25519PublicKey: ed.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        publicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    })
    for (const header of ['x-ghl-signature', 'x-wh-signature']) {
      for (const body of [deepObject, deepArray, `{"phone":"+12125550100","customData":${deepObject}}`]) {
        const response = await handler(
          request('/leads/ghl', { body, headers: { ...JSON_TYPE, [header]: 'AAAA' } }),
        )
        expect((await refusal(response)).status).toBe(401)
      }
    }
  })

  it('answers huge strings in every field with a documented status', async () => {
    const handler = await handlerOf()
    const huge = 'é'.repeat(400_000) // 800 KB of UTF-8, under the 1 MiB limit
    for (const lead of [
      { phone: nextPhone(), name: huge },
      { phone: huge },
      { phone: nextPhone(), email: `${huge}@example.com` },
      { phone: nextPhone(), source: huge, tags: [huge.slice(0, 1000)] },
      { phone: nextPhone(), custom: { [huge.slice(0, 100_000)]: huge.slice(0, 100_000) } },
    ]) {
      const status = await documented(await handler(request('/leads', { json: lead })))
      expect(status).toBeLessThan(500)
    }
    const idempotent = await handler(
      request('/leads', { json: { phone: nextPhone() }, headers: { 'idempotency-key': 'k'.repeat(8000) } }),
    )
    expect(await documented(idempotent)).toBeLessThan(300)
    const form = new URLSearchParams({
      MessageSid: `SM${'a'.repeat(32)}`,
      From: 'whatsapp:+34600111222',
      Body: huge.slice(0, 200_000),
    })
    const whatsapp = await handler(request('/whatsapp/twilio', { body: form.toString(), headers: FORM_TYPE }))
    expect(await documented(whatsapp)).toBeLessThan(500)
    const csv = `phone,name\n${nextPhone()},${'n'.repeat(500_000)}\n`
    const imported = await handler(request('/leads/import', { body: csv, headers: CSV_TYPE }))
    expect(await documented(imported)).toBeLessThan(500)
    const agent = await handler(
      request('/agents/a1/status', { method: 'PUT', json: { status: huge.slice(0, 100_000) } }),
    )
    expect((await refusal(agent)).status).toBe(400)
    const longPath = await handler(request(`/conversations/${'9'.repeat(60_000)}/history`))
    expect(await documented(longPath)).toBeLessThan(500)
    const longQuery = await handler(
      request(`/processes?status=${'s'.repeat(60_000)}&limit=${'9'.repeat(400)}`),
    )
    expect((await refusal(longQuery)).status).toBe(400)
  })
})

describe('wrong content types', () => {
  const WRONG = [null, 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'json', ';']
  // `POST /webhooks/:provider` leaves the media type to the provider's parser (Twilio posts forms,
  // others JSON), so it is not in this list.
  for (const route of BODY_ROUTES.filter((r) => r.path !== '/webhooks/sim')) {
    it(`${route.method} ${route.path}: 415 for any other media type`, async () => {
      const handler = await handlerOf()
      const body =
        route.type === FORM_TYPE ? 'MessageSid=SM1&From=whatsapp%3A%2B1' : '{"phone":"+12125550100"}'
      for (const type of WRONG) {
        const headers: Record<string, string> = type === null ? {} : { 'content-type': type }
        const response = await handler(request(route.path, { method: route.method, body, headers }))
        expect(await refusal(response)).toMatchObject({
          status: 415,
          details: { reason: 'UNSUPPORTED_MEDIA_TYPE' },
        })
      }
      // Swapped: the JSON routes refuse a form, the form route refuses JSON.
      const swapped = route.type === FORM_TYPE ? JSON_TYPE : FORM_TYPE
      const response = await handler(request(route.path, { method: route.method, body, headers: swapped }))
      expect((await refusal(response)).status).toBe(415)
    })
  }

  it('POST /leads/import: 415 for JSON, text and no type', async () => {
    const handler = await handlerOf()
    for (const headers of [JSON_TYPE, { 'content-type': 'text/plain' }, {}]) {
      const response = await handler(request('/leads/import', { body: 'phone\n+12125550100\n', headers }))
      expect((await refusal(response)).status).toBe(415)
    }
  })
})

describe('invalid UTF-8', () => {
  const invalid = [
    new Uint8Array([0x7b, 0x22, 0x70, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"p":"\xff\xfe"}
    new Uint8Array([0xc3, 0x28]), // a broken two-byte sequence
    new Uint8Array([0xed, 0xa0, 0x80]), // a lone surrogate, encoded
    new Uint8Array([0xf8, 0x88, 0x80, 0x80, 0x80]), // a five-byte form
  ]

  for (const route of BODY_ROUTES.filter((r) => r.type === JSON_TYPE)) {
    it(`${route.method} ${route.path}: 400 for bytes that are not UTF-8`, async () => {
      const handler = await handlerOf()
      for (const body of invalid) {
        const response = await handler(
          request(route.path, { method: route.method, body, headers: JSON_TYPE }),
        )
        expect((await refusal(response)).status).toBe(400)
      }
    })
  }

  it('POST /whatsapp/twilio and POST /leads/import: a documented answer, no 5xx', async () => {
    const handler = await handlerOf()
    for (const body of invalid) {
      const prefix = new TextEncoder().encode(
        `MessageSid=SM${'b'.repeat(32)}&From=whatsapp%3A%2B34600111222&Body=`,
      )
      const form = new Uint8Array([...prefix, ...body])
      expect(
        await documented(await handler(request('/whatsapp/twilio', { body: form, headers: FORM_TYPE }))),
      ).toBeLessThan(500)
      const csv = new Uint8Array([...new TextEncoder().encode('phone,name\n+12125550100,'), ...body])
      expect(
        await documented(await handler(request('/leads/import', { body: csv, headers: CSV_TYPE }))),
      ).toBeLessThan(500)
    }
  })
})

describe('prototype-pollution keys', () => {
  const polluting = [
    '{"phone":"+12125550100","__proto__":{"polluted":true}}',
    '{"phone":"+12125550100","custom":{"__proto__":{"polluted":true}}}',
    '{"phone":"+12125550100","custom":{"a":{"b":[{"__proto__":{"polluted":true}}]}}}',
    '{"phone":"+12125550100","constructor":{"prototype":{"polluted":true}}}',
    '{"phone":"+12125550100","custom":{"x":[{"constructor":{"prototype":{"isAdmin":true}}}]}}',
    '{"phone":"+12125550100","custom":{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":true}}}',
    '[{"__proto__":{"polluted":true}}]',
  ]
  // Keys that are harmless alone: refused or ignored, never merged into a prototype.
  const harmless = [
    '{"phone":"+12125550100","prototype":{"polluted":true}}',
    '{"phone":"+12125550100","constructor":{"polluted":true}}',
    '{"phone":"+12125550100","custom":{"constructor":"x","prototype":"y","toString":"z","hasOwnProperty":1}}',
  ]

  for (const route of BODY_ROUTES.filter((r) => r.type === JSON_TYPE)) {
    it(`${route.method} ${route.path}: refuses __proto__ and constructor.prototype at any depth`, async () => {
      const handler = await handlerOf()
      for (const body of polluting) {
        const response = await handler(
          request(route.path, { method: route.method, body, headers: JSON_TYPE }),
        )
        expect(await refusal(response)).toMatchObject({ status: 400, details: { reason: 'MALFORMED_JSON' } })
        prototypeUntouched()
      }
      for (const body of harmless) {
        const text = body.replace('+12125550100', nextPhone())
        const response = await handler(
          request(route.path, { method: route.method, body: text, headers: JSON_TYPE }),
        )
        expect(await documented(response)).toBeLessThan(500)
        prototypeUntouched()
      }
    })
  }

  it('stores a lead with harmless look-alike keys as plain data, not as prototypes', async () => {
    const app = testApp()
    apps.push(app)
    await addAgents(app, 1)
    const handler = createHttpHandler(app)
    const response = await handler(
      request('/leads', {
        body: `{"phone":"${nextPhone()}","name":"Look","custom":{"constructor":"c","prototype":"p"}}`,
        headers: JSON_TYPE,
      }),
    )
    expect(response.status).toBeLessThan(300)
    const { processId } = (await response.json()) as { processId: string }
    const state = await app.process(processId)
    expect(state).not.toBeNull()
    prototypeUntouched()
  })

  it('forms, CSV headers, query mappings and path parameters named __proto__ pollute nothing', async () => {
    const handler = await handlerOf()
    const form = `__proto__=x&constructor=y&prototype=z&MessageSid=SM${'c'.repeat(32)}&From=whatsapp%3A%2B34600111222&Body=hi&__proto__%5Bpolluted%5D=1`
    expect(
      await documented(await handler(request('/whatsapp/twilio', { body: form, headers: FORM_TYPE }))),
    ).toBe(200)
    prototypeUntouched()
    const csv = `__proto__,constructor,prototype,phone\n1,2,3,${nextPhone()}\n`
    expect(
      await documented(
        await handler(
          request('/leads/import?mapping.__proto__=phone&mapping.constructor=prototype&__proto__=1', {
            body: csv,
            headers: CSV_TYPE,
          }),
        ),
      ),
    ).toBeLessThan(500)
    prototypeUntouched()
    for (const path of [
      '/agents/__proto__/status',
      '/agents/constructor/status',
      '/queue/__proto__',
      '/conversations/__proto__',
      '/conversations/constructor/history',
      '/conversations/prototype/reset',
      '/processes/__proto__',
      '/webhooks/__proto__',
      '/webhooks/constructor',
      '/processes?__proto__=1&constructor=2&status=__proto__',
      '/analytics?groupBy=__proto__',
      '/export?format=__proto__',
    ]) {
      const method = path.includes('/status')
        ? 'PUT'
        : path.endsWith('/reset') || path.startsWith('/webhooks')
          ? 'POST'
          : path.startsWith('/queue')
            ? 'DELETE'
            : 'GET'
      const response = await handler(
        request(path, {
          method,
          body: method === 'GET' || method === 'DELETE' ? null : '{"status":"available"}',
          headers: JSON_TYPE,
        }),
      )
      expect(await documented(response), path).toBeLessThan(500)
      prototypeUntouched()
    }
  })
})

describe('bad queries and paths on the management routes', () => {
  it('refuses malformed query values with 400, answers unknown ids 404, never 5xx', async () => {
    const handler = await handlerOf()
    for (const path of [
      '/agents?status=sleeping',
      '/queue?limit=-1',
      '/queue?limit=1e309',
      '/processes?limit=abc',
      '/processes?status=sleeping',
      '/export?from=not-a-date',
      '/analytics?groupBy=century',
      '/analytics?from=2026-13-45',
      '/export?format=xlsx',
      '/analytics/conversations?from=yesterday',
      '/leads/import?batchSize=x',
    ]) {
      const method = path.startsWith('/leads/import') ? 'POST' : 'GET'
      const response = await handler(
        request(path, method === 'POST' ? { body: 'phone\n', headers: CSV_TYPE } : {}),
      )
      expect((await refusal(response)).status, path).toBe(400)
    }
    for (const path of [
      '/processes/does-not-exist',
      '/conversations/+12125550100',
      '/conversations/%F0%9F%92%A9/history',
      '/conversations/%E0%A4%A',
    ]) {
      expect(await documented(await handler(request(path))), path).toBeLessThan(500)
    }
    const dashboard = await handler(request('/dashboard?x=%00'))
    expect(dashboard.status).toBe(200)
    await dashboard.text()
    const health = await handler(request('/health?verbose=%ff'))
    expect(await documented(health)).toBe(200)
    const events = await handler(request('/events?since=%00'))
    expect(events.status).toBe(200)
    await events.body?.cancel()
  })
})
