import { LeadCallError } from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  cloudtalkMock,
  leadCallError,
  testDial,
  WEBHOOK_SECRET,
  WEBHOOK_URL,
} from './cloudtalk-mock.test-util.js'
import { cloudtalk } from './cloudtalk-provider.js'
import {
  DEFAULT_CLOUDTALK_WEBHOOK_FIELDS,
  parseCloudTalkOutcome,
  parseCloudTalkStage,
  parseCloudTalkTime,
  readCloudTalkCallNotice,
  readCloudTalkWebhookRequest,
  verifyCloudTalkWebhookSecret,
} from './cloudtalk-webhook.js'

function post(url: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('verifyCloudTalkWebhookSecret', () => {
  const options = { secret: WEBHOOK_SECRET }

  it.each([
    ['the default header', post(WEBHOOK_URL, {}, { 'x-leadcall-secret': WEBHOOK_SECRET })],
    ['a Bearer authorization', post(WEBHOOK_URL, {}, { authorization: `Bearer ${WEBHOOK_SECRET}` })],
    ['the query parameter', post(`${WEBHOOK_URL}?lc_secret=${WEBHOOK_SECRET}`, {})],
    [
      'a header among wrong ones',
      post(`${WEBHOOK_URL}?lc_secret=nope`, {}, { 'x-leadcall-secret': WEBHOOK_SECRET }),
    ],
  ])('accepts the secret in %s', async (_label, request) => {
    await expect(verifyCloudTalkWebhookSecret(request, options)).resolves.toBeUndefined()
  })

  it('accepts a configured header and query parameter name', async () => {
    const custom = { secret: WEBHOOK_SECRET, header: 'x-ct-token', queryParam: 'token' }
    await expect(
      verifyCloudTalkWebhookSecret(post(WEBHOOK_URL, {}, { 'X-CT-Token': WEBHOOK_SECRET }), custom),
    ).resolves.toBeUndefined()
    await expect(
      verifyCloudTalkWebhookSecret(post(`${WEBHOOK_URL}?token=${WEBHOOK_SECRET}`, {}), custom),
    ).resolves.toBeUndefined()
    const other = await leadCallError(
      verifyCloudTalkWebhookSecret(post(WEBHOOK_URL, {}, { 'x-leadcall-secret': WEBHOOK_SECRET }), custom),
    )
    expect(other.code).toBe('INVALID_SIGNATURE')
  })

  it.each([
    ['no secret', post(WEBHOOK_URL, {}), /carries no secret/],
    ['a wrong secret', post(WEBHOOK_URL, {}, { 'x-leadcall-secret': 'guess-guess-guess-guess' }), /is wrong/],
    [
      'the secret with one character changed',
      post(WEBHOOK_URL, {}, { 'x-leadcall-secret': `${WEBHOOK_SECRET.slice(0, -1)}Z` }),
      /is wrong/,
    ],
    [
      'a prefix of the secret',
      post(`${WEBHOOK_URL}?lc_secret=${WEBHOOK_SECRET.slice(0, 8)}`, {}),
      /is wrong/,
    ],
    ['an empty header', post(WEBHOOK_URL, {}, { 'x-leadcall-secret': '' }), /is wrong/],
  ])('refuses %s with INVALID_SIGNATURE (401), never echoing it', async (_label, request, message) => {
    const error = await leadCallError(verifyCloudTalkWebhookSecret(request, options))
    expect(error.code).toBe('INVALID_SIGNATURE')
    expect(error.status).toBe(401)
    expect(error.message).toMatch(message)
    expect(error.message).not.toContain(WEBHOOK_SECRET)
    expect(error.message).not.toContain('guess')
  })

  it('finds the secret in the public URL given when a proxy rewrote request.url', async () => {
    const request = post('http://internal:3000/webhooks/cloudtalk', {})
    await expect(
      verifyCloudTalkWebhookSecret(request, {
        ...options,
        url: `${WEBHOOK_URL}?lc_secret=${WEBHOOK_SECRET}`,
      }),
    ).resolves.toBeUndefined()
  })

  it('does not read the body', async () => {
    const request = post(WEBHOOK_URL, { a: 1 }, { 'x-leadcall-secret': WEBHOOK_SECRET })
    await verifyCloudTalkWebhookSecret(request, options)
    expect(request.bodyUsed).toBe(false)
  })
})

describe('readCloudTalkWebhookRequest', () => {
  it('reads a JSON body and the stage named in the URL', async () => {
    const read = await readCloudTalkWebhookRequest(post(`${WEBHOOK_URL}?lc_event=ended`, { call_id: 5 }))
    expect(read).toEqual({ payload: { call_id: 5 }, stage: 'ended' })
  })

  it('reads a GET’s query parameters, without the secret and the stage', async () => {
    const request = new Request(
      `${WEBHOOK_URL}?call_id=5&external_number=421901&lc_secret=x&lc_event=started`,
    )
    expect(await readCloudTalkWebhookRequest(request)).toEqual({
      payload: { call_id: '5', external_number: '421901' },
      stage: 'started',
    })
  })

  it('reads a form-encoded body', async () => {
    const request = new Request(WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'call_id=5&event=call_ended',
    })
    expect((await readCloudTalkWebhookRequest(request)).payload).toEqual({
      call_id: '5',
      event: 'call_ended',
    })
  })

  it.each([
    ['not JSON', '{call_id:'],
    ['an array', '[{"call_id":1}]'],
    ['a string', '"call"'],
  ])('refuses a body that is %s', async (_label, body) => {
    const error = await leadCallError(readCloudTalkWebhookRequest(post(WEBHOOK_URL, body)))
    expect(error.code).toBe('VALIDATION_FAILED')
  })
})

