/**
 * Property-based tests of the HTTP handler: arbitrary methods, paths, headers and bodies on every
 * route family must only ever get a documented answer (2xx, or 4xx with the JSON error body whose
 * code is a leadcall code or an HTTP-only one), never a 5xx for bad input, never an unhandled
 * rejection, and never a polluted `Object.prototype`.
 *
 * 10,000 generated requests in all, split over the properties below (`numRuns` set on each).
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { type CallEvent, CallEventSchema } from '../domain/call-event.js'
import { ERROR_CODES } from '../errors/lead-call-error.js'
import { parseJson } from './body.js'
import { addAgents, testApp } from './http.test-util.js'
import { createHttpHandler, type HttpHandler } from './http-handler.js'
import { parseInput } from './query.js'

const ADMIN = 'Bearer fuzz-admin-token'
const KNOWN_CODES = new Set<string>([...ERROR_CODES, 'INTERNAL_ERROR', 'NOT_IMPLEMENTED'])
/** 5xx answers the API documents for reasons other than the input (no agent, storage down). */
const DOCUMENTED_5XX = new Set(['NO_AGENTS_AVAILABLE', 'AGENT_NOT_AVAILABLE', 'AGENT_BUSY'])

/** A call-event parser as adapters supply them: JSON `CallEvent[]` read through core's schema. */
async function jsonEventParser(request: Request): Promise<CallEvent[]> {
  const raw = await request.text()
  return parseInput(z.array(CallEventSchema).max(50), parseJson(raw), 'call events')
}

const rejections: unknown[] = []
const exceptions: unknown[] = []
const onRejection = (reason: unknown) => rejections.push(reason)
const onException = (error: unknown) => exceptions.push(error)

let app: LeadCallApp
/** Open: no authorize, no GoHighLevel settings (bodies reach the pipeline). */
let open: HttpHandler
/** Guarded: authorize, a GoHighLevel secret, a small body limit. */
let guarded: HttpHandler
let runs = 0
/** How many answers of each status the properties saw (printed, and checked for variety). */
const statuses = new Map<number, number>()

beforeAll(async () => {
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  app = testApp()
  await addAgents(app, 3)
  open = createHttpHandler(app, { webhooks: { sim: jsonEventParser } })
  guarded = createHttpHandler(app, {
    basePath: '/api',
    maxBodyBytes: 4096,
    maxImportBytes: 8192,
    authorize: (request) => request.headers.get('authorization') === ADMIN,
    ghl: { secret: 'fuzz-ghl-secret' },
    webhooks: { sim: jsonEventParser },
  })
})

