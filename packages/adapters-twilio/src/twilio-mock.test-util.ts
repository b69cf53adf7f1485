/**
 * A mock of api.twilio.com (msw) and of Twilio's webhook deliveries, faithful to PROVIDERS.md §2
 * and the `twilio_api_v2010.json` OpenAPI spec: the Call resource of the spec's examples, Twilio's
 * error bodies, status callbacks with `CallbackSource`, `SequenceNumber`, `Timestamp`, signed with
 * `X-Twilio-Signature`. It also serves the telephony conformance kit as its backend.
 */
import { Buffer } from 'node:buffer'
import type {
  ObservedDial,
  TelephonyCallContext,
  TelephonyMockBackend,
  TelephonyOutcome,
  WebhookSigning,
} from '@leadcall/core/testing'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { computeTwilioSignature } from './twilio-signature.js'

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef'
export const AUTH_TOKEN = 'f00dfacef00dfacef00dfacef00dface'
export const FROM = '+14155550000'
export const STATUS_URL = 'https://hooks.example.com/webhooks/twilio'
export const API = 'https://api.twilio.com/2010-04-01/Accounts/:accountSid'

/** A request the mock received, with its form body. */
export interface Received {
  method: string
  path: string
  form: URLSearchParams
  authorization: string | null
}

interface MockCall {
  sid: string
  form: URLSearchParams
  status: string
}

const BASE_TIME = Date.UTC(2026, 0, 15, 15, 0, 0)

/** Twilio's date format (RFC 2822 with `+0000`). */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000')
}

function hex32(n: number): string {
  return n.toString(16).padStart(32, '0')
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

/** The first dial noun of a TwiML document: its target (`client:` added for `<Client>`) and `statusCallback`. */
export function dialNoun(document: string): { target: string; statusCallback?: string } | undefined {
  const match = /<(Number|Client|Sip)([^>]*)>([^<]*)<\/\1>/.exec(document)
  if (!match) return undefined
  const [, noun, attributes = '', content = ''] = match
  const callback = /statusCallback="([^"]*)"/.exec(attributes)?.[1]
  const target = (noun === 'Client' ? 'client:' : '') + unescapeXml(content)
  return callback === undefined ? { target } : { target, statusCallback: unescapeXml(callback) }
}

/** A Call resource shaped like the spec's examples. */
export function callResource(sid: string, form: URLSearchParams, status: string): Record<string, unknown> {
  const now = rfc2822(BASE_TIME)
  const base = `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${sid}`
  return {
    account_sid: ACCOUNT_SID,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: now,
    date_updated: now,
    direction: 'outbound-api',
    duration: null,
    end_time: null,
    forwarded_from: null,
    from: form.get('From'),
    from_formatted: form.get('From'),
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: 'PN0123456789abcdef0123456789abcdef',
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid,
    start_time: null,
    status,
    subresource_uris: {
      notifications: `${base}/Notifications.json`,
      recordings: `${base}/Recordings.json`,
      payments: `${base}/Payments.json`,
      events: `${base}/Events.json`,
      siprec: `${base}/Siprec.json`,
      streams: `${base}/Streams.json`,
      transcriptions: `${base}/Transcriptions.json`,
      user_defined_message_subscriptions: `${base}/UserDefinedMessageSubscriptions.json`,
      user_defined_messages: `${base}/UserDefinedMessages.json`,
    },
    to: form.get('To'),
    to_formatted: form.get('To'),
    trunk_sid: null,
    uri: `${base}.json`,
  }
}

/** Twilio's error body. */
export function errorBody(status: number, code: number, message: string): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }
}

/** A webhook request as Twilio sends it: form-encoded POST, signed unless `signing` says otherwise. */
export function webhookRequest(
  url: string,
  params: URLSearchParams,
  signing: WebhookSigning = 'valid',
): Request {
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' })
  const signature = computeTwilioSignature({ authToken: AUTH_TOKEN, url, params })
  const body = new URLSearchParams(params)
  if (signing === 'tampered')
    body.set('CallStatus', body.get('CallStatus') === 'completed' ? 'busy' : 'completed')
  if (signing !== 'unsigned') headers.set('x-twilio-signature', signature)
  return new Request(url, { method: 'POST', headers, body: body.toString() })
}

