import { Buffer } from 'node:buffer'
import {
  type AgentPresenceReport,
  type CallEvent,
  CallEventSchema,
  createLeadCall,
  LeadCallError,
  type LeadCallErrorCode,
  memoryStorage,
} from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { AriApiError } from './ari-api.js'
import { type AriServer, startAriServer } from './ari-server.test-util.js'
import { agent, dial, lead, PASSWORD, replay, steps, USERNAME, until } from './asterisk-fixtures.test-util.js'
import type { AsteriskOptions } from './asterisk-options.js'
import {
  type AsteriskProvider,
  agentChannelOf,
  asterisk,
  callIdOf,
  leadChannelOf,
} from './asterisk-provider.js'

let server: AriServer
const open: AsteriskProvider[] = []

beforeAll(async () => {
  server = await startAriServer({ username: USERNAME, password: PASSWORD })
})
afterEach(async () => {
  server.reset()
  await Promise.all(open.splice(0).map((provider) => provider.close()))
  server.reset()
  vi.unstubAllEnvs()
})
afterAll(async () => {
  await server.close()
})

function provider(extra: Partial<AsteriskOptions> = {}): AsteriskProvider {
  const created = asterisk({
    url: server.url,
    username: USERNAME,
    password: PASSWORD,
    endpoints: { lead: 'PJSIP/{number}@trunk' },
    callerId: '+14155550000',
    reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
    ...extra,
  })
  open.push(created)
  return created
}

function listen(target: AsteriskProvider): CallEvent[] {
  const events: CallEvent[] = []
  target.connect((event) => void events.push(event))
  return events
}

async function caught(promise: Promise<unknown>): Promise<LeadCallError> {
  try {
    await promise
  } catch (error) {
    expect(LeadCallError.isInstance(error), String(error)).toBe(true)
    const text = `${String(error)} ${JSON.stringify(error)} ${JSON.stringify((error as LeadCallError).details)}`
    expect(text).not.toContain(PASSWORD)
    return error as LeadCallError
  }
  throw new Error('expected a rejection')
}

const inBridge = (bridgeId: string, channelId: string) => () =>
  server.bridges.get(bridgeId)?.json.channels.includes(channelId) === true

/** Dials and plays the agent answering, up to the lead's leg being originated. */
async function agentAnswered(target: AsteriskProvider, request = dial()) {
  const { providerCallId = '' } = await target.dial(request)
  const agentId = agentChannelOf(providerCallId)
  const leadId = leadChannelOf(providerCallId)
  server.ring(agentId)
  server.answer(agentId)
  await server.waitFor(() => server.channels.has(leadId) && inBridge(providerCallId, agentId)())
  return { request, callId: providerCallId, agentId, leadId }
}

const settled = () => server.channels.size === 0 && server.bridges.size === 0

