import { readFileSync } from 'node:fs'
import type { Env } from '@leadcall/example-config'
import {
  computeTwilioSignature,
  DATABASE_TEST_URL,
  describeWith,
  dropPostgresSchema,
  dropRedisPrefix,
  postgresGate,
  REDIS_TEST_URL,
  redisGate,
  uniqueName,
} from '@leadcall/example-config/testing'
import type { APIGatewayProxyEventV2 } from 'aws-lambda'
import type { LambdaEvent } from 'hono/aws-lambda'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createLambdaApp, type LambdaApp } from './lambda-app.js'
import { startTwilioRestStandIn, type TwilioRestStandIn } from './twilio-rest.test-util.js'

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef'
const AUTH_TOKEN = 'f00dfacef00dfacef00dfacef00dface'
const AGENT_PHONE = '+14155550100'

/** A stored event; each test gets its own copy. */
function fixture(name: string): APIGatewayProxyEventV2 {
  return JSON.parse(readFileSync(new URL(`../test/fixtures/${name}.json`, import.meta.url), 'utf8'))
}

/** The Function URL the fixtures were recorded on: the public URL Twilio posts to. */
const PUBLIC_URL = `https://${fixture('function-url-get-health').requestContext.domainName}`

interface Answer {
  status: number
  body: Record<string, unknown>
  headers: Record<string, unknown>
}

async function invoke(lambda: LambdaApp, event: APIGatewayProxyEventV2): Promise<Answer> {
  const result = await lambda.handler(event as unknown as LambdaEvent)
  expect(result.isBase64Encoded).toBe(false)
  return {
    status: result.statusCode,
    body: JSON.parse(result.body) as Record<string, unknown>,
    headers: (result.headers ?? {}) as Record<string, unknown>,
  }
}

/**
 * The status callback Twilio posts to `callbackUrl` for `callSid` with `status`, signed with
 * `signature` (default: the valid one): the stored Function URL event with its query, form body
 * (base64-encoded, as Function URLs deliver forms) and headers set for this call.
 */
function statusCallback(
  callbackUrl: string,
  callSid: string,
  status: string,
  tamper?: (params: URLSearchParams, signature: string) => string,
): APIGatewayProxyEventV2 {
  const event = fixture('function-url-twilio-status-callback')
  const url = new URL(callbackUrl)
  const params = new URLSearchParams(Buffer.from(event.body ?? '', 'base64').toString('utf8'))
  params.set('CallSid', callSid)
  params.set('CallStatus', status)
  params.set('Timestamp', new Date().toUTCString().replace('GMT', '+0000'))
  let signature = computeTwilioSignature({ authToken: AUTH_TOKEN, url: callbackUrl, params })
  if (tamper) signature = tamper(params, signature)
  const body = params.toString()
  event.rawPath = url.pathname
  event.requestContext.http.path = url.pathname
  event.rawQueryString = url.search.slice(1)
  event.queryStringParameters = Object.fromEntries(url.searchParams)
  event.body = Buffer.from(body).toString('base64')
  event.headers['content-length'] = String(Buffer.byteLength(body))
  event.headers['x-twilio-signature'] = signature
  return event
}

it('refuses memory storage on Lambda, naming it with any other problem, and tries again next time', async () => {
  const lambda = createLambdaApp({ env: { LEADCALL_LOG_LEVEL: 'silent', LEADCALL_ADMIN_TOKEN: 'short' } })
  const event = fixture('http-api-get-health') as unknown as LambdaEvent
  const first = await lambda.handler(event).then(
    () => undefined,
    (error: unknown) => error as Error,
  )
  expect(first?.message).toMatch(
    /^Invalid environment \(2 problems\):\n- LEADCALL_STORAGE: memory storage does not survive on Lambda/,
  )
  expect(first?.message).toContain('- LEADCALL_ADMIN_TOKEN: Expected at least 16 characters')
  // A failed creation is not kept: the next invocation reads the environment again.
  await expect(lambda.handler(event)).rejects.toThrow(first?.message)
  await lambda.close()
})

const stores: { name: 'redis' | 'postgres'; skip: string | false }[] = [
  { name: 'redis', skip: await redisGate() },
  { name: 'postgres', skip: await postgresGate() },
]

