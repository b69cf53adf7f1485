import { inspect } from 'node:util'
import { LeadCallError } from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { CloudTalkApiError, mapCloudTalkStatus } from './cloudtalk-api.js'
import {
  AGENT_ID,
  BASIC,
  cloudtalkMock,
  errorEnvelope,
  KEY_ID,
  KEY_SECRET,
  leadCallError,
  testAgent,
  testDial,
  WEBHOOK_SECRET,
} from './cloudtalk-mock.test-util.js'
import { cloudtalk } from './cloudtalk-provider.js'

const mock = cloudtalkMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  mock.reset()
  vi.unstubAllEnvs()
})
afterAll(() => mock.server.close())

const CREATE = 'POST /calls/create.json'

describe('options', () => {
  it('lists every invalid option in one VALIDATION_FAILED', () => {
    let caught: unknown
    try {
      cloudtalk({
        ...mock.options,
        timeoutMs: -1,
        baseUrl: 'ftp://x',
        webhookSecret: 'short',
        mode: 'lead_first' as never,
        unknown: true,
      } as never)
    } catch (error) {
      caught = error
    }
    expect(LeadCallError.isInstance(caught)).toBe(true)
    const error = caught as LeadCallError
    expect(error.code).toBe('VALIDATION_FAILED')
    const paths = (error.details as { issues: { path: string }[] }).issues.map((issue) => issue.path)
    expect(paths).toEqual(expect.arrayContaining(['timeoutMs', 'baseUrl', 'webhookSecret', 'mode']))
    expect(error.message).toContain('unknown')
    expect(error.message).not.toContain(KEY_SECRET)
  })

  it.each([
    ['campaign mode without campaigns', { mode: 'campaign' }, 'campaigns'],
    ['an empty campaigns map', { campaigns: {} }, 'campaigns'],
    [
      'both a limiter and a limit',
      { requestsPerMinute: 30, rateLimiter: cloudtalk().rateLimiter },
      'requestsPerMinute',
    ],
    ['a poll interval under a second', { historyPollIntervalMs: 10 }, 'historyPollIntervalMs'],
    ['a header name with spaces', { webhookSecretHeader: 'x secret' }, 'webhookSecretHeader'],
    ['an unknown webhook field', { webhookFields: { callID: 'x' } }, 'webhookFields'],
  ])('refuses %s', (_label, extra, path) => {
    expect(() => cloudtalk({ ...mock.options, ...(extra as object) })).toThrow(LeadCallError)
    try {
      cloudtalk({ ...mock.options, ...(extra as object) })
    } catch (error) {
      expect((error as LeadCallError).message).toContain(path)
    }
  })

  it('reads credentials and the webhook secret lazily from the environment', async () => {
    const provider = cloudtalk()
    expect(provider.capabilities.signedWebhooks).toBe(false)
    const missing = await leadCallError(provider.dial(testDial()))
    expect(missing.code).toBe('VALIDATION_FAILED')
    expect(missing.message).toContain('accessKeyId')
    expect(missing.message).toContain('CLOUDTALK_ACCESS_KEY_ID')
    expect(mock.received).toEqual([])

    vi.stubEnv('CLOUDTALK_ACCESS_KEY_ID', KEY_ID)
    vi.stubEnv('CLOUDTALK_ACCESS_KEY_SECRET', KEY_SECRET)
    vi.stubEnv('CLOUDTALK_WEBHOOK_SECRET', WEBHOOK_SECRET)
    const fromEnv = cloudtalk()
    expect(fromEnv.capabilities.signedWebhooks).toBe(true)
    await fromEnv.dial(testDial())
    expect(mock.received[0]?.authorization).toBe(BASIC)
  })

  it('refuses a webhook secret from the environment that is too short', () => {
    vi.stubEnv('CLOUDTALK_WEBHOOK_SECRET', 'abc')
    expect(() => cloudtalk(mock.options)).not.toThrow()
    vi.stubEnv('CLOUDTALK_WEBHOOK_SECRET', 'abc')
    expect(() => cloudtalk({ accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET })).toThrow(/16 characters/)
  })

  it('declares its capabilities honestly', () => {
    expect(cloudtalk(mock.options).capabilities).toEqual({
      agentFirstDial: true,
      leadFirstDial: false,
      contactSync: true,
      presence: true,
      hangup: false,
      idempotentDial: false,
      campaignMode: false,
      recording: false,
      machineDetection: false,
      signedWebhooks: true,
    })
    const withCampaigns = cloudtalk({ ...mock.options, campaigns: { [AGENT_ID]: 'lc-alice' } })
    expect(withCampaigns.capabilities.campaignMode).toBe(true)
    expect('hangup' in withCampaigns).toBe(false)
  })
})

