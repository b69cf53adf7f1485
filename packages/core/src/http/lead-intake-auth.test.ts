import { createHmac } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { isLeadCallError } from '../errors/lead-call-error.js'
import { addAgents, bodyOf, nextPhone, request, testApp } from './http.test-util.js'
import { createHttpHandler } from './http-handler.js'
import { signLeadRequest } from './lead-intake-auth.js'

const SECRET = 'a-long-enough-intake-secret'
const NEXT = 'the-next-intake-secret-rotated-in'
const NOW = Date.parse('2026-11-23T15:00:00.000Z')

const apps: LeadCallApp[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function handler(secrets: string[] = [SECRET, NEXT]) {
  const app = testApp({ now: () => NOW })
  apps.push(app)
  await addAgents(app, 8)
  return { app, handle: createHttpHandler(app, { leads: { secrets } }) }
}

const leadBody = () => JSON.stringify({ name: 'Ada Lovelace', phone: nextPhone() })
const post = (body: string, headers: Record<string, string> = {}, path = '/leads') =>
  request(path, { body, headers: { 'content-type': 'application/json', ...headers } })

describe('POST /leads with secrets', () => {
  it('takes a lead presented with a secret: bearer, x-leadcall-secret or ?secret=, any of the secrets', async () => {
    const { handle } = await handler()
    for (const [headers, path] of [
      [{ authorization: `Bearer ${SECRET}` }, '/leads'],
      [{ authorization: `bearer ${NEXT}` }, '/leads'],
      [{ 'x-leadcall-secret': SECRET }, '/leads'],
      [{}, `/leads?secret=${NEXT}`],
    ] as const) {
      const response = await handle(post(leadBody(), headers, path))
      expect([200, 202], JSON.stringify(headers) + path).toContain(response.status)
      expect(await bodyOf(response)).toMatchObject({ success: true })
    }
  })

  it('takes a lead whose body is signed with any of the secrets, within the tolerance', async () => {
    const { handle } = await handler()
    for (const [secret, at] of [
      [SECRET, NOW],
      [NEXT, NOW - 299_000],
      [SECRET, NOW + 299_000],
    ] as const) {
      const body = leadBody()
      const response = await handle(
        post(body, { 'x-leadcall-signature': signLeadRequest(body, secret, { now: at }) }),
      )
      expect(response.status).toBe(200)
    }
    // The signature is an HMAC-SHA256 of "<t>.<body>", as documented, with several v1 accepted.
    const body = leadBody()
    const t = Math.floor(NOW / 1000)
    const v1 = createHmac('sha256', NEXT).update(`${t}.${body}`).digest('hex')
    const header = `t=${t},v1=${'0'.repeat(64)},v1=${v1}`
    expect([200, 202]).toContain((await handle(post(body, { 'x-leadcall-signature': header }))).status)
  })

  it('refuses (401 INVALID_SIGNATURE) a missing or wrong secret and a bad, stale or foreign signature, submitting nothing', async () => {
    const { app, handle } = await handler()
    const body = leadBody()
    const t = Math.floor(NOW / 1000)
    const cases: [string, Record<string, string>, string?][] = [
      ['nothing', {}],
      ['wrong bearer', { authorization: 'Bearer not-the-secret-at-all' }],
      ['a secret prefix', { 'x-leadcall-secret': SECRET.slice(0, -1) }],
      ['wrong query secret', {}, '/leads?secret=nope'],
      ['a tampered body', { 'x-leadcall-signature': signLeadRequest(leadBody(), SECRET, { now: NOW }) }],
      [
        'another secret',
        { 'x-leadcall-signature': signLeadRequest(body, 'some-other-secret-value', { now: NOW }) },
      ],
      ['too old', { 'x-leadcall-signature': signLeadRequest(body, SECRET, { now: NOW - 301_000 }) }],
      ['from the future', { 'x-leadcall-signature': signLeadRequest(body, SECRET, { now: NOW + 301_000 }) }],
      [
        'no time',
        { 'x-leadcall-signature': `v1=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
      ],
      ['no v1', { 'x-leadcall-signature': `t=${t}` }],
      ['not hex', { 'x-leadcall-signature': `t=${t},v1=${'z'.repeat(64)}` }],
      ['garbage', { 'x-leadcall-signature': 'hello' }],
      // A signature header wins: a right secret beside a wrong signature does not get in.
      [
        'a bad signature beside a secret',
        { 'x-leadcall-signature': 'hello', authorization: `Bearer ${SECRET}` },
      ],
    ]
    for (const [what, headers, path] of cases) {
      const response = await handle(post(body, headers, path))
      expect(response.status, what).toBe(401)
      const answer = await bodyOf(response)
      expect(answer.error?.code, what).toBe('INVALID_SIGNATURE')
      expect(JSON.stringify(answer), what).not.toContain(SECRET)
    }
    expect((await app.tracking.stats()).today.totalProcesses).toBe(0)
  })

  it('leaves the other routes as they were: GHL intake and management keep their own checks', async () => {
    const { handle } = await handler()
    const ghl = await handle(
      request('/leads/ghl', {
        json: { type: 'ContactCreate', id: 'c-1', phone: nextPhone(), firstName: 'Ann' },
      }),
    )
    expect(ghl.status).toBe(200)
    expect((await handle(request('/agents'))).status).toBe(200)
  })

  it('is open without secrets, and refuses weak or malformed settings when the handler is created', async () => {
    const app = testApp()
    apps.push(app)
    await addAgents(app, 1)
    expect((await createHttpHandler(app)(post(leadBody()))).status).toBe(200)
    for (const leads of [
      { secrets: ['short'] },
      { secrets: [''] },
      { secrets: 'a-long-enough-intake-secret' as never },
      { secrets: [SECRET], toleranceSec: 0 },
      { secrets: [SECRET], toleranceSec: Number.NaN },
    ]) {
      let thrown: unknown
      try {
        createHttpHandler(app, { leads })
      } catch (error) {
        thrown = error
      }
      expect(isLeadCallError(thrown) && thrown.code, JSON.stringify(leads)).toBe('VALIDATION_FAILED')
    }
  })
})