/** One status callback to play: which leg, its status and extras. */
interface Step {
  leg: 'parent' | 'child'
  status: string
  extra?: Record<string, string>
}

/** The callbacks Twilio sends for an agent-first call ending with `outcome`. */
function stepsOf(outcome: TelephonyOutcome): Step[] {
  const start: Step[] = [
    { leg: 'parent', status: 'initiated' },
    { leg: 'parent', status: 'ringing' },
    { leg: 'parent', status: 'in-progress' },
    { leg: 'child', status: 'initiated' },
    { leg: 'child', status: 'ringing' },
  ]
  const parentEnd: Step = {
    leg: 'parent',
    status: 'completed',
    extra: { CallDuration: '47', SipResponseCode: '200' },
  }
  switch (outcome) {
    case 'answered':
      return [
        ...start,
        { leg: 'child', status: 'in-progress' },
        { leg: 'child', status: 'completed', extra: { CallDuration: '42', SipResponseCode: '200' } },
        parentEnd,
      ]
    case 'no_answer':
      return [
        ...start,
        { leg: 'child', status: 'no-answer', extra: { CallDuration: '0', SipResponseCode: '487' } },
        parentEnd,
      ]
    case 'busy':
      return [
        ...start,
        { leg: 'child', status: 'busy', extra: { CallDuration: '0', SipResponseCode: '486' } },
        parentEnd,
      ]
    case 'failed':
      return [
        ...start,
        { leg: 'child', status: 'failed', extra: { CallDuration: '0', SipResponseCode: '404' } },
        parentEnd,
      ]
  }
}