describe('agent-first dial', () => {
  it('creates a mixing bridge and originates the agent leg into the app, with the attempt in appArgs and variables', async () => {
    const target = provider()
    const request = dial()
    const result = await target.dial(request)
    const callId = `leadcall-${request.attemptId}`
    expect(result.providerCallId).toBe(callId)
    const bridge = server.requests.find((r) => r.method === 'POST' && r.path === `/bridges/${callId}`)
    expect(bridge?.query.get('type')).toBe('mixing')
    const [originate, ...others] = server.originates()
    expect(others).toEqual([])
    expect(originate?.path).toBe(`/channels/${callId}-agent`)
    expect(Object.fromEntries(originate?.query ?? [])).toEqual({
      endpoint: 'PJSIP/1001',
      app: 'leadcall',
      appArgs: `leadcall,agent,${callId}`,
      callerId: '"John Carter" <+14155550199>',
      timeout: '30',
    })
    expect(originate?.body).toEqual({
      variables: {
        LEADCALL_ATTEMPT_ID: request.attemptId,
        LEADCALL_PROCESS_ID: request.processId,
        LEADCALL_ROLE: 'agent',
        LEADCALL_LEAD_NUMBER: '+14155550199',
      },
    })
    // Basic auth on REST and on the WebSocket, which asked for the `ari` subprotocol.
    const upgrade = server.requests.find((r) => r.websocket)
    expect(upgrade?.path).toBe('/events')
    expect(upgrade?.query.get('app')).toBe('leadcall')
    expect(upgrade?.query.get('subscribeAll')).toBe('false')
    expect(upgrade?.protocols).toEqual(['ari'])
    expect(server.requests.every((r) => !r.query.has('api_key'))).toBe(true)
  })

  it('bridges the agent when it answers, dials the lead with the agent as originator, then bridges the lead', async () => {
    const target = provider()
    const events = listen(target)
    const { request, callId, agentId, leadId } = await agentAnswered(target)
    const [originate] = server.originates('lead')
    expect(originate?.path).toBe(`/channels/${leadId}`)
    expect(Object.fromEntries(originate?.query ?? [])).toEqual({
      endpoint: 'PJSIP/+14155550199@trunk',
      app: 'leadcall',
      appArgs: `leadcall,lead,${callId}`,
      callerId: '+14155550000',
      timeout: '25',
      originator: agentId,
    })
    expect(originate?.body).toEqual({
      variables: {
        LEADCALL_ATTEMPT_ID: request.attemptId,
        LEADCALL_PROCESS_ID: request.processId,
        LEADCALL_ROLE: 'lead',
        LEADCALL_AGENT_ID: 'alice',
      },
    })
    server.ring(leadId)
    server.answer(leadId)
    await server.waitFor(inBridge(callId, leadId))
    expect(server.bridges.get(callId)?.json.channels).toEqual([agentId, leadId])
    server.remoteHangup(leadId, 16)
    // The lead left: the agent is hung up and the bridge destroyed.
    await server.waitFor(settled)
    await until(() => events.some((e) => e.type === 'completed'))
    expect(steps(events)).toEqual([
      ['agent', 'initiated'],
      ['agent', 'ringing'],
      ['lead', 'initiated'],
      ['lead', 'ringing'],
      ['lead', 'answered'],
      ['lead', 'completed'],
    ])
    for (const event of events) {
      expect(CallEventSchema.safeParse(event).success).toBe(true)
      expect(event).toMatchObject({
        provider: 'asterisk',
        providerCallId: callId,
        attemptId: request.attemptId,
        processId: request.processId,
      })
    }
    expect(events.at(-1)?.hangupCause).toBe('normal_clearing')
    const times = events.map((e) => Date.parse(e.at))
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    const session = replay(request, callId, events)
    expect(session.status).toBe('completed')
    expect(session.answeredAt).toBeDefined()
    // The agent's own hang-up came from the tear-down: reported once, by the lead's leg.
    const destroyed = server.frames.filter((f) => f.type === 'ChannelDestroyed')
    expect(destroyed.map((f) => (f.channel as { id: string }).id)).toEqual([leadId, agentId])
  })

  it('reports the agent hanging up after the conversation as completed, and hangs up the lead', async () => {
    const target = provider()
    const events = listen(target)
    const { request, callId, agentId, leadId } = await agentAnswered(target)
    server.answer(leadId)
    await server.waitFor(inBridge(callId, leadId))
    server.remoteHangup(agentId, 16)
    await server.waitFor(settled)
    await until(() => events.some((e) => e.type === 'completed'))
    expect(steps(events).slice(-2)).toEqual([
      ['lead', 'answered'],
      ['agent', 'completed'],
    ])
    expect(replay(request, callId, events).status).toBe('completed')
  })

  it('reports the agent hanging up while the lead rings as canceled, and hangs up the lead', async () => {
    const target = provider()
    const events = listen(target)
    const { request, callId, agentId, leadId } = await agentAnswered(target)
    server.ring(leadId)
    server.remoteHangup(agentId, 16)
    await server.waitFor(settled)
    await until(() => events.some((e) => e.type === 'canceled'))
    expect(steps(events).at(-1)).toEqual(['agent', 'canceled'])
    expect(events.filter((e) => e.party === 'lead').map((e) => e.type)).toEqual(['initiated', 'ringing'])
    expect(replay(request, callId, events).status).toBe('canceled')
  })

  it.each([
    [19, 'no_answer', 'no_answer'],
    [18, 'no_answer', 'no_user_response'],
    [17, 'busy', 'user_busy'],
    [21, 'busy', 'call_rejected'],
    [34, 'failed', 'circuit_congestion'],
    [16, 'canceled', 'normal_clearing'],
  ] as const)(
    'an agent leg that ends with cause %i before answering is %s, and no lead is dialed',
    async (cause, type, reason) => {
      const target = provider()
      const events = listen(target)
      const { providerCallId = '' } = await target.dial(dial())
      server.ring(agentChannelOf(providerCallId))
      server.remoteHangup(agentChannelOf(providerCallId), cause)
      await server.waitFor(settled)
      await until(() => events.some((e) => e.type === type))
      expect(steps(events)).toEqual([
        ['agent', 'initiated'],
        ['agent', 'ringing'],
        ['agent', type],
      ])
      expect(events.at(-1)?.hangupCause).toBe(reason)
      expect(server.originates('lead')).toEqual([])
    },
  )

  it.each([
    [17, 486, 'busy', 'user_busy'],
    [21, 603, 'busy', 'call_rejected'],
    [19, 480, 'no_answer', 'no_answer'],
    [34, 503, 'failed', 'circuit_congestion'],
    [38, undefined, 'failed', 'network_out_of_order'],
    [41, undefined, 'failed', 'temporary_failure'],
    [42, undefined, 'failed', 'switch_congestion'],
    [1, 404, 'failed', 'unallocated_number'],
  ] as const)(
    'a lead leg that ends with cause %i (SIP %s) is %s, and the agent is hung up',
    async (cause, sip, type, reason) => {
      const target = provider()
      const events = listen(target)
      const { request, callId, leadId } = await agentAnswered(target)
      server.ring(leadId)
      server.remoteHangup(leadId, cause, sip === undefined ? {} : { techCause: sip })
      await server.waitFor(settled)
      await until(() => events.some((e) => e.type === type))
      const last = events.at(-1)
      expect(last).toMatchObject({ party: 'lead', type, hangupCause: reason })
      expect(last?.sipCode).toBe(sip)
      expect(replay(request, callId, events).status).toBe(type)
      expect(replay(request, callId, events).answeredAt).toBeUndefined()
    },
  )

  it('dials an agent without an Asterisk reference on its phone, and takes a dial string reference as it is', async () => {
    const target = provider({
      endpoints: { lead: 'PJSIP/{number}@trunk', agentPhone: 'PJSIP/{digits}@mobiles' },
    })
    await target.dial(dial({ agent: agent({ providerRefs: {} }) }))
    await target.dial(dial({ agent: agent({ providerRefs: { asterisk: 'Local/1001@agents' } }) }))
    expect(server.originates('agent').map((r) => r.query.get('endpoint'))).toEqual([
      'PJSIP/14155550100@mobiles',
      'Local/1001@agents',
    ])
  })

  it('uses the agent template and the agentCallerId template', async () => {
    const target = provider({
      endpoints: { agent: 'SIP/{ext}', lead: 'SIP/{digits}@carrier' },
      agentCallerId: 'Lead {name} <{digits}>',
      agentRingTimeoutSec: 12,
      app: 'sales-1',
    })
    await target.dial(dial())
    const [originate] = server.originates('agent')
    expect(originate?.query.get('endpoint')).toBe('SIP/1001')
    expect(originate?.query.get('callerId')).toBe('Lead John Carter <14155550199>')
    expect(originate?.query.get('timeout')).toBe('12')
    expect(originate?.query.get('app')).toBe('sales-1')
    expect(server.requests.find((r) => r.websocket)?.query.get('app')).toBe('sales-1')
  })

  it('refuses what it cannot dial with VALIDATION_FAILED, before calling Asterisk', async () => {
    const target = provider()
    const cases = [
      dial({ agent: agent({ providerRefs: {}, phone: undefined }) }),
      dial({ agent: agent({ providerRefs: { asterisk: '1001&1002' } }) }),
      dial({ lead: { ...lead, phone: '0415555' } }),
      dial({ mode: 'lead_first' }),
      dial({ mode: 'campaign' }),
      dial({ record: true }),
      dial({ machineDetection: true }),
    ]
    for (const request of cases) {
      const error = await caught(target.dial(request))
      expect(error.code).toBe('VALIDATION_FAILED')
      expect(error.retryable).toBe(false)
    }
    expect(server.requests.filter((r) => !r.websocket)).toEqual([])
  })

  it('never places a second call for the same attempt: same provider, or another one meeting ARI 409', async () => {
    const first = provider()
    const request = dial()
    const a = await first.dial(request)
    const b = await first.dial(request)
    expect(b.providerCallId).toBe(a.providerCallId)
    expect(server.originates()).toHaveLength(1)
    const second = provider()
    const c = await second.dial(request)
    expect(c).toEqual({ providerCallId: a.providerCallId, raw: { conflict: true } })
    expect(server.originates()).toHaveLength(2)
    expect(server.responses.map((r) => r.status)).toContain(409)
    expect([...server.channels.keys()]).toEqual([agentChannelOf(a.providerCallId ?? '')])
  })
})

