import { Buffer } from 'node:buffer'
import {
  type Agent,
  AgentSchema,
  createHttpHandler,
  createLeadCall,
  type DialRequest,
  type Lead,
  LeadSchema,
  memoryStorage,
} from '@leadcall/core'
import { HttpResponse, http } from 'msw'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  ACCOUNT_SID,
  API,
  AUTH_TOKEN,
  callResource,
  dialNoun,
  FROM,
  STATUS_URL,
  twilioMock,
  webhookRequest,
} from './twilio-mock.test-util.js'
import { twilio } from './twilio-provider.js'

const VOICE_URL = 'https://hooks.example.com/twilio/voice'
const TIME = '2026-01-15T15:00:00.000Z'

function agent(extra: Record<string, unknown> = {}): Agent {
  return AgentSchema.parse({
    id: 'alice',
    name: 'Alice',
    phone: '+14155550100',
    status: 'available',
    createdAt: TIME,
    updatedAt: TIME,
    statusChangedAt: TIME,
    ...extra,
  })
}

const lead: Lead = LeadSchema.parse({
  id: 'lead-1',
  phone: '+14155550199',
  fullName: 'John Carter',
  firstName: 'John',
  receivedAt: TIME,
})

function dial(extra: Partial<DialRequest> = {}): DialRequest {
  return { attemptId: 'att-1', processId: 'proc-1', agent: agent(), lead, timeoutMs: 25_000, ...extra }
}

const mock = twilioMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  mock.reset()
  mock.server.resetHandlers()
  vi.unstubAllEnvs()
  vi.useRealTimers()
})
afterAll(() => mock.server.close())

/** The mock's options with a call rate that never makes a test wait (the limiter has its own tests). */
const options = { ...mock.options, callsPerSecond: 1000 }

function lastCreate(): URLSearchParams {
  const form = mock.creates().at(-1)?.form
  if (!form) throw new Error('no create-call request')
  return form
}

