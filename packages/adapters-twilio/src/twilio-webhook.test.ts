import { isLeadCallError } from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import { ACCOUNT_SID, AUTH_TOKEN, webhookRequest } from './twilio-mock.test-util.js'
import { computeTwilioSignature } from './twilio-signature.js'
import {
  candidateUrls,
  mapAnsweredBy,
  parseTwilioStatusCallback,
  verifyTwilioRequest,
} from './twilio-webhook.js'

const PARENT = 'CA11111111111111111111111111111111'
const CHILD = 'CA22222222222222222222222222222222'
const URL_AGENT_FIRST = new URL(
  'https://hooks.example.com/webhooks/twilio?lc_leg=agent&lc_mode=agent_first&lc_attempt=att-1&lc_process=proc-1',
)
const URL_LEAD_LEG = new URL(
  'https://hooks.example.com/webhooks/twilio?lc_leg=lead&lc_mode=agent_first&lc_attempt=att-1&lc_process=proc-1',
)

function params(extra: Record<string, string>): URLSearchParams {
  return new URLSearchParams({
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: PARENT,
    CallbackSource: 'call-progress-events',
    Direction: 'outbound-api',
    From: '+14155550000',
    To: '+14155550100',
    Timestamp: 'Thu, 15 Jan 2026 15:00:07 +0000',
    SequenceNumber: '0',
    ...extra,
  })
}

describe('parseTwilioStatusCallback', () => {
  it.each([
    ['queued', 'initiated'],
    ['initiated', 'initiated'],
    ['ringing', 'ringing'],
    ['completed', 'completed'],
    ['busy', 'busy'],
    ['failed', 'failed'],
    ['no-answer', 'no_answer'],
    ['canceled', 'canceled'],
  ])('maps CallStatus %s to %s', (status, type) => {
    const [event] = parseTwilioStatusCallback(params({ CallStatus: status }), URL_AGENT_FIRST)
    expect(event?.type).toBe(type)
  })

  it('carries the call, attempt, process, leg, time, sequence and raw parameters', () => {
    const events = parseTwilioStatusCallback(
      params({ CallStatus: 'ringing', SequenceNumber: '1' }),
      URL_AGENT_FIRST,
    )
    expect(events).toEqual([
      expect.objectContaining({
        provider: 'twilio',
        type: 'ringing',
        providerCallId: PARENT,
        attemptId: 'att-1',
        processId: 'proc-1',
        party: 'agent',
        at: '2026-01-15T15:00:07.000Z',
        sequence: 1,
      }),
    ])
    expect(events[0]?.raw).toMatchObject({ CallStatus: 'ringing', CallbackSource: 'call-progress-events' })
  })

  it('reports a leg dialed by <Dial> under the call dial returned (ParentCallSid)', () => {
    const [event] = parseTwilioStatusCallback(
      params({
        CallSid: CHILD,
        ParentCallSid: PARENT,
        CallStatus: 'in-progress',
        Direction: 'outbound-dial',
      }),
      URL_LEAD_LEG,
    )
    expect(event).toMatchObject({ type: 'answered', providerCallId: PARENT, party: 'lead' })
  })

  it('maps the ending details: duration, SIP code, recording, answering machine', () => {
    const [event] = parseTwilioStatusCallback(
      params({
        CallStatus: 'completed',
        CallDuration: '42',
        SipResponseCode: '200',
        RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
        AnsweredBy: 'machine_end_beep',
      }),
      URL_LEAD_LEG,
    )
    expect(event).toMatchObject({
      type: 'completed',
      durationSec: 42,
      sipCode: 200,
      recordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
      answeredBy: 'machine',
    })
    const [busy] = parseTwilioStatusCallback(
      params({ CallStatus: 'busy', SipResponseCode: '486' }),
      URL_LEAD_LEG,
    )
    expect(busy).toMatchObject({ type: 'busy', sipCode: 486, hangupCause: 'busy' })
  })

  it('ignores malformed optional numbers and URLs instead of failing', () => {
    const [event] = parseTwilioStatusCallback(
      params({
        CallStatus: 'completed',
        CallDuration: 'abc',
        SipResponseCode: '99',
        RecordingUrl: 'not a url',
        SequenceNumber: '-1',
      }),
      URL_LEAD_LEG,
    )
    expect(event).not.toHaveProperty('durationSec')
    expect(event).not.toHaveProperty('sipCode')
    expect(event).not.toHaveProperty('recordingUrl')
    expect(event).not.toHaveProperty('sequence')
  })

  it('gives no event for the agent picking up an agent-first call (the lead leg reports it)', () => {
    expect(parseTwilioStatusCallback(params({ CallStatus: 'in-progress' }), URL_AGENT_FIRST)).toEqual([])
  })

  it('reports the agent answering a lead-first call', () => {
    const url = new URL(
      'https://hooks.example.com/t?lc_leg=agent&lc_mode=lead_first&lc_attempt=a&lc_process=p',
    )
    const [event] = parseTwilioStatusCallback(
      params({ CallSid: CHILD, ParentCallSid: PARENT, CallStatus: 'in-progress' }),
      url,
    )
    expect(event).toMatchObject({ type: 'answered', party: 'agent', providerCallId: PARENT })
  })

  it('turns an answering machine result without CallStatus into answered, and ignores recording notices', () => {
    const amd = params({ AnsweredBy: 'human' })
    expect(parseTwilioStatusCallback(amd, URL_LEAD_LEG)).toEqual([
      expect.objectContaining({ type: 'answered', answeredBy: 'human' }),
    ])
    const recording = params({
      RecordingSid: 'RE1',
      RecordingStatus: 'completed',
      RecordingUrl: 'https://x.example/r',
    })
    expect(parseTwilioStatusCallback(recording, URL_LEAD_LEG)).toEqual([])
    expect(parseTwilioStatusCallback(params({ CallStatus: 'teleported' }), URL_LEAD_LEG)).toEqual([])
  })

  it('stamps events without Timestamp with the time of parsing', () => {
    const withoutTime = params({ CallStatus: 'ringing' })
    withoutTime.delete('Timestamp')
    const [event] = parseTwilioStatusCallback(withoutTime, URL_LEAD_LEG, { now: () => new Date(0) })
    expect(event?.at).toBe('1970-01-01T00:00:00.000Z')
  })

  it('works without the adapter query parameters (a callback configured by hand)', () => {
    const [event] = parseTwilioStatusCallback(
      params({ CallStatus: 'ringing' }),
      new URL('https://h.example.com/t'),
    )
    expect(event).toMatchObject({ type: 'ringing', providerCallId: PARENT })
    expect(event).not.toHaveProperty('party')
    expect(event).not.toHaveProperty('attemptId')
  })

  it.each([
    ['missing', undefined],
    ['malformed', 'CA123'],
  ])('refuses a %s CallSid with VALIDATION_FAILED', (_label, sid) => {
    const bad = params({ CallStatus: 'ringing' })
    if (sid === undefined) bad.delete('CallSid')
    else bad.set('CallSid', sid)
    expect(() => parseTwilioStatusCallback(bad, URL_LEAD_LEG)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    )
  })
})