describe('dial errors', () => {
  it.each([
    [400, 'VALIDATION_FAILED', false],
    [404, 'AGENT_NOT_AVAILABLE', true],
    [422, 'VALIDATION_FAILED', false],
    [429, 'RATE_LIMITED', true],
    [500, 'CALL_FAILED', true],
    [503, 'CALL_FAILED', true],
  ] as const)(
    'an originate answered %i is %s and leaves no bridge behind',
    async (status, code, retryable) => {
      const target = provider()
      server.failNext('POST', /^\/channels\//, status, `refused with ${status}`)
      const error = await caught(target.dial(dial()))
      expect(error.code).toBe(code as LeadCallErrorCode)
      expect(error.retryable).toBe(retryable)
      expect(error.message).toContain(`refused with ${status}`)
      expect(error.details).toMatchObject({ operation: 'originate agent leg', ariStatus: status })
      expect(error.cause).toBeInstanceOf(AriApiError)
      await server.waitFor(settled)
    },
  )

  it('401 on REST is a clear, non-retryable configuration error without the secret', async () => {
    const target = provider()
    listen(target)
    await until(() => target.connected)
    server.rejectAuth()
    const error = await caught(target.dial(dial()))
    expect(error.code).toBe('CALL_FAILED')
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/401.*ari\.conf/)
    expect((error.cause as AriApiError).status).toBe(401)
  })

  it('401 on the events WebSocket fails the dial before any phone rings', async () => {
    const target = provider()
    server.rejectAuth()
    const error = await caught(target.dial(dial()))
    expect(error.code).toBe('CALL_FAILED')
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/credentials \(401\).*ari\.conf/)
    expect(server.originates()).toEqual([])
  })

  it('403 for a read_only user names the cause', async () => {
    const target = provider()
    server.readOnly()
    const error = await caught(target.dial(dial()))
    expect(error.code).toBe('CALL_FAILED')
    expect(error.message).toMatch(/403 Write access denied.*read_only/)
  })

  it('a hanging Asterisk gives PROVIDER_TIMEOUT saying the phone may ring', async () => {
    const target = provider({ timeoutMs: 50 })
    listen(target)
    await until(() => target.connected)
    server.hang()
    const error = await caught(target.dial(dial()))
    expect(error.code).toBe('PROVIDER_TIMEOUT')
    expect(error.message).toContain('may ring')
    await server.waitFor(() => server.pendingRequests() === 0)
  })

  it('a lead originate refused by Asterisk ends the call as failed and hangs up the agent', async () => {
    const target = provider()
    const events = listen(target)
    server.failNext('POST', /-lead$/, 400, 'Provided originator channel was not found')
    const { providerCallId = '' } = await target.dial(dial())
    server.answer(agentChannelOf(providerCallId))
    await server.waitFor(settled)
    await until(() => events.some((e) => e.type === 'failed'))
    expect(events.at(-1)).toMatchObject({ party: 'lead', type: 'failed', hangupCause: 'originate_failed' })
  })

  it('a lead that cannot join the bridge ends the call as failed and both legs are hung up', async () => {
    const target = provider()
    const events = listen(target)
    const { request, callId, leadId } = await agentAnswered(target)
    server.failNext('POST', /\/addChannel$/, 422, 'Channel not in Stasis application')
    server.answer(leadId)
    await server.waitFor(settled)
    await until(() => events.some((e) => e.type === 'failed'))
    expect(steps(events).slice(-2)).toEqual([
      ['lead', 'answered'],
      ['lead', 'failed'],
    ])
    expect(events.at(-1)?.hangupCause).toBe('bridge_failed')
    expect(replay(request, callId, events).status).toBe('failed')
  })

  it('checkAgentEndpoint refuses unknown, offline and busy endpoints without ringing them', async () => {
    const target = provider({ checkAgentEndpoint: true })
    server.setEndpoints([
      { technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [] },
      { technology: 'PJSIP', resource: '1002', state: 'offline', channel_ids: [] },
      { technology: 'PJSIP', resource: '1003', state: 'online', channel_ids: ['1768489200.1'] },
    ])
    const refs: Array<[string, LeadCallErrorCode]> = [
      ['1002', 'AGENT_NOT_AVAILABLE'],
      ['1003', 'AGENT_BUSY'],
      ['1004', 'AGENT_NOT_AVAILABLE'],
    ]
    for (const [ref, code] of refs) {
      const error = await caught(target.dial(dial({ agent: agent({ providerRefs: { asterisk: ref } }) })))
      expect(error.code, ref).toBe(code)
    }
    expect(server.originates()).toEqual([])
    expect(server.responses.some((r) => r.request.path === '/endpoints/PJSIP/1004' && r.status === 404)).toBe(
      true,
    )
    await target.dial(dial())
    expect(server.originates('agent').map((r) => r.query.get('endpoint'))).toEqual(['PJSIP/1001'])
  })
})