afterAll(async () => {
  await app.close()
  // Let any stray promise settle before the last check.
  await new Promise((resolve) => setTimeout(resolve, 50))
  process.off('unhandledRejection', onRejection)
  process.off('uncaughtException', onException)
  const seen = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`)
  console.info(`http-fuzz: ${runs} generated requests; statuses ${seen.join(' ')}`)
  expect(runs).toBe(10_000)
  // The inputs reached the routes' logic, not only the router: successes and every refusal kind.
  for (const status of [200, 400, 401, 404, 405, 413, 415]) expect(statuses.get(status)).toBeGreaterThan(0)
  expect(rejections).toEqual([])
  expect(exceptions).toEqual([])
})

/** Reads (or, for an event stream, cancels) the body and checks the answer is a documented one. */
async function assertDocumented(response: Response, path: string): Promise<void> {
  const type = response.headers.get('content-type') ?? ''
  if (type.startsWith('text/event-stream')) {
    expect(response.status).toBe(200)
    await response.body?.cancel()
    return
  }
  const text = await response.text()
  const { status } = response
  if (status >= 200 && status < 300) return
  expect([400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 503]).toContain(status)
  expect(type).toMatch(/^application\/json/)
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; status?: unknown } }
  expect(body.error).toBeDefined()
  expect(KNOWN_CODES.has(String(body.error?.code))).toBe(true)
  expect(typeof body.error?.message).toBe('string')
  expect(body.error?.status).toBe(status)
  if (status >= 500) {
    const healthDown = path.endsWith('/health') && status === 503
    expect(healthDown || DOCUMENTED_5XX.has(String(body.error?.code)), `${status} ${text}`).toBe(true)
  }
  if (status === 405) expect(response.headers.get('allow')).toBeTruthy()
}

function checkPrototype(): void {
  const probe: Record<string, unknown> = {}
  for (const key of ['polluted', 'isAdmin', 'x', 'status', 'phone']) expect(probe[key]).toBeUndefined()
  expect(Object.keys(Object.prototype)).toEqual([])
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const ROUTES = [
  '/leads',
  '/leads/ghl',
  '/leads/import',
  '/webhooks/sim',
  '/webhooks/unknown',
  '/whatsapp/twilio',
  '/agents',
  '/agents/a1/status',
  '/agents/%E0%A4%A/status',
  '/queue',
  '/queue/p-1',
  '/conversations/+12125550100',
  '/conversations/+12125550100/history',
  '/conversations/%2B12125550100/reset',
  '/analytics/conversations',
  '/analytics',
  '/stats',
  '/processes',
  '/processes/p-unknown',
  '/export',
  '/events',
  '/dashboard',
  '/health',
  '/metrics',
  '/',
] as const

const methodArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'POST') },
  { weight: 3, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
  {
    weight: 1,
    arbitrary: fc
      .stringMatching(/^[A-Za-z]{1,12}$/)
      .filter((m) => !['CONNECT', 'TRACE', 'TRACK'].includes(m.toUpperCase())),
  },
)

const segmentArb = fc.oneof(
  fc.webSegment(),
  fc.constantFrom('..', '%2e%2e', '%00', '%ff', '__proto__', 'constructor', 'prototype', '%E0%A4%A'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
)

const queryArb = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'limit',
            'status',
            'agent',
            'from',
            'to',
            'groupBy',
            'format',
            'secret',
            'batchSize',
            'concurrency',
            'maxRejected',
            'delimiter',
            'mapping.phone',
            'mapping.__proto__',
            '__proto__',
            'constructor',
          ),
          fc.string({ maxLength: 12 }),
        ),
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.integer().map(String),
          fc.constantFrom('-1', '0', '1e309', 'NaN', '2026-13-45', 'csv', 'json', 'day', ''),
        ),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => `?${new URLSearchParams(pairs).toString()}`),
)

const pathArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...ROUTES) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...ROUTES), fc.array(segmentArb, { minLength: 1, maxLength: 3 }))
      .map(([route, extra]) => `${route}/${extra.join('/')}`),
  },
  { weight: 1, arbitrary: fc.webPath() },
)

const contentTypeArb = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/vnd.lead+json',
      'text/csv',
      'application/csv',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/xml',
      '',
      ';',
      'APPLICATION/JSON',
    ),
    fc.string({ maxLength: 40 }),
  ),
  { nil: undefined },
)

/** Header values a `Headers` accepts: visible ASCII and spaces, trimmed. */
const headerValueArb = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,60}$/)

const headersArb = fc.record(
  {
    'content-type': contentTypeArb,
    authorization: fc.option(fc.oneof(fc.constant(ADMIN), headerValueArb), { nil: undefined }),
    'idempotency-key': fc.option(headerValueArb, { nil: undefined }),
    'x-leadcall-secret': fc.option(fc.oneof(fc.constant('fuzz-ghl-secret'), headerValueArb), {
      nil: undefined,
    }),
    'x-ghl-signature': fc.option(fc.base64String({ maxLength: 100 }), { nil: undefined }),
    'x-twilio-signature': fc.option(fc.base64String({ maxLength: 40 }), { nil: undefined }),
    'content-length': fc.option(fc.oneof(fc.nat().map(String), headerValueArb), { nil: undefined }),
    'x-forwarded-host': fc.option(headerValueArb, { nil: undefined }),
    accept: fc.option(headerValueArb, { nil: undefined }),
  },
  { requiredKeys: [] },
)

/** JSON with the keys leadcall reads, values of any JSON type (and pollution keys now and then). */
const leadishArb = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'phone',
      'name',
      'email',
      'source',
      'tags',
      'custom',
      'timestamp',
      'webhookId',
      'type',
      'status',
      'firstName',
      'contact',
      'customData',
      '__proto__',
      'constructor',
      'prototype',
    ),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('+12125550100', '+34600111222', '12', '', 'whatsapp:+1', 'ContactCreate'),
  ),
  { maxKeys: 8 },
)

const bytesArb = fc.uint8Array({ maxLength: 300 }).map((bytes) => new Uint8Array(bytes))

const bodyArb = fc.oneof(
  { weight: 3, arbitrary: leadishArb.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
  { weight: 2, arbitrary: bytesArb },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 })), { maxLength: 8 })
      .map((pairs) => new URLSearchParams(pairs).toString()),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.array(fc.string({ maxLength: 15 }), { minLength: 1, maxLength: 4 }), { maxLength: 6 })
      .map((rows) => rows.map((row) => row.join(',')).join('\n')),
  },
  { weight: 1, arbitrary: fc.constant(null) },
)

interface FuzzRequest {
  guarded: boolean
  method: string
  path: string
  query: string
  headers: Record<string, string | undefined>
  body: string | Uint8Array | null
}

const requestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  guarded: fc.boolean(),
  method: methodArb,
  path: pathArb,
  query: queryArb,
  headers: headersArb,
  body: bodyArb,
})

/** Builds the `Request`, or `null` when the Fetch API itself refuses it (not the handler's input). */
function build(input: FuzzRequest): Request | null {
  const headers = new Headers()
  for (const [name, value] of Object.entries(input.headers)) if (value !== undefined) headers.set(name, value)
  const base = input.guarded ? '/api' : ''
  const bodyless = ['GET', 'HEAD'].includes(input.method.toUpperCase())
  try {
    return new Request(`http://localhost${base}${input.path}${input.query}`, {
      method: input.method,
      headers,
      body: bodyless ? null : (input.body as BodyInit | null),
    })
  } catch {
    return null
  }
}