describe('parseCloudTalkTime', () => {
  it.each([
    ['2026-01-15 15:00:01', '2026-01-15T15:00:01.000Z'],
    ['2026-01-15T15:00:01', '2026-01-15T15:00:01.000Z'],
    ['2017-10-04T06:33:37.000Z', '2017-10-04T06:33:37.000Z'],
    ['2026-01-15T16:00:01+01:00', '2026-01-15T15:00:01.000Z'],
    [1_768_489_201, '2026-01-15T15:00:01.000Z'],
    ['1768489201', '2026-01-15T15:00:01.000Z'],
    [1_768_489_201_500, '2026-01-15T15:00:01.500Z'],
    ['yesterday', undefined],
    ['', undefined],
    [null, undefined],
    [{}, undefined],
  ])('reads %j', (value, expected) => {
    expect(parseCloudTalkTime(value)).toBe(expected)
  })
})

describe('stages and outcomes', () => {
  it.each([
    ['call_started', 'started'],
    ['Call Started', 'started'],
    ['ringing_on_agent', 'ringing'],
    ['Call Ringing on Agent', 'ringing'],
    ['CALL_ANSWERED', 'answered'],
    ['call.ended', 'ended'],
    ['ended', 'ended'],
    ['call_modified', undefined],
    ['raised_hand', undefined],
    [42, undefined],
  ])('stage %j → %s', (value, expected) => {
    expect(parseCloudTalkStage(value)).toBe(expected)
  })

  it.each([
    ['answered', 'answered'],
    ['missed', 'missed'],
    ['no_answer', 'missed'],
    ['NO ANSWER', 'missed'],
    ['busy', 'busy'],
    ['failed', 'failed'],
    ['cancelled', 'canceled'],
    ['voicemail', undefined],
  ])('outcome %j → %s', (value, expected) => {
    expect(parseCloudTalkOutcome(value)).toBe(expected)
  })
})