describe('lookupCall: what became of an attempt whose answer was lost', () => {
  it('placed when Asterisk carried out the originate whose answer was lost, from this or any process', async () => {
    const target = provider({ timeoutMs: 100 })
    listen(target)
    await until(() => target.connected)
    server.loseAnswers(/^\/channels\/[^/]+-agent$/)
    const request = dial()
    const error = await caught(target.dial(request))
    expect(error.code).toBe('PROVIDER_TIMEOUT')
    server.loseAnswers(undefined)
    const callId = callIdOf(request.attemptId)
    expect(server.channels.has(agentChannelOf(callId))).toBe(true)
    expect(await target.lookupCall(request.attemptId)).toEqual({ status: 'placed', providerCallId: callId })
    // Another process (or this one after a restart) finds it too: the ids are deterministic.
    const other = provider()
    expect(await other.lookupCall(request.attemptId)).toEqual({ status: 'placed', providerCallId: callId })
  })

  it('unknown when no leg exists: a call never placed and a call already over look alike in ARI', async () => {
    const target = provider({ timeoutMs: 50 })
    listen(target)
    await until(() => target.connected)
    server.hang()
    const lost = dial()
    expect((await caught(target.dial(lost))).code).toBe('PROVIDER_TIMEOUT')
    await server.waitFor(() => server.pendingRequests() === 0)
    server.reset()
    await until(() => target.connected)
    expect(await target.lookupCall(lost.attemptId)).toEqual({ status: 'unknown' })

    // Placed, then over: gone from ARI. A process that saw its events still knows; another cannot.
    const request = dial()
    const { providerCallId = '' } = await target.dial(request)
    server.remoteHangup(agentChannelOf(providerCallId), 17)
    await until(() => !server.channels.has(agentChannelOf(providerCallId)))
    expect(await target.lookupCall(request.attemptId)).toEqual({ status: 'placed', providerCallId })
    expect(await provider().lookupCall(request.attemptId)).toEqual({ status: 'unknown' })
    expect(server.originates()).toHaveLength(1)
  })

  it('rejects when Asterisk cannot be asked, and on a bad attempt id or an aborted signal', async () => {
    const target = provider({ retries: 1 })
    // Reads are retried once here: both tries fail.
    server.failNext('GET', /-agent$/, 500, 'Internal Server Error')
    server.failNext('GET', /-agent$/, 500, 'Internal Server Error')
    expect((await caught(target.lookupCall(dial().attemptId))).code).toBe('CALL_FAILED')
    expect((await caught(target.lookupCall(''))).code).toBe('VALIDATION_FAILED')
    const aborted = new AbortController()
    aborted.abort()
    await expect(target.lookupCall('att-x', { signal: aborted.signal })).rejects.toThrow()
    expect(server.requests.filter((r) => r.path.includes('att-x'))).toEqual([])
  })
})