describe('dial (click-to-call)', () => {
  it('posts agent_id and callee_number to /calls/create.json with Basic auth and Accept: application/json', async () => {
    const provider = cloudtalk(mock.options)
    const result = await provider.dial(testDial())
    const [sent] = mock.requests('POST', '/calls/create.json')
    expect(sent?.body).toEqual({ agent_id: 1234, callee_number: '+14155550199' })
    expect(sent?.authorization).toBe(BASIC)
    expect(result.providerCallId).toBeUndefined()
    expect(result.raw).toEqual({
      mode: 'agent_first',
      agentId: '1234',
      calleeNumber: '+14155550199',
      status: 200,
    })
  })

  it('needs the agent’s CloudTalk id, numeric, and never calls CloudTalk without it', async () => {
    const provider = cloudtalk(mock.options)
    const missing = await leadCallError(provider.dial(testDial({ agent: testAgent('bob', null) })))
    expect(missing.code).toBe('VALIDATION_FAILED')
    expect(missing.message).toContain('agent.providerRefs.cloudtalk')
    const wrong = await leadCallError(provider.dial(testDial({ agent: testAgent('bob', 'bob@example.com') })))
    expect(wrong.code).toBe('VALIDATION_FAILED')
    const badLead = await leadCallError(
      provider.dial(testDial({ lead: { ...testDial().lead, phone: '4155550199' } })),
    )
    expect(badLead.code).toBe('VALIDATION_FAILED')
    expect(mock.received).toEqual([])
  })

  it('reads the agent from providerRefs under the provider’s name', async () => {
    const provider = cloudtalk({ ...mock.options, name: 'ct-eu' })
    await provider.dial(testDial({ agent: { ...testAgent(), providerRefs: { 'ct-eu': AGENT_ID } } }))
    expect(mock.requests('POST', '/calls/create.json')).toHaveLength(1)
  })

  it.each([
    ['lead_first', { mode: 'lead_first' as const }, 'leadFirstDial'],
    ['campaign without campaigns', { mode: 'campaign' as const }, 'campaignMode'],
    ['recording', { record: true }, 'recording'],
    ['machine detection', { machineDetection: true }, 'machineDetection'],
  ])('refuses %s with the capability named', async (_label, extra, capability) => {
    const error = await leadCallError(cloudtalk(mock.options).dial(testDial(extra)))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details).toEqual({ capability })
    expect(mock.received).toEqual([])
  })

  it('maps 404 (unknown agent) to AGENT_NOT_AVAILABLE, not retryable, naming the reason', async () => {
    mock.fail(CREATE, 404, errorEnvelope(404, 'Not found.'))
    const error = await leadCallError(cloudtalk(mock.options).dial(testDial()))
    expect(error.code).toBe('AGENT_NOT_AVAILABLE')
    expect(error.retryable).toBe(false)
    expect(error.details).toMatchObject({ cloudtalkStatus: 404, reason: 'unknown_agent' })
    expect(error.message).toContain('providerRefs')
    const cause = (error as { cause?: unknown }).cause
    expect(cause).toBeInstanceOf(CloudTalkApiError)
    expect((cause as CloudTalkApiError).status).toBe(404)
  })

  it('maps 406 to VALIDATION_FAILED with the invalid fields', async () => {
    mock.fail(CREATE, 406, errorEnvelope(406, 'Invalid input data.', { callee_number: ['Invalid number.'] }))
    const error = await leadCallError(cloudtalk(mock.options).dial(testDial()))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details).toMatchObject({ fields: { callee_number: ['Invalid number.'] } })
  })

  it('maps the real mock’s own answers: 403 offline, 409 calling, 404 unknown agent', async () => {
    mock.setAgents([
      mock.agent({ id: '1', availability_status: 'offline' }),
      mock.agent({ id: '2', availability_status: 'calling' }),
    ])
    const provider = cloudtalk(mock.options)
    const codes = []
    for (const ref of ['1', '2', '3']) {
      codes.push((await leadCallError(provider.dial(testDial({ agent: testAgent('x', ref) })))).code)
    }
    expect(codes).toEqual(['AGENT_NOT_AVAILABLE', 'AGENT_BUSY', 'AGENT_NOT_AVAILABLE'])
  })

  it('treats a 2xx carrying an error envelope as that error', async () => {
    mock.fail(CREATE, 200, errorEnvelope(409, 'Agent is already calling.'))
    expect((await leadCallError(cloudtalk(mock.options).dial(testDial()))).code).toBe('AGENT_BUSY')
  })

  it('never retries a dial, even on a 500', async () => {
    mock.fail(CREATE, 500, errorEnvelope(500, 'Something went wrong.'))
    const error = await leadCallError(cloudtalk({ ...mock.options, retries: 5 }).dial(testDial()))
    expect(error.code).toBe('CALL_FAILED')
    expect(error.retryable).toBe(true)
    expect(mock.requests('POST', '/calls/create.json')).toHaveLength(1)
  })

  it('keeps credentials out of errors, even when CloudTalk echoes them', async () => {
    mock.fail(
      CREATE,
      401,
      errorEnvelope(401, `Bad credentials ${BASIC} ${KEY_SECRET}`, { key: [KEY_SECRET] }),
    )
    const error = await leadCallError(cloudtalk(mock.options).dial(testDial()))
    expect(error.code).toBe('CALL_FAILED')
    expect(error.retryable).toBe(false)
    const everything = [
      error.message,
      JSON.stringify(error.details),
      inspect(error, { depth: 8, showHidden: true }),
    ]
    for (const text of everything) {
      expect(text).not.toContain(KEY_SECRET)
      expect(text).not.toContain(BASIC.slice(6))
    }
  })

  it('turns a network failure into CALL_FAILED without the request', async () => {
    const provider = cloudtalk({
      ...mock.options,
      fetch: async () => {
        throw new TypeError(`fetch failed for ${KEY_SECRET}`)
      },
    })
    const error = await leadCallError(provider.dial(testDial()))
    expect(error.code).toBe('CALL_FAILED')
    expect(error.message).not.toContain(KEY_SECRET)
  })

  describe('precheckAgent', () => {
    it.each([
      [{ availability_status: 'calling' }, 'AGENT_BUSY', 'calling'],
      [{ availability_status: 'paused' }, 'AGENT_NOT_AVAILABLE', 'paused'],
      [{ status_outbound: false }, 'AGENT_NOT_AVAILABLE', 'outbound_disabled'],
      [{ is_daily_limit_ok: false }, 'AGENT_NOT_AVAILABLE', 'daily_limit'],
      [{ id: '999' }, 'AGENT_NOT_AVAILABLE', 'unknown_agent'],
    ])('refuses an agent %j with %s before calling', async (agent, code, reason) => {
      mock.setAgents([mock.agent(agent)])
      const error = await leadCallError(cloudtalk({ ...mock.options, precheckAgent: true }).dial(testDial()))
      expect(error.code).toBe(code)
      expect(error.details).toMatchObject({ reason })
      expect(mock.requests('POST', '/calls/create.json')).toEqual([])
      expect(mock.requests('GET', '/agents/index.json')[0]?.query.get('id')).toBe(AGENT_ID)
    })

    it('dials an online agent after one check', async () => {
      await cloudtalk({ ...mock.options, precheckAgent: true }).dial(testDial())
      expect(mock.received.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /agents/index.json',
        'POST /calls/create.json',
      ])
    })
  })
})