async function send(input: FuzzRequest): Promise<void> {
  const request = build(input)
  fc.pre(request !== null)
  runs++
  const response = await (input.guarded ? guarded : open)(request)
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
  await assertDocumented(response, new URL(request.url).pathname)
  checkPrototype()
}

// ---------------------------------------------------------------------------------------------
// Properties: 4000 + 3000 + 1500 + 1500 = 10,000 runs.

describe('HTTP handler under arbitrary input', () => {
  it('answers any method, path, query, headers and body with a documented response (4000 runs)', async () => {
    await fc.assert(fc.asyncProperty(requestArb, send), { numRuns: 4000, seed: 20261121 })
  }, 240_000)

  it('answers arbitrary JSON on every JSON intake with a documented response (3000 runs)', async () => {
    const arb = fc.record({
      guarded: fc.boolean(),
      method: fc.constant('POST'),
      path: fc.constantFrom('/leads', '/leads/ghl', '/agents/a2/status', '/webhooks/sim'),
      query: fc.oneof(fc.constant(''), fc.constant('?secret=fuzz-ghl-secret'), queryArb),
      headers: fc.record({
        'content-type': fc.constantFrom('application/json', 'application/vnd.x+json; charset=utf-8'),
        authorization: fc.constant(ADMIN),
        'x-leadcall-secret': fc.option(fc.constant('fuzz-ghl-secret'), { nil: undefined }),
        'idempotency-key': fc.option(headerValueArb, { nil: undefined }),
      }),
      body: fc.oneof(
        { weight: 4, arbitrary: leadishArb.map((value) => JSON.stringify(value)) },
        { weight: 2, arbitrary: fc.json({ maxDepth: 6 }) },
        {
          weight: 2,
          arbitrary: fc
            .array(
              fc.record({
                provider: fc.oneof(fc.constant('sim'), fc.string({ maxLength: 5 })),
                type: fc.constantFrom('ringing', 'answered', 'completed', 'failed', 'busy', 'bogus'),
                attemptId: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
                processId: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
                at: fc.oneof(
                  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                  fc.string(),
                ),
                durationSec: fc.option(fc.double(), { nil: undefined }),
              }),
              { maxLength: 4 },
            )
            .map((events) => JSON.stringify(events)),
        },
        { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      ),
    })
    // Each path with its own method (the router's 405 is covered above).
    const routed = arb.map((input) => ({ ...input, method: input.path.endsWith('/status') ? 'PUT' : 'POST' }))
    await fc.assert(fc.asyncProperty(routed, send), { numRuns: 3000, seed: 20261122 })
  }, 240_000)

  it('answers arbitrary forms on the Twilio WhatsApp intake with TwiML or a documented error (1500 runs)', async () => {
    const sid = fc.stringMatching(/^(SM|MM)[0-9a-f]{32}$/)
    const param = fc.oneof(
      fc.tuple(fc.constant('MessageSid'), fc.oneof(sid, fc.string({ maxLength: 40 }))),
      fc.tuple(
        fc.constant('From'),
        fc.oneof(
          fc.constantFrom('whatsapp:+34600111222', 'whatsapp:+12125550100', 'whatsapp:+1', 'whatsapp:'),
          fc.string({ maxLength: 30 }),
        ),
      ),
      fc.tuple(fc.constant('Body'), fc.string({ maxLength: 300, unit: 'grapheme' })),
      fc.tuple(fc.constant('ProfileName'), fc.string({ maxLength: 30 })),
      fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 })),
    )
    const arb = fc.record({
      guarded: fc.boolean(),
      method: fc.constant('POST'),
      path: fc.constant('/whatsapp/twilio'),
      query: queryArb,
      headers: fc.record({
        'content-type': fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=utf-8',
        ),
      }),
      body: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.array(param, { maxLength: 8 }).map((p) => new URLSearchParams(p).toString()),
        },
        { weight: 1, arbitrary: bytesArb },
      ),
    })
    await fc.assert(fc.asyncProperty(arb, send), { numRuns: 1500, seed: 20261123 })
  }, 240_000)

  it('answers arbitrary CSV uploads with an import summary or a documented error (1500 runs)', async () => {
    const cell = fc.oneof(
      fc.constantFrom('+12125550100', '+34600111222', 'name', 'phone', 'email', '"', '""', '\r', '=1+1', ''),
      fc.string({ maxLength: 20 }),
    )
    const arb = fc.record({
      guarded: fc.boolean(),
      method: fc.constant('POST'),
      path: fc.constant('/leads/import'),
      query: fc.oneof(
        fc.constant(''),
        fc.constantFrom(
          '?delimiter=%3B',
          '?delimiter=',
          '?batchSize=0',
          '?mapping.phone=Phone',
          '?maxRejected=-1',
        ),
        queryArb,
      ),
      headers: fc.record({
        'content-type': fc.constantFrom('text/csv', 'application/csv; charset=utf-8'),
        authorization: fc.constant(ADMIN),
      }),
      body: fc.oneof(
        {
          weight: 4,
          arbitrary: fc
            .tuple(
              fc.constantFrom('phone,name,email', 'Phone;Name', '', 'phone'),
              fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { maxLength: 8 }),
            )
            .map(([head, rows]) => [head, ...rows.map((row) => row.join(','))].join('\n')),
        },
        { weight: 1, arbitrary: bytesArb },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
    })
    await fc.assert(fc.asyncProperty(arb, send), { numRuns: 1500, seed: 20261124 })
  }, 240_000)
})