describe('hangup', () => {
  it('hangs up both legs and destroys the bridge; the call ends canceled', async () => {
    const target = provider()
    const events = listen(target)
    const { request, callId, leadId } = await agentAnswered(target)
    server.ring(leadId)
    await target.hangup(callId)
    await server.waitFor(settled)
    await until(() => events.some((e) => e.type === 'canceled'))
    expect(replay(request, callId, events).status).toBe('canceled')
    const deletes = server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)
    expect(deletes.sort()).toEqual([
      `/bridges/${callId}`,
      `/channels/${callId}-agent`,
      `/channels/${callId}-lead`,
    ])
    expect(server.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/channels/'))).toSatisfy(
      (list: { query: URLSearchParams }[]) => list.every((r) => r.query.get('reason') === 'normal'),
    )
  })

  it('hangs up a call another provider placed, by its deterministic ids, and leaves ended calls alone', async () => {
    const placing = provider()
    const { providerCallId = '' } = await placing.dial(dial())
    const other = provider()
    await other.hangup(providerCallId)
    await server.waitFor(settled)
    await expect(other.hangup(providerCallId)).resolves.toBeUndefined()
  })

  it('refuses an id it did not create', async () => {
    const error = await caught(provider().hangup('CA0123'))
    expect(error.code).toBe('VALIDATION_FAILED')
  })
})