/** Creates the mock server, its state, and the conformance backend. */
export function twilioMock() {
  const received: Received[] = []
  const calls = new Map<string, MockCall>()
  let sids = 0
  let failure: { status: number; body: string; contentType: string } | undefined
  let hanging = false
  const held = new Set<() => void>()
  const expectedAuth = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`

  async function record(request: Request, path: string): Promise<Received> {
    const text = request.method === 'GET' ? '' : await request.text()
    const entry = {
      method: request.method,
      path,
      form: new URLSearchParams(text),
      authorization: request.headers.get('authorization'),
    }
    received.push(entry)
    return entry
  }

  /** Holds the request until it is aborted or the mock is reset; true when it was held. */
  async function holdIfHanging(request: Request): Promise<boolean> {
    if (!hanging) return false
    await new Promise<void>((resolve) => {
      const release = (): void => {
        held.delete(release)
        resolve()
      }
      held.add(release)
      request.signal.addEventListener('abort', release, { once: true })
    })
    return true
  }

  function unauthorized(request: Request): Response | undefined {
    const authorization = request.headers.get('authorization')
    if (authorization === expectedAuth) return undefined
    return HttpResponse.json(errorBody(401, 20003, 'Authenticate'), { status: 401 })
  }

  function arrangedFailure(): Response | undefined {
    if (!failure) return undefined
    const { status, body, contentType } = failure
    failure = undefined
    return new HttpResponse(body, { status, headers: { 'content-type': contentType } })
  }

  const server = setupServer(
    http.post(`${API}/Calls.json`, async ({ request }) => {
      const entry = await record(request, '/Calls.json')
      if (await holdIfHanging(request)) return new HttpResponse(null, { status: 503 })
      const denied = unauthorized(request)
      if (denied) return denied
      const failed = arrangedFailure()
      if (failed) {
        // A 401 echoing the credentials it was given, to prove they are redacted from errors.
        return failed.status === 401
          ? HttpResponse.json(errorBody(401, 20003, `Authenticate (${entry.authorization})`), { status: 401 })
          : failed
      }
      sids++
      const sid = `CA${hex32(sids)}`
      calls.set(sid, { sid, form: entry.form, status: 'queued' })
      return HttpResponse.json(callResource(sid, entry.form, 'queued'), { status: 201 })
    }),
    http.get(`${API}/Calls/:file`, async ({ request, params }) => {
      await record(request, `/Calls/${String(params.file)}`)
      if (await holdIfHanging(request)) return new HttpResponse(null, { status: 503 })
      const denied = unauthorized(request) ?? arrangedFailure()
      if (denied) return denied
      const call = calls.get(String(params.file).replace(/\.json$/, ''))
      if (!call)
        return HttpResponse.json(errorBody(404, 20404, 'The requested resource was not found'), {
          status: 404,
        })
      return HttpResponse.json(callResource(call.sid, call.form, call.status))
    }),
    http.post(`${API}/Calls/:file`, async ({ request, params }) => {
      const entry = await record(request, `/Calls/${String(params.file)}`)
      if (await holdIfHanging(request)) return new HttpResponse(null, { status: 503 })
      const denied = unauthorized(request) ?? arrangedFailure()
      if (denied) return denied
      const call = calls.get(String(params.file).replace(/\.json$/, ''))
      if (!call)
        return HttpResponse.json(errorBody(404, 20404, 'The requested resource was not found'), {
          status: 404,
        })
      const status = entry.form.get('Status')
      if (status === 'canceled' && (call.status === 'queued' || call.status === 'ringing'))
        call.status = 'canceled'
      if (status === 'completed' && call.status === 'in-progress') call.status = 'completed'
      return HttpResponse.json(callResource(call.sid, call.form, call.status))
    }),
    http.post(`${API}/Messages.json`, async ({ request }) => {
      const entry = await record(request, '/Messages.json')
      const denied = unauthorized(request) ?? arrangedFailure()
      if (denied) return denied
      sids++
      return HttpResponse.json(
        {
          account_sid: ACCOUNT_SID,
          api_version: '2010-04-01',
          body: entry.form.get('Body'),
          direction: 'outbound-api',
          from: entry.form.get('From'),
          num_media: String(entry.form.getAll('MediaUrl').length),
          num_segments: '1',
          sid: `SM${hex32(sids)}`,
          status: 'queued',
          to: entry.form.get('To'),
          uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM${hex32(sids)}.json`,
        },
        { status: 201 },
      )
    }),
  )

  function creates(): Received[] {
    return received.filter((entry) => entry.method === 'POST' && entry.path === '/Calls.json')
  }

  /** Who the vendor was asked to call, from a create-call form (inline TwiML or voice URL). */
  function observed(form: URLSearchParams): ObservedDial {
    const to = form.get('To') ?? ''
    const parentLeg = new URL(form.get('StatusCallback') ?? STATUS_URL).searchParams.get('lc_leg')
    const twimlTarget = dialNoun(form.get('Twiml') ?? '')?.target
    const urlTarget = form.get('Url') ? new URL(form.get('Url') ?? '').searchParams.get('lc_target') : null
    const other = twimlTarget ?? urlTarget ?? ''
    return parentLeg === 'lead'
      ? { agent: other, lead: to, raw: form }
      : { agent: to, lead: other, raw: form }
  }

  /** Voice URL mode: the status callback the TwiML served for the call gives the dialed leg. */
  function childUrlOfVoiceMode(form: URLSearchParams): string | undefined {
    const voice = form.get('Url')
    if (!voice) return undefined
    const query = new URL(voice).searchParams
    const url = new URL(STATUS_URL)
    url.searchParams.set('lc_leg', query.get('lc_leg') === 'agent' ? 'lead' : 'agent')
    for (const name of ['lc_mode', 'lc_attempt', 'lc_process'])
      url.searchParams.set(name, query.get(name) ?? '')
    return url.href
  }

  /** The status callbacks of `call` ending with `outcome`, as Twilio sends them. */
  function statusCallbacks(
    outcome: TelephonyOutcome,
    call: TelephonyCallContext,
    signing: WebhookSigning,
  ): Request[] {
    const sid = call.result.providerCallId ?? ''
    const form = calls.get(sid)?.form ?? creates().at(-1)?.form ?? new URLSearchParams()
    const parentUrl = form.get('StatusCallback') ?? STATUS_URL
    const childUrl =
      dialNoun(form.get('Twiml') ?? '')?.statusCallback ?? childUrlOfVoiceMode(form) ?? parentUrl
    const childSid = `CA${hex32(0xc0ffee + sids)}`
    const sequence = { parent: 0, child: 0 }
    return stepsOf(outcome).map((step, index) => {
      const parent = step.leg === 'parent'
      const params = new URLSearchParams({
        AccountSid: ACCOUNT_SID,
        ApiVersion: '2010-04-01',
        CallSid: parent ? sid : childSid,
        CallStatus: step.status,
        Called: parent ? (form.get('To') ?? '') : call.request.lead.phone,
        Caller: FROM,
        CallbackSource: 'call-progress-events',
        Direction: parent ? 'outbound-api' : 'outbound-dial',
        From: FROM,
        SequenceNumber: String(sequence[step.leg]++),
        Timestamp: rfc2822(BASE_TIME + index * 1000),
        To: parent ? (form.get('To') ?? '') : call.request.lead.phone,
        ...step.extra,
      })
      if (!parent) params.set('ParentCallSid', sid)
      return webhookRequest(parent ? parentUrl : childUrl, params, signing)
    })
  }

  const backend: TelephonyMockBackend = {
    secrets: [AUTH_TOKEN, Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')],
    delivery: { kind: 'webhook', requests: statusCallbacks },
    failures: [
      {
        name: "400 invalid 'To' number (21211)",
        expectedCode: 'VALIDATION_FAILED',
        arrange: () =>
          fail(400, errorBody(400, 21211, "The 'To' number +1415555 is not a valid phone number.")),
      },
      {
        name: '401 authentication error echoing the credentials (20003)',
        expectedCode: 'CALL_FAILED',
        arrange: () => fail(401, errorBody(401, 20003, 'Authenticate')),
      },
      {
        name: '429 too many requests (20429)',
        expectedCode: 'RATE_LIMITED',
        arrange: () => fail(429, errorBody(429, 20429, 'Too Many Requests')),
      },
      {
        name: '500 internal server error (20500)',
        expectedCode: 'CALL_FAILED',
        arrange: () => fail(500, errorBody(500, 20500, 'Internal Server Error')),
      },
      {
        name: '503 with an HTML body',
        expectedCode: 'CALL_FAILED',
        arrange: () => failRaw(503, '<html><body>Service Unavailable</body></html>', 'text/html'),
      },
      {
        name: '201 whose body is not a Call resource (outcome unknown)',
        expectedCode: 'PROVIDER_TIMEOUT',
        arrange: () => failRaw(201, '{"unexpected":true}', 'application/json'),
      },
    ],
    hang: () => {
      hanging = true
    },
    pendingRequests: () => held.size,
    dials: () => creates().map((entry) => observed(entry.form)),
    setup: () => server.listen({ onUnhandledRequest: 'error' }),
    reset: () => reset(),
    teardown: () => server.close(),
  }

  function fail(status: number, body: Record<string, unknown>): void {
    failRaw(status, JSON.stringify(body), 'application/json')
  }

  function failRaw(status: number, body: string, contentType: string): void {
    failure = { status, body, contentType }
  }

  function reset(): void {
    received.length = 0
    calls.clear()
    failure = undefined
    hanging = false
    for (const release of [...held]) release()
  }

  return {
    server,
    backend,
    received,
    calls,
    creates,
    observed,
    statusCallbacks,
    fail,
    failRaw,
    reset,
    /** Sets the status the mock reports for a call (as if Twilio's call progressed). */
    setStatus(sid: string, status: string): void {
      const call = calls.get(sid)
      if (call) call.status = status
    },
    /** Options wiring `twilio()` to the mock. */
    options: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, statusCallbackUrl: STATUS_URL },
  }
}