describe('reads (GET) are retried, writes are not', () => {
  it('retries a GET on 500 and 502, then succeeds', async () => {
    mock.fail('GET /agents/index.json', 500, errorEnvelope(500, 'Something went wrong.'))
    mock.failRaw('GET /agents/index.json', 502, '<html>Bad Gateway</html>', 'text/html')
    const reports = await cloudtalk({ ...mock.options, retries: 2 }).listAgentPresence()
    expect(reports).toEqual([{ providerAgentId: AGENT_ID, status: 'available' }])
    expect(mock.requests('GET', '/agents/index.json')).toHaveLength(3)
  })

  it('gives up after `retries`', async () => {
    for (let i = 0; i < 3; i++) mock.fail('GET /agents/index.json', 503, errorEnvelope(503, 'Unavailable'))
    const error = await leadCallError(cloudtalk({ ...mock.options, retries: 1 }).listAgentPresence())
    expect(error.code).toBe('CALL_FAILED')
    expect(mock.requests('GET', '/agents/index.json')).toHaveLength(2)
  })

  it('does not retry a GET refused for good (401)', async () => {
    mock.fail('GET /agents/index.json', 401, errorEnvelope(401, 'Unauthorized'))
    const error = await leadCallError(cloudtalk(mock.options).listAgentPresence())
    expect(error.retryable).toBe(false)
    expect(mock.requests('GET', '/agents/index.json')).toHaveLength(1)
  })

  it('reports an unreadable success as CALL_FAILED with the redacted body', async () => {
    mock.fail('GET /agents/index.json', 200, { responseData: { data: 'nope', secret: KEY_SECRET } })
    const error = await leadCallError(cloudtalk({ ...mock.options, retries: 0 }).listAgentPresence())
    expect(error.code).toBe('CALL_FAILED')
    expect(String((error.details as { body: string }).body)).toContain('[redacted]')
  })
})