describe('dial: the create-call request', () => {
  it('calls the agent and bridges the lead with inline TwiML (agent-first, the default)', async () => {
    const provider = twilio(options)
    const result = await provider.dial(dial())
    expect(result.providerCallId).toMatch(/^CA[0-9a-f]{32}$/)
    const form = lastCreate()
    expect(form.get('To')).toBe('+14155550100')
    expect(form.get('From')).toBe(FROM)
    expect(form.get('Timeout')).toBe('30')
    expect(form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed'])
    expect(form.get('StatusCallbackMethod')).toBe('POST')
    expect(form.get('StatusCallback')).toBe(
      `${STATUS_URL}?lc_leg=agent&lc_mode=agent_first&lc_attempt=att-1&lc_process=proc-1`,
    )
    expect(form.has('Url')).toBe(false)
    expect(form.has('Record')).toBe(false)
    expect(form.has('MachineDetection')).toBe(false)
    const document = form.get('Twiml') ?? ''
    expect(document).toContain(`<Dial answerOnBridge="true" timeout="25" callerId="${FROM}">`)
    expect(dialNoun(document)).toEqual({
      target: '+14155550199',
      statusCallback: `${STATUS_URL}?lc_leg=lead&lc_mode=agent_first&lc_attempt=att-1&lc_process=proc-1`,
    })
    expect(document).toContain('statusCallbackEvent="initiated ringing answered completed"')
    const authorization = mock.creates()[0]?.authorization
    expect(authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`)
  })

  it('calls the lead and dials the agent in lead-first mode, 30 s for the agent by default', async () => {
    const provider = twilio({ ...options, mode: 'lead_first' })
    await provider.dial(dial({ timeoutMs: 40_000 }))
    const form = lastCreate()
    expect(form.get('To')).toBe('+14155550199')
    expect(form.get('Timeout')).toBe('40')
    expect(new URL(form.get('StatusCallback') ?? '').searchParams.get('lc_leg')).toBe('lead')
    expect(form.get('Twiml')).toContain('timeout="30"')
    expect(dialNoun(form.get('Twiml') ?? '')?.target).toBe('+14155550100')
  })

  it('lets a dial choose its mode, and dials a Voice SDK client or SIP agent with the right noun', async () => {
    const provider = twilio(options)
    await provider.dial(
      dial({ mode: 'lead_first', agent: agent({ providerRefs: { twilio: 'client:alice' } }) }),
    )
    expect(lastCreate().get('Twiml')).toContain('<Client statusCallback=')
    expect(lastCreate().get('Twiml')).toContain('>alice</Client>')
    await provider.dial(
      dial({ mode: 'lead_first', agent: agent({ providerRefs: { twilio: 'sip:alice@pbx.example.com' } }) }),
    )
    expect(lastCreate().get('Twiml')).toContain('>sip:alice@pbx.example.com</Sip>')
    await provider.dial(dial({ agent: agent({ providerRefs: { twilio: 'client:alice' } }) }))
    expect(lastCreate().get('To')).toBe('client:alice')
  })

  it('records and detects machines on request', async () => {
    const provider = twilio({
      ...options,
      recordingStatusCallbackUrl: 'https://hooks.example.com/recordings',
    })
    await provider.dial(dial({ record: true, machineDetection: true }))
    let form = lastCreate()
    expect(form.get('Record')).toBe('true')
    expect(form.get('RecordingStatusCallback')).toBe('https://hooks.example.com/recordings')
    expect(form.getAll('RecordingStatusCallbackEvent')).toEqual(['completed'])
    // Agent-first: detection runs on the lead's leg, the <Number>.
    expect(form.has('MachineDetection')).toBe(false)
    expect(form.get('Twiml')).toContain('machineDetection="Enable"')
    expect(form.get('Twiml')).toContain('amdStatusCallback=')
    const leadFirst = twilio({
      ...options,
      mode: 'lead_first',
      machineDetection: 'DetectMessageEnd',
      record: true,
    })
    await leadFirst.dial(dial())
    form = lastCreate()
    expect(form.get('MachineDetection')).toBe('DetectMessageEnd')
    expect(form.get('Record')).toBe('true')
    await leadFirst.dial(dial({ machineDetection: false, record: false }))
    expect(lastCreate().has('MachineDetection')).toBe(false)
    expect(lastCreate().has('Record')).toBe(false)
  })

  it('uses the dial caller id when given', async () => {
    await twilio(options).dial(dial({ callerId: '+14155550001' }))
    expect(lastCreate().get('From')).toBe('+14155550001')
    expect(lastCreate().get('Twiml')).toContain('callerId="+14155550001"')
  })

  it('refuses an agent without phone or reference, and a bad dial request, without calling Twilio', async () => {
    const provider = twilio(options)
    const noPhone = AgentSchema.parse({
      id: 'bob',
      name: 'Bob',
      createdAt: TIME,
      updatedAt: TIME,
      statusChangedAt: TIME,
    })
    await expect(provider.dial(dial({ agent: noPhone }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    await expect(provider.dial(dial({ attemptId: '' }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    const both = dial({ attemptId: '' })
    await expect(
      provider.dial({ ...both, lead: { ...both.lead, phone: '0034600111077' } }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: {
        issues: [
          { path: 'attemptId', message: expect.any(String) },
          { path: 'lead.phone', message: 'Expected an E.164 number' },
        ],
      },
    })
    await expect(provider.dial(dial({ mode: 'campaign' }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { capability: 'campaignMode' },
    })
    expect(mock.received).toEqual([])
  })

  it('never retries the create-call POST', async () => {
    let attempts = 0
    mock.server.use(
      http.post(`${API}/Calls.json`, () => {
        attempts++
        return HttpResponse.json(
          { code: 20500, message: 'Internal Server Error', status: 500 },
          { status: 503 },
        )
      }),
    )
    await expect(twilio(options).dial(dial())).rejects.toMatchObject({ code: 'CALL_FAILED', retryable: true })
    expect(attempts).toBe(1)
  })

  it('keeps create-call requests under callsPerSecond', async () => {
    vi.useFakeTimers()
    const started: number[] = []
    const fetchStub: typeof fetch = async (input) => {
      started.push(Date.now())
      const form = new URLSearchParams(await (input as Request).text())
      const sid = `CA${String(started.length).padStart(32, '0')}`
      return Response.json(callResource(sid, form, 'queued'), { status: 201 })
    }
    const provider = twilio({ ...mock.options, fetch: fetchStub, callsPerSecond: 2 })
    const t0 = Date.now()
    const dials = [provider.dial(dial()), provider.dial(dial()), provider.dial(dial())]
    await vi.advanceTimersByTimeAsync(0)
    expect(started.map((t) => t - t0)).toEqual([0])
    await vi.advanceTimersByTimeAsync(500)
    expect(started.map((t) => t - t0)).toEqual([0, 500])
    await vi.advanceTimersByTimeAsync(500)
    expect(started.map((t) => t - t0)).toEqual([0, 500, 1000])
    await Promise.all(dials)
  })
})

describe('voice URL mode', () => {
  const provider = twilio({ ...options, voiceUrl: VOICE_URL })

  async function voiceRequestFor(extra: Record<string, string> = {}): Promise<Request> {
    await provider.dial(dial())
    const url = lastCreate().get('Url') ?? ''
    const params = new URLSearchParams({
      AccountSid: ACCOUNT_SID,
      CallSid: 'CA0123456789abcdef0123456789abcdef',
      CallStatus: 'in-progress',
      From: FROM,
      To: '+14155550100',
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
      ...extra,
    })
    return webhookRequest(url, params)
  }

  it('creates the call with a signed-URL voice request instead of inline TwiML', async () => {
    await provider.dial(dial())
    const form = lastCreate()
    expect(form.has('Twiml')).toBe(false)
    expect(form.get('Method')).toBe('POST')
    const url = new URL(form.get('Url') ?? '')
    expect(url.origin + url.pathname).toBe(VOICE_URL)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      lc_kind: 'voice',
      lc_leg: 'agent',
      lc_mode: 'agent_first',
      lc_attempt: 'att-1',
      lc_process: 'proc-1',
      lc_target: '+14155550199',
      lc_ring: '25',
    })
  })

  it('answers the voice request with the bridging TwiML', async () => {
    const response = await provider.voiceResponse(await voiceRequestFor())
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/xml')
    const document = await response.text()
    expect(document).toContain(`<Dial answerOnBridge="true" timeout="25" callerId="${FROM}">`)
    expect(dialNoun(document)).toEqual({
      target: '+14155550199',
      statusCallback: `${STATUS_URL}?lc_leg=lead&lc_mode=agent_first&lc_attempt=att-1&lc_process=proc-1`,
    })
  })

  it('hangs up on an answering machine in lead-first mode', async () => {
    const leadFirst = twilio({ ...options, voiceUrl: VOICE_URL, mode: 'lead_first', machineDetection: true })
    await leadFirst.dial(dial())
    const url = lastCreate().get('Url') ?? ''
    const base = { AccountSid: ACCOUNT_SID, CallSid: 'CA0123456789abcdef0123456789abcdef', From: FROM }
    const machine = await leadFirst.voiceResponse(
      webhookRequest(url, new URLSearchParams({ ...base, AnsweredBy: 'machine_start' })),
    )
    expect(await machine.text()).toContain('<Response><Hangup/></Response>')
    const human = await leadFirst.voiceResponse(
      webhookRequest(url, new URLSearchParams({ ...base, AnsweredBy: 'human' })),
    )
    expect(dialNoun(await human.text())?.target).toBe('+14155550100')
  })

  it('answers 401 to a forged voice request and hangs up on one it did not place', async () => {
    const forged = await provider.voiceResponse(
      await voiceRequestFor().then((r) => new Request(r, { headers: {} })),
    )
    expect(forged.status).toBe(401)
    const inbound = webhookRequest(
      VOICE_URL,
      new URLSearchParams({ CallSid: 'CA0123456789abcdef0123456789abcdef' }),
    )
    expect(await (await provider.voiceResponse(inbound)).text()).toContain('<Hangup/>')
  })

  it('serves voice requests and status callbacks on one route', async () => {
    const events: unknown[] = []
    const handler = provider.webhookHandler({ onCallEvent: (event) => events.push(event) })
    const voice = await handler(await voiceRequestFor())
    expect(await voice.text()).toContain('<Dial')
    const call = { request: dial(), result: { providerCallId: [...mock.calls.keys()].at(-1) } }
    for (const request of mock.statusCallbacks('answered', call, 'valid'))
      expect((await handler(request)).status).toBe(204)
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'answered', party: 'lead', attemptId: 'att-1' }),
    )
    const [forged] = mock.statusCallbacks('answered', call, 'tampered')
    expect(forged && (await handler(forged)).status).toBe(401)
  })
})

describe('hangup', () => {
  async function placed(status: string): Promise<{ sid: string; provider: ReturnType<typeof twilio> }> {
    const provider = twilio(options)
    const { providerCallId } = await provider.dial(dial())
    const sid = providerCallId ?? ''
    mock.setStatus(sid, status)
    mock.received.length = 0
    return { sid, provider }
  }

  function updates(): string[] {
    return mock.received.filter((r) => r.method === 'POST').map((r) => r.form.get('Status') ?? '')
  }

  it('completes a call in progress', async () => {
    const { sid, provider } = await placed('in-progress')
    await provider.hangup(sid)
    expect(updates()).toEqual(['completed'])
  })

  it.each(['queued', 'ringing'])('cancels a %s call', async (status) => {
    const { sid, provider } = await placed(status)
    await provider.hangup(sid)
    expect(updates()).toEqual(['canceled'])
  })

  it('completes a call answered between the fetch and the cancel', async () => {
    const { sid, provider } = await placed('ringing')
    mock.server.use(
      http.post(`${API}/Calls/:file`, async ({ request }) => {
        const form = new URLSearchParams(await request.text())
        mock.received.push({ method: 'POST', path: '/Calls/x', form, authorization: null })
        return HttpResponse.json(
          callResource(sid, form, form.get('Status') === 'completed' ? 'completed' : 'in-progress'),
        )
      }),
    )
    await provider.hangup(sid)
    expect(updates()).toEqual(['canceled', 'completed'])
  })

  it.each(['completed', 'busy', 'failed', 'no-answer', 'canceled'])(
    'leaves a %s call alone',
    async (status) => {
      const { sid, provider } = await placed(status)
      await provider.hangup(sid)
      expect(updates()).toEqual([])
    },
  )

  it('retries the GET on a transient failure, never the POST', async () => {
    const { sid, provider } = await placed('in-progress')
    let gets = 0
    mock.server.use(
      http.get(`${API}/Calls/:file`, () => {
        gets++
        if (gets === 1)
          return HttpResponse.json({ code: 20503, message: 'Unavailable', status: 503 }, { status: 503 })
        return undefined
      }),
    )
    await provider.hangup(sid)
    expect(gets).toBe(2)
    expect(updates()).toEqual(['completed'])
  })

  it('refuses a malformed call id and maps an unknown one to VALIDATION_FAILED 404', async () => {
    const provider = twilio(options)
    await expect(provider.hangup('../Messages')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    await expect(provider.hangup('CA0000000000000000000000000000dead')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 404,
      details: { twilioCode: 20404 },
    })
  })
})

describe('credentials and options', () => {
  it('reads credentials from the environment when first needed', async () => {
    vi.stubEnv('TWILIO_ACCOUNT_SID', ACCOUNT_SID)
    vi.stubEnv('TWILIO_AUTH_TOKEN', AUTH_TOKEN)
    const provider = twilio({ from: FROM, statusCallbackUrl: STATUS_URL })
    expect(provider.capabilities.signedWebhooks).toBe(true)
    await expect(provider.dial(dial())).resolves.toHaveProperty('providerCallId')
  })

  it('names the option and the variable of a missing credential, at the first call only', async () => {
    vi.stubEnv('TWILIO_ACCOUNT_SID', '')
    vi.stubEnv('TWILIO_AUTH_TOKEN', '')
    const provider = twilio({ from: FROM, statusCallbackUrl: STATUS_URL })
    await expect(provider.dial(dial())).rejects.toThrow(/accountSid or set TWILIO_ACCOUNT_SID/)
    const noToken = twilio({ accountSid: ACCOUNT_SID, from: FROM, statusCallbackUrl: STATUS_URL })
    await expect(noToken.dial(dial())).rejects.toThrow(/TWILIO_AUTH_TOKEN/)
    expect(mock.received).toEqual([])
  })

  it('authenticates with an API Key, and verifies webhooks only when the Auth Token is known', async () => {
    vi.stubEnv('TWILIO_AUTH_TOKEN', '')
    const keyOnly = twilio({
      accountSid: ACCOUNT_SID,
      apiKey: 'SK0123456789abcdef0123456789abcdef',
      apiSecret: 'key-secret',
      from: FROM,
      statusCallbackUrl: STATUS_URL,
    })
    mock.server.use(
      http.post(`${API}/Calls.json`, async ({ request }) => {
        const expected = `Basic ${Buffer.from('SK0123456789abcdef0123456789abcdef:key-secret').toString('base64')}`
        if (request.headers.get('authorization') !== expected) return HttpResponse.json({}, { status: 401 })
        return HttpResponse.json(callResource(`CA${'1'.repeat(32)}`, new URLSearchParams(), 'queued'), {
          status: 201,
        })
      }),
    )
    await expect(keyOnly.dial(dial())).resolves.toEqual(
      expect.objectContaining({ providerCallId: `CA${'1'.repeat(32)}` }),
    )
    expect(keyOnly.capabilities.signedWebhooks).toBe(false)
    const request = webhookRequest(
      `${STATUS_URL}?lc_leg=agent`,
      new URLSearchParams({ CallSid: `CA${'1'.repeat(32)}`, CallStatus: 'ringing' }),
      'unsigned',
    )
    await expect(keyOnly.verifyWebhook(request.clone())).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { capability: 'signedWebhooks' },
    })
    await expect(keyOnly.parseWebhook(request)).resolves.toHaveLength(1)
    const withToken = twilio({
      ...options,
      apiKey: 'SK0123456789abcdef0123456789abcdef',
      apiSecret: 'key-secret',
    })
    expect(withToken.capabilities.signedWebhooks).toBe(true)
  })

  it('lists every invalid option at once, without echoing secrets', () => {
    let error: unknown
    try {
      twilio({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        from: '',
        statusCallbackUrl: 'ftp://nope',
        callsPerSecond: 0,
        // @ts-expect-error: a typo is reported, not ignored
        statusCallbackURL: 'https://x.example',
      })
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' })
    const message = (error as Error).message
    for (const field of ['from', 'statusCallbackUrl', 'callsPerSecond', 'statusCallbackURL'])
      expect(message).toContain(field)
    expect(JSON.stringify(error)).not.toContain(AUTH_TOKEN)
    expect(message).not.toContain(AUTH_TOKEN)
  })

  it.each([
    ['mode', 'campaign'],
    ['agentRingTimeoutSec', 4],
    ['agentRingTimeoutSec', 30.5],
    ['machineDetection', 'yes'],
    ['record', 'true'],
    ['whatsappFrom', '+14155550000'],
    ['voiceUrl', 'ftp://hooks.example.com'],
    ['timeoutMs', 0],
    ['retries', 11],
    ['fetch', 'fetch'],
    ['name', ''],
    ['from', 'x'.repeat(201)],
    ['authToken', 42],
  ])('refuses %s = %j, naming the option', (field, value) => {
    const attempt = () => twilio({ ...options, [field]: value } as never)
    expect(attempt).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }))
    expect(attempt).toThrow(new RegExp(`\\b${field}: `))
  })

  it('accepts every option at its documented values', () => {
    const provider = twilio({
      ...options,
      apiKey: 'SK0123456789abcdef0123456789abcdef',
      apiSecret: 'key-secret',
      voiceUrl: 'https://hooks.example.com/voice',
      whatsappUrl: 'https://hooks.example.com/whatsapp',
      whatsappFrom: 'whatsapp:+14155550000',
      mode: 'lead_first',
      agentRingTimeoutSec: 600,
      record: true,
      recordingStatusCallbackUrl: 'http://hooks.example.com/recordings',
      machineDetection: 'DetectMessageEnd',
      callsPerSecond: 0.5,
      timeoutMs: 600_000,
      retries: 0,
      name: 'twilio-eu',
    })
    expect(provider.name).toBe('twilio-eu')
  })

  it('rejects calls after close, and close aborts a call in flight', async () => {
    const provider = twilio(options)
    mock.backend.hang()
    const inFlight = provider.dial(dial())
    await vi.waitFor(() => expect(mock.creates()).toHaveLength(1))
    await provider.close()
    await expect(inFlight).rejects.toMatchObject({
      code: 'CALL_FAILED',
      message: 'The Twilio provider is closed',
    })
    await expect(provider.dial(dial())).rejects.toMatchObject({ code: 'CALL_FAILED' })
    await provider.close()
  })
})

describe('with createLeadCall', () => {
  it('dials a submitted lead and follows its status callbacks to completion', async () => {
    const telephony = twilio(options)
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony,
      phone: { defaultCountry: 'US' },
      compliance: { callingHours: false },
    })
    try {
      await app.agents.upsert({ id: 'alice', name: 'Alice', phone: '+14155550100', status: 'available' })
      const handler = createHttpHandler(app, {
        webhooks: { twilio: (request) => telephony.parseWebhook(request) },
        metrics: false,
      })
      const submitted = await app.submitLead({ name: 'John Carter', phone: '(415) 555-0199' })
      expect(submitted.status).toBe('dialing')
      const [create] = mock.creates()
      expect(create?.form.get('To')).toBe('+14155550100')
      const providerCallId = [...mock.calls.keys()][0]
      const state = await app.process(submitted.processId)
      const attemptId = new URL(create?.form.get('StatusCallback') ?? '').searchParams.get('lc_attempt') ?? ''
      const call = {
        request: dial({ attemptId, processId: submitted.processId }),
        result: { providerCallId },
      }
      for (const request of mock.statusCallbacks('answered', call, 'valid')) {
        // Twilio posts to the public URL; the host routes it to the core handler's /webhooks/twilio.
        const response = await handler(request)
        expect(response.status).toBe(200)
      }
      const sessions = await Promise.all(
        [state?.attempt?.callId].filter((id): id is string => id !== undefined).map((id) => app.call(id)),
      )
      expect(sessions[0]?.status).toBe('completed')
      expect(sessions[0]?.answeredAt).toBeDefined()
    } finally {
      await app.close()
    }
  })
})

describe('many requests at once', () => {
  it('adds no listener per request to a signal shared by all of them (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      mock.server.use(
        http.post(`${API}/Calls.json`, async ({ request }) => {
          const form = new URLSearchParams(await request.text())
          await new Promise((resolve) => setTimeout(resolve, 50))
          return HttpResponse.json(callResource(`CA${'1'.repeat(32)}`, form, 'queued'), { status: 201 })
        }),
      )
      const provider = twilio(options)
      const dials = Array.from({ length: 15 }, (_, i) => provider.dial(dial({ attemptId: `att-${i}` })))
      await Promise.all(dials)
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })
})