describe('presence', () => {
  it('maps GET /endpoints: online free, online with channels, offline, unknown; under both names', async () => {
    server.setEndpoints([
      { technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [] },
      { technology: 'PJSIP', resource: '1002', state: 'online', channel_ids: ['1768489200.3'] },
      { technology: 'PJSIP', resource: '1003', state: 'offline', channel_ids: [] },
      { technology: 'PJSIP', resource: '1004', state: 'unknown', channel_ids: [] },
      { technology: 'SIP', resource: 'legacy', state: 'online', channel_ids: [] },
    ])
    const reports = await provider().listAgentPresence()
    expect(reports).toEqual([
      { providerAgentId: 'PJSIP/1001', status: 'available' },
      { providerAgentId: '1001', status: 'available' },
      { providerAgentId: 'PJSIP/1002', status: 'on_call' },
      { providerAgentId: '1002', status: 'on_call' },
      { providerAgentId: 'PJSIP/1003', status: 'offline' },
      { providerAgentId: '1003', status: 'offline' },
      { providerAgentId: 'PJSIP/1004', status: 'offline' },
      { providerAgentId: '1004', status: 'offline' },
      { providerAgentId: 'SIP/legacy', status: 'available' },
    ])
  })

  it('pushes EndpointStateChange to onPresence after subscribing the app to the technology', async () => {
    const seen: AgentPresenceReport[][] = []
    const target = provider({ onPresence: (reports) => void seen.push(reports) })
    listen(target)
    await server.waitFor(() => (server.subscriptions.get('leadcall') ?? []).includes('endpoint:PJSIP'))
    server.setEndpoints([{ technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: ['x'] }])
    await until(() => seen.length > 0)
    expect(seen[0]).toEqual([
      { providerAgentId: 'PJSIP/1001', status: 'on_call' },
      { providerAgentId: '1001', status: 'on_call' },
    ])
  })
})

describe('what it does not do', () => {
  it('refuses contact sync with a LeadCallError naming the capability', async () => {
    const target = provider()
    expect(target.capabilities.contactSync).toBe(false)
    const error = await caught(target.syncContact(lead))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details).toEqual({ capability: 'contactSync' })
  })
})