describe('readCloudTalkCallNotice', () => {
  const ended = {
    event: 'call_ended',
    call_id: 27,
    agent_id: '1234',
    external_number: 421904247371,
    internal_number: '+421221291400',
    call_status: 'answered',
    talking_time: '21',
    started_at: '2017-10-04 06:33:37',
    answered_at: '2017-10-04 06:33:39',
    ended_at: '2017-10-04 06:34:00',
    recording_url: 'https://my.cloudtalk.io/r/play/27',
  }

  it('reads the default fields', () => {
    expect(readCloudTalkCallNotice(ended)).toEqual({
      stage: 'ended',
      callId: '27',
      agentId: '1234',
      externalNumber: '421904247371',
      internalNumber: '+421221291400',
      outcome: 'answered',
      startedAt: '2017-10-04T06:33:37.000Z',
      answeredAt: '2017-10-04T06:33:39.000Z',
      endedAt: '2017-10-04T06:34:00.000Z',
      talkSec: 21,
      recordingUrl: 'https://my.cloudtalk.io/r/play/27',
      raw: ended,
    })
  })

  it('falls back to call_uuid for the call id', () => {
    const { call_id: _, ...rest } = ended
    expect(readCloudTalkCallNotice({ ...rest, call_uuid: 'u-1' })?.callId).toBe('u-1')
  })

  it('reads where a custom mapping says, dotted paths and lists included, keeping the other defaults', () => {
    const payload = {
      trigger: 'Call Ended',
      call: { id: 99, status: 'missed' },
      agent: { id: 7 },
      contact: { phone: '+14155550199' },
      ended_at: '2026-01-15 15:00:50',
    }
    const notice = readCloudTalkCallNotice(payload, {
      fields: {
        event: 'trigger',
        callId: ['call.uuid', 'call.id'],
        agentId: 'agent.id',
        externalNumber: 'contact.phone',
        status: 'call.status',
      },
    })
    expect(notice).toMatchObject({
      stage: 'ended',
      callId: '99',
      agentId: '7',
      externalNumber: '+14155550199',
      outcome: 'missed',
      endedAt: '2026-01-15T15:00:50.000Z',
    })
    expect(DEFAULT_CLOUDTALK_WEBHOOK_FIELDS.endedAt).toEqual(['ended_at'])
  })

  it.each([
    ['talking time above zero', { talking_time: 3 }, 'answered'],
    ['talking time zero', { talking_time: 0, answered_at: '2026-01-15 15:00:00' }, 'missed'],
    ['only an answer time', { answered_at: '2026-01-15 15:00:00' }, 'answered'],
    ['nothing', {}, 'missed'],
  ])('infers the outcome of an ended call without status from %s', (_label, extra, outcome) => {
    expect(readCloudTalkCallNotice({ event: 'call_ended', call_id: 1, ...extra })?.outcome).toBe(outcome)
  })

  it('infers the stage when no event is mapped, or takes it from the URL', () => {
    expect(readCloudTalkCallNotice({ call_id: 1, ended_at: '2026-01-15 15:00:00' })?.stage).toBe('ended')
    expect(readCloudTalkCallNotice({ call_id: 1, answered_at: '2026-01-15 15:00:00' })?.stage).toBe(
      'answered',
    )
    expect(readCloudTalkCallNotice({ call_id: 1 })?.stage).toBe('started')
    expect(readCloudTalkCallNotice({ call_id: 1 }, { stage: 'ringing_on_agent' })?.stage).toBe('ringing')
    expect(readCloudTalkCallNotice({ call_id: 1, event: 'call_answered' }, { stage: 'ended' })?.stage).toBe(
      'answered',
    )
  })

  it('ignores triggers without call progress and calls leadcall does not place', () => {
    expect(readCloudTalkCallNotice({ event: 'call_modified', call_id: 1 })).toBeUndefined()
    expect(
      readCloudTalkCallNotice({ event: 'call_started', call_id: 1, direction: 'incoming' }),
    ).toBeUndefined()
    expect(
      readCloudTalkCallNotice({ event: 'call_started', call_id: 1, direction: 'internal' }),
    ).toBeUndefined()
    expect(
      readCloudTalkCallNotice({ event: 'call_started', call_id: 1, direction: 'outgoing' }),
    ).toBeDefined()
  })

  it('refuses a payload with none of the mapped fields', () => {
    let caught: unknown
    try {
      readCloudTalkCallNotice({ hello: 'world' })
    } catch (error) {
      caught = error
    }
    expect(LeadCallError.isInstance(caught) && caught.code).toBe('VALIDATION_FAILED')
    expect((caught as LeadCallError).message).toContain('call_id')
  })

  it('drops a recording URL that is not http(s)', () => {
    expect(
      readCloudTalkCallNotice({ ...ended, recording_url: 'javascript:alert(1)' })?.recordingUrl,
    ).toBeUndefined()
  })
})