describe('close', () => {
  it('refuses new calls and aborts the ones in flight', async () => {
    const provider = cloudtalk(mock.options)
    mock.backend.hang()
    const dialing = provider.dial(testDial())
    await vi.waitFor(() => expect(mock.received).toHaveLength(1))
    await provider.close()
    const error = await leadCallError(dialing)
    expect(error.code).toBe('CALL_FAILED')
    expect(error.message).toContain('closed')
    await expect(provider.listAgentPresence()).rejects.toThrow(/closed/)
    await provider.close()
  })
})

describe('mapCloudTalkStatus', () => {
  it.each([
    ['dial', 403, 'AGENT_NOT_AVAILABLE'],
    ['dial', 404, 'AGENT_NOT_AVAILABLE'],
    ['dial', 406, 'VALIDATION_FAILED'],
    ['dial', 409, 'AGENT_BUSY'],
    ['dial', 429, 'RATE_LIMITED'],
    ['dial', 500, 'CALL_FAILED'],
    ['dial', 503, 'CALL_FAILED'],
    ['dial', 408, 'PROVIDER_TIMEOUT'],
    ['contact', 406, 'CONTACT_CREATION_FAILED'],
    ['contact', 500, 'CONTACT_CREATION_FAILED'],
    ['contact', 429, 'RATE_LIMITED'],
    ['read', 500, 'CALL_FAILED'],
    ['read', 406, 'VALIDATION_FAILED'],
  ] as const)('%s %i → %s', (kind, status, code) => {
    expect(mapCloudTalkStatus(kind, status).code).toBe(code)
  })
})