describe('options', () => {
  it.each([
    [{ endpoints: {} }, 'endpoints.lead'],
    [{ endpoints: { lead: 'trunk' } }, 'endpoints.lead'],
    [{ endpoints: { lead: 'PJSIP/{phone}@trunk' } }, 'endpoints.lead'],
    [{ endpoints: { lead: 'PJSIP/{number}@trunk', agent: 'PJSIP/1001' } }, 'endpoints.agent'],
    [{ url: 'ftp://pbx' }, 'url'],
    [{ app: 'has space' }, 'app'],
    [{ reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } }, 'reconnect.maxDelayMs'],
    [{ agentRingTimeoutSec: 0 }, 'agentRingTimeoutSec'],
    [{ unknown: true }, ''],
  ])('refuses %j naming %s', (extra, path) => {
    let thrown: unknown
    try {
      asterisk({ endpoints: { lead: 'PJSIP/{number}@trunk' }, ...(extra as Partial<AsteriskOptions>) })
    } catch (error) {
      thrown = error
    }
    expect(LeadCallError.isInstance(thrown)).toBe(true)
    const issues = ((thrown as LeadCallError).details as { issues: { path: string }[] }).issues
    expect(issues.map((issue) => issue.path)).toContain(path)
  })

  it('reads url and credentials from the environment, lazily', async () => {
    vi.stubEnv('ASTERISK_ARI_URL', `${server.url}/ari/`)
    vi.stubEnv('ASTERISK_ARI_USERNAME', USERNAME)
    vi.stubEnv('ASTERISK_ARI_PASSWORD', PASSWORD)
    const target = asterisk({ endpoints: { lead: 'PJSIP/{number}@trunk' } })
    open.push(target)
    await target.dial(dial())
    expect(server.originates()).toHaveLength(1)
  })

  it('a missing credential fails the first call, naming the option and the variable', async () => {
    vi.stubEnv('ASTERISK_ARI_PASSWORD', '')
    const target = asterisk({
      url: server.url,
      username: USERNAME,
      endpoints: { lead: 'PJSIP/{number}@trunk' },
    })
    open.push(target)
    const error = await caught(target.dial(dial()))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).toContain('password (ASTERISK_ARI_PASSWORD)')
    expect(server.requests).toEqual([])
  })

  it('derives call ids from the attempt, hashing the ones ARI could not take', () => {
    expect(callIdOf('0d7c4a2e-1f0b-4c55-9a57-3f1c8b9e2d10')).toBe(
      'leadcall-0d7c4a2e-1f0b-4c55-9a57-3f1c8b9e2d10',
    )
    const hashed = callIdOf('attempt with spaces/and,commas')
    expect(hashed).toMatch(/^leadcall-[0-9a-f]{32}$/)
    expect(callIdOf('attempt with spaces/and,commas')).toBe(hashed)
    expect(callIdOf('x'.repeat(49))).toMatch(/^leadcall-[0-9a-f]{32}$/)
  })
})

describe('WebSocket reconnect', () => {
  /** Drops the socket and keeps reconnects failing until `whileDown` ran, then lets the next one through. */
  async function outage(target: AsteriskProvider, whileDown: () => void | Promise<void>): Promise<void> {
    server.refuseUpgrades()
    server.dropConnections()
    await until(() => !target.connected)
    await whileDown()
    // Backoff: at least one more refused attempt before Asterisk comes back.
    const attempts = server.upgrades()
    await server.waitFor(() => server.upgrades() > attempts)
    server.refuseUpgrades(false)
    await until(() => target.connected)
  }

  it('reports a lead that hung up during the outage and tears the call down', async () => {
    const target = provider()
    const events = listen(target)
    const { request, callId, leadId } = await agentAnswered(target)
    server.answer(leadId)
    await server.waitFor(inBridge(callId, leadId))
    await outage(target, () => server.remoteHangup(leadId, 16))
    await until(() => events.some((e) => e.type === 'completed'))
    await server.waitFor(settled)
    expect(events.at(-1)).toMatchObject({
      party: 'lead',
      type: 'completed',
      hangupCause: 'ended_while_disconnected',
    })
    expect(replay(request, callId, events).status).toBe('completed')
    const gets = server.requests.filter((r) => r.method === 'GET' && !r.websocket).map((r) => r.path)
    expect(gets).toEqual(expect.arrayContaining(['/channels', '/bridges']))
  })

  it('continues a call whose agent answered during the outage: bridges it and dials the lead', async () => {
    const target = provider()
    listen(target)
    const { providerCallId = '' } = await target.dial(dial())
    const agentId = agentChannelOf(providerCallId)
    await outage(target, () => server.answer(agentId))
    await server.waitFor(
      () => server.channels.has(leadChannelOf(providerCallId)) && inBridge(providerCallId, agentId)(),
    )
    expect(server.originates('lead')).toHaveLength(1)
  })

  it('reports a lead that answered during the outage and bridges it', async () => {
    const target = provider()
    const events = listen(target)
    const { callId, leadId } = await agentAnswered(target)
    server.ring(leadId)
    await until(() => events.some((e) => e.party === 'lead' && e.type === 'ringing'))
    await outage(target, () => server.answer(leadId))
    await server.waitFor(inBridge(callId, leadId))
    await until(() => events.some((e) => e.type === 'answered'))
    expect(events.filter((e) => e.type === 'answered')).toEqual([
      expect.objectContaining({ party: 'lead', raw: expect.objectContaining({ reconciled: true }) }),
    ])
  })

  it('reports an agent leg gone during the outage as failed (its cause is lost)', async () => {
    const target = provider()
    const events = listen(target)
    const { providerCallId = '' } = await target.dial(dial())
    await outage(target, () => server.remoteHangup(agentChannelOf(providerCallId), 19))
    await until(() => events.some((e) => e.type === 'failed'))
    expect(events.at(-1)).toMatchObject({
      party: 'agent',
      type: 'failed',
      hangupCause: 'ended_while_disconnected',
    })
    await server.waitFor(settled)
  })
})