describe('mapAnsweredBy', () => {
  it.each([
    ['human', 'human'],
    ['machine_start', 'machine'],
    ['machine_end_beep', 'machine'],
    ['machine_end_silence', 'machine'],
    ['machine_end_other', 'machine'],
    ['fax', 'machine'],
    ['unknown', 'unknown'],
    ['something-new', 'unknown'],
  ])('maps %s to %s', (value, expected) => {
    expect(mapAnsweredBy(value)).toBe(expected)
  })
  it('maps absence to undefined', () => {
    expect(mapAnsweredBy(null)).toBeUndefined()
    expect(mapAnsweredBy('')).toBeUndefined()
  })
})

describe('verifyTwilioRequest', () => {
  const publicUrl = 'https://hooks.example.com/webhooks/twilio?lc_leg=lead'
  const body = params({ CallStatus: 'ringing' })

  it('accepts a signed request and leaves it readable', async () => {
    const request = webhookRequest(publicUrl, body)
    const read = await verifyTwilioRequest(request, { authToken: AUTH_TOKEN, urls: [request.url] })
    expect(read.params.get('CallStatus')).toBe('ringing')
    expect(await request.text()).toBe(body.toString())
  })

  it('verifies a request seen behind a proxy against the configured public URL', async () => {
    const signature = computeTwilioSignature({ authToken: AUTH_TOKEN, url: publicUrl, params: body })
    // The host sees the internal URL; the query string is preserved.
    const internal = new Request('http://10.0.0.5:3000/internal/twilio?lc_leg=lead', {
      method: 'POST',
      headers: { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    })
    const urls = candidateUrls(internal, ['https://hooks.example.com/webhooks/twilio'])
    expect(urls).toEqual([publicUrl, 'http://10.0.0.5:3000/internal/twilio?lc_leg=lead'])
    await expect(verifyTwilioRequest(internal, { authToken: AUTH_TOKEN, urls })).resolves.toBeDefined()
    // With only the internal URL it fails.
    await expect(
      verifyTwilioRequest(internal.clone(), { authToken: AUTH_TOKEN, urls: [internal.url] }),
    ).rejects.toMatchObject({ code: 'INVALID_SIGNATURE', status: 401 })
  })

  it('uses an explicit URL alone when given', () => {
    const request = webhookRequest(publicUrl, body)
    expect(candidateUrls(request, ['https://other.example.com/x'], 'https://exact.example.com/y')).toEqual([
      'https://exact.example.com/y',
    ])
  })

  it.each(['tampered', 'unsigned'] as const)(
    'refuses a %s request with INVALID_SIGNATURE',
    async (signing) => {
      const request = webhookRequest(publicUrl, body, signing)
      const error = await verifyTwilioRequest(request, { authToken: AUTH_TOKEN, urls: [request.url] }).catch(
        (e) => e,
      )
      expect(isLeadCallError(error, 'INVALID_SIGNATURE')).toBe(true)
      expect(error.status).toBe(401)
      expect(JSON.stringify(error)).not.toContain(AUTH_TOKEN)
    },
  )

  it('verifies a JSON-bodied request through bodySHA256', async () => {
    const json = '{"property": "value"}'
    const { createHash } = await import('node:crypto')
    const url = `https://hooks.example.com/json?bodySHA256=${createHash('sha256').update(json).digest('hex')}`
    const signature = computeTwilioSignature({ authToken: AUTH_TOKEN, url })
    const request = new Request(url, {
      method: 'POST',
      headers: { 'x-twilio-signature': signature, 'content-type': 'application/json' },
      body: json,
    })
    await expect(verifyTwilioRequest(request, { authToken: AUTH_TOKEN, urls: [url] })).resolves.toMatchObject(
      { body: json },
    )
    const tampered = new Request(url, {
      method: 'POST',
      headers: { 'x-twilio-signature': signature },
      body: '{}',
    })
    await expect(verifyTwilioRequest(tampered, { authToken: AUTH_TOKEN, urls: [url] })).rejects.toMatchObject(
      {
        code: 'INVALID_SIGNATURE',
      },
    )
  })

  it('only reads the request when no Auth Token is given', async () => {
    const request = webhookRequest(publicUrl, body, 'unsigned')
    const read = await verifyTwilioRequest(request, { authToken: undefined, urls: [] })
    expect(read.params.get('CallSid')).toBe(PARENT)
  })
})