describe('provider.parseWebhook and verifyWebhook', () => {
  const mock = cloudtalkMock()
  beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => mock.reset())
  afterAll(() => mock.server.close())

  it('refuses everything when no secret is configured', async () => {
    const provider = cloudtalk({ accessKeyId: 'id', accessKeySecret: 'secret' })
    for (const run of [provider.verifyWebhook.bind(provider), provider.parseWebhook.bind(provider)]) {
      const error = await leadCallError(run(post(WEBHOOK_URL, { call_id: 1 })))
      expect(error.code).toBe('VALIDATION_FAILED')
      expect(error.details).toEqual({ capability: 'signedWebhooks' })
    }
  })

  it('verifies before reading: a forged request is refused even with a valid payload', async () => {
    const provider = cloudtalk(mock.options)
    await provider.dial(testDial())
    const [request] = mock.webhookRequests('answered', { request: testDial(), result: {} }, 'tampered')
    const error = await leadCallError(provider.parseWebhook(request!))
    expect(error.code).toBe('INVALID_SIGNATURE')
  })

  it('accepts the secret in the URL the workflow calls', async () => {
    const provider = cloudtalk(mock.options)
    const request = testDial()
    await provider.dial(request)
    const events = await provider.parseWebhook(
      post(`${WEBHOOK_URL}?lc_secret=${WEBHOOK_SECRET}&lc_event=call_started`, {
        call_id: 1,
        agent_id: 1234,
        external_number: '14155550199',
      }),
    )
    expect(events).toMatchObject([{ type: 'initiated', attemptId: request.attemptId, providerCallId: '1' }])
  })

  it('uses a configured header name and field mapping', async () => {
    const provider = cloudtalk({
      ...mock.options,
      webhookSecretHeader: 'x-ct-token',
      webhookFields: { callId: 'call.id', agentId: 'call.agent', externalNumber: 'call.to', event: 'kind' },
    })
    const request = testDial()
    await provider.dial(request)
    const events = await provider.parseWebhook(
      post(
        WEBHOOK_URL,
        { kind: 'Call Answered', call: { id: 'abc', agent: 1234, to: '+1 415 555 0199' } },
        { 'x-ct-token': WEBHOOK_SECRET },
      ),
    )
    expect(events).toMatchObject([{ type: 'answered', party: 'lead', providerCallId: 'abc' }])
  })

  it('returns no event for a call leadcall did not place, nor for a call without progress', async () => {
    const provider = cloudtalk(mock.options)
    const headers = { 'x-leadcall-secret': WEBHOOK_SECRET }
    await expect(
      provider.parseWebhook(
        post(WEBHOOK_URL, { event: 'call_started', call_id: 9, external_number: '15550001111' }, headers),
      ),
    ).resolves.toEqual([])
    await expect(
      provider.parseWebhook(post(WEBHOOK_URL, { event: 'call_modified', call_id: 9 }, headers)),
    ).resolves.toEqual([])
    const error = await leadCallError(provider.parseWebhook(post(WEBHOOK_URL, { nothing: true }, headers)))
    expect(error.code).toBe('VALIDATION_FAILED')
  })
})