describe('after a restart', () => {
  it('hangs up a leadcall leg that enters the app but no call knows', async () => {
    const target = provider()
    listen(target)
    await until(() => target.connected)
    // A leg placed by this app before a restart: the new process has no call for it.
    const response = await fetch(
      `${server.url}/ari/channels/leadcall-lost-agent?endpoint=PJSIP/1001&app=leadcall&appArgs=leadcall,agent,leadcall-lost`,
      {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}` },
      },
    )
    expect(response.status).toBe(200)
    server.answer('leadcall-lost-agent')
    await server.waitFor(() => server.channels.size === 0)
    expect(
      server.requests.some((r) => r.method === 'DELETE' && r.path === '/channels/leadcall-lost-agent'),
    ).toBe(true)
  })
})

describe('close', () => {
  it('closes the WebSocket, hangs up calls still ringing, and refuses later calls', async () => {
    const target = provider()
    listen(target)
    await target.dial(dial())
    expect(server.connections()).toBe(1)
    await target.close()
    await server.waitFor(() => server.connections() === 0 && settled())
    const error = await caught(target.dial(dial()))
    expect(error.code).toBe('CALL_FAILED')
    // Nothing reconnects after close: Asterisk sees no new upgrade.
    const upgrades = server.upgrades()
    await target.close()
    expect(server.upgrades()).toBe(upgrades)
  })

  it('leaves a connected call up in its bridge', async () => {
    const target = provider()
    listen(target)
    const { callId, agentId, leadId } = await agentAnswered(target)
    server.answer(leadId)
    await server.waitFor(inBridge(callId, leadId))
    await target.close()
    await server.waitFor(() => server.connections() === 0)
    expect(server.bridges.get(callId)?.json.channels).toEqual([agentId, leadId])
  })
})

describe('with createLeadCall', () => {
  it('dials a submitted lead through ARI and follows the WebSocket events to the end of the call', async () => {
    server.setEndpoints([{ technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [] }])
    const telephony = asterisk({
      url: server.url,
      username: USERNAME,
      password: PASSWORD,
      endpoints: { agent: 'PJSIP/{ext}', lead: 'PJSIP/{number}@trunk' },
      reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
    })
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony,
      phone: { defaultCountry: 'US' },
      compliance: { callingHours: false },
    })
    try {
      await app.agents.upsert({
        id: 'alice',
        name: 'Alice',
        status: 'available',
        providerRefs: { asterisk: '1001' },
      })
      const submitted = await app.submitLead({ name: 'John Carter', phone: '(415) 555-0199' })
      expect(submitted.status).toBe('dialing')
      const [originate] = server.originates('agent')
      expect(originate?.query.get('endpoint')).toBe('PJSIP/1001')
      const agentId = originate?.path.slice('/channels/'.length) ?? ''
      const leadId = agentId.replace(/-agent$/, '-lead')
      server.ring(agentId)
      server.answer(agentId)
      await server.waitFor(() => server.channels.has(leadId))
      expect(server.channels.get(leadId)?.endpoint).toBe('PJSIP/+14155550199@trunk')
      server.ring(leadId)
      server.answer(leadId)
      const callOf = async () => {
        const state = await app.process(submitted.processId)
        return state?.attempt?.callId === undefined ? undefined : app.call(state.attempt.callId)
      }
      while ((await callOf())?.status !== 'answered') await new Promise((resolve) => setTimeout(resolve, 1))
      server.remoteHangup(leadId, 16)
      while ((await callOf())?.status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 1))
      expect((await callOf())?.answeredAt).toBeDefined()
      expect((await app.process(submitted.processId))?.status).toBe('completed')
      await server.waitFor(settled)
    } finally {
      await app.close()
    }
  })
})