for (const store of stores) {
  describeWith(store.skip, `the Lambda handler on ${store.name}, dialing through Twilio`, () => {
    const scope = uniqueName('lambda')
    let twilioApi: TwilioRestStandIn
    let lambda: LambdaApp

    beforeAll(async () => {
      twilioApi = await startTwilioRestStandIn(ACCOUNT_SID)
      const storage: Env =
        store.name === 'redis'
          ? { LEADCALL_STORAGE: 'redis', REDIS_URL: REDIS_TEST_URL, LEADCALL_REDIS_PREFIX: scope }
          : { LEADCALL_STORAGE: 'postgres', DATABASE_URL: DATABASE_TEST_URL, LEADCALL_POSTGRES_SCHEMA: scope }
      lambda = createLambdaApp({
        env: {
          ...storage,
          LEADCALL_LOG_LEVEL: 'silent',
          LEADCALL_CALLING_HOURS: 'off',
          LEADCALL_PUBLIC_URL: PUBLIC_URL,
          TWILIO_ACCOUNT_SID: ACCOUNT_SID,
          TWILIO_AUTH_TOKEN: AUTH_TOKEN,
          TWILIO_FROM: '+14155550000',
          TWILIO_BASE_URL: twilioApi.url,
        },
      })
      const { app } = await lambda.configured()
      await app.agents.upsert({ id: 'alice', name: 'Alice Martin', phone: AGENT_PHONE, status: 'available' })
    })

    afterAll(async () => {
      await lambda?.close()
      await twilioApi?.close()
      if (store.name === 'redis') await dropRedisPrefix(REDIS_TEST_URL, scope)
      else await dropPostgresSchema(DATABASE_TEST_URL, scope)
    })

    it('answers GET /health through API Gateway and through a Function URL', async () => {
      for (const name of ['http-api-get-health', 'function-url-get-health']) {
        const { status, body } = await invoke(lambda, fixture(name))
        expect(status).toBe(200)
        expect(body).toMatchObject({
          status: 'ok',
          storage: { driver: store.name, status: 'ok' },
          telephony: { provider: 'twilio', status: 'configured' },
        })
      }
    })

    let processId: string
    it('takes POST /leads (JSON) and has Twilio call the agent', async () => {
      const { status, body, headers } = await invoke(lambda, fixture('http-api-post-lead'))
      expect(status).toBe(200)
      expect(headers['content-type']).toMatch(/^application\/json/)
      expect(body).toMatchObject({ status: 'dialing', selectedAgent: { id: 'alice' } })
      processId = body.processId as string
      expect(twilioApi.calls).toHaveLength(1)
      const form = twilioApi.calls[0]?.form
      expect(form?.get('To')).toBe(AGENT_PHONE)
      expect(form?.get('From')).toBe('+14155550000')
      expect(form?.get('StatusCallback')).toMatch(new RegExp(`^${PUBLIC_URL}/webhooks/twilio\\?`))
      expect(twilioApi.calls[0]?.authorization).toBe(
        `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
      )
    })

    it('takes POST /leads with a base64-encoded body, queued while the only agent is dialing', async () => {
      const event = fixture('http-api-post-lead-base64')
      expect(event.isBase64Encoded).toBe(true)
      const { status, body } = await invoke(lambda, event)
      expect(status).toBe(202)
      expect(body).toMatchObject({ status: 'queued', queuePosition: 1, success: true })
      const { app } = await lambda.configured()
      expect(await app.process(body.processId as string)).toMatchObject({ status: 'queued' })
    })

    it('applies a Twilio status callback signed with X-Twilio-Signature', async () => {
      const created = twilioApi.calls[0]
      const callbackUrl = created?.form.get('StatusCallback') as string
      const { status, body } = await invoke(
        lambda,
        statusCallback(callbackUrl, created?.sid as string, 'ringing'),
      )
      expect(status).toBe(200)
      expect(body).toEqual({ received: 1, applied: 1 })
      const { app } = await lambda.configured()
      const callId = (await app.process(processId))?.attempt?.callId as string
      expect(await app.call(callId)).toMatchObject({ status: 'ringing', providerCallId: created?.sid })
    })

    it('refuses a status callback whose signature or body was tampered with: 401 INVALID_SIGNATURE', async () => {
      const created = twilioApi.calls[0]
      const callbackUrl = created?.form.get('StatusCallback') as string
      const forged = [
        statusCallback(callbackUrl, created?.sid as string, 'completed', (_params, signature) =>
          signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`,
        ),
        // Signed for `ringing`, then changed to `completed` on the way.
        statusCallback(callbackUrl, created?.sid as string, 'ringing', (params, signature) => {
          params.set('CallStatus', 'completed')
          return signature
        }),
      ]
      for (const event of forged) {
        const { status, body } = await invoke(lambda, event)
        expect(status).toBe(401)
        expect(body).toMatchObject({ error: { code: 'INVALID_SIGNATURE', status: 401 } })
      }
      const { app } = await lambda.configured()
      const callId = (await app.process(processId))?.attempt?.callId as string
      expect(await app.call(callId)).toMatchObject({ status: 'ringing' })
    })
  })
}
