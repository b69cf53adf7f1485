import { type CallEvent, CallEventSchema } from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { cdrNotice, createCorrelator, noticeEvents, sameNumber } from './cloudtalk-correlation.js'
import {
  AGENT_ID,
  cloudtalkMock,
  ctDate,
  leadCallError,
  testAgent,
  testDial,
  testLead,
  WEBHOOK_SECRET,
  WEBHOOK_URL,
} from './cloudtalk-mock.test-util.js'
import { cloudtalk } from './cloudtalk-provider.js'
import type { CloudTalkCallNotice } from './cloudtalk-webhook.js'

const T0 = Date.UTC(2026, 0, 15, 15, 0, 0)

describe('sameNumber', () => {
  it.each([
    ['+14155550199', '14155550199', true],
    ['+14155550199', '+1 (415) 555-0199', true],
    ['+14155550199', '0014155550199', true],
    ['+14155550199', '4155550199', true],
    ['+14155550199', '+14155550198', false],
    ['+14155550199', '50199', false],
    ['+14155550199', '', false],
  ])('%s ~ %s: %s', (a, b, expected) => {
    expect(sameNumber(a, b)).toBe(expected)
  })
})

describe('createCorrelator', () => {
  const correlator = () => createCorrelator({ clockSkewMs: 60_000, retentionMs: 3_600_000, maxRecords: 3 })
  const dial = (attemptId: string, agentId: string, number: string, dialedAt: number) => ({
    attemptId,
    processId: `p-${attemptId}`,
    agentId,
    number,
    dialedAt,
    mode: 'agent_first' as const,
    windowMs: 600_000,
  })

  it('matches by agent, number and time, and binds the call id', () => {
    const c = correlator()
    c.register(dial('a1', '1', '+14155550199', T0))
    c.register(dial('a2', '2', '+14155550199', T0))
    expect(c.match({ callId: 'x', agentId: '2', number: '14155550199', at: T0 + 1000 })?.attemptId).toBe('a2')
    expect(c.get('a2')?.callId).toBe('x')
    // Bound: a later notice of the call needs only its id.
    expect(c.match({ callId: 'x', at: T0 + 500_000_000 })?.attemptId).toBe('a2')
    // Another call of the same agent and lead does not take the bound dial.
    expect(c.match({ callId: 'y', agentId: '2', number: '14155550199', at: T0 + 2000 })).toBeUndefined()
  })

  it('takes the most recent dial placed before the call started', () => {
    const c = correlator()
    c.register(dial('old', '1', '+14155550199', T0))
    c.register(dial('new', '1', '+14155550199', T0 + 100_000))
    expect(c.match({ callId: 'c1', agentId: '1', number: '+14155550199', at: T0 + 5_000 })?.attemptId).toBe(
      'old',
    )
    expect(c.match({ callId: 'c2', agentId: '1', number: '+14155550199', at: T0 + 105_000 })?.attemptId).toBe(
      'new',
    )
  })

  it('refuses calls outside the window or the clock skew, or of another agent or number', () => {
    const c = correlator()
    c.register(dial('a1', '1', '+14155550199', T0))
    expect(c.match({ agentId: '1', number: '+14155550199', at: T0 - 61_000 })).toBeUndefined()
    expect(c.match({ agentId: '1', number: '+14155550199', at: T0 + 600_001 })).toBeUndefined()
    expect(c.match({ agentId: '9', number: '+14155550199', at: T0 })).toBeUndefined()
    expect(c.match({ agentId: '1', number: '+14155550100', at: T0 })).toBeUndefined()
    expect(c.match({ agentId: '1', at: T0 })).toBeUndefined()
    expect(c.match({ number: '+14155550199', at: T0 - 59_000 })?.attemptId).toBe('a1')
  })

  it('matches and binds only among the dials accepted', () => {
    const c = correlator()
    c.register(dial('a1', '1', '+14155550199', T0))
    const only = (attemptId: string) => (record: { attemptId: string }) => record.attemptId === attemptId
    expect(
      c.match({ callId: 'x', agentId: '1', number: '+14155550199', at: T0 }, only('other')),
    ).toBeUndefined()
    expect(c.get('a1')?.callId).toBeUndefined()
    expect(
      c.match({ callId: 'x', agentId: '1', number: '+14155550199', at: T0 }, only('a1'))?.attemptId,
    ).toBe('a1')
    expect(c.match({ callId: 'x', at: T0 }, only('other'))).toBeUndefined()
  })

  it('keeps a bounded number of dials and forgets old ones', () => {
    const c = correlator()
    for (let i = 0; i < 5; i++) c.register(dial(`a${i}`, '1', `+1415555010${i}`, T0 + i))
    expect(c.size).toBe(3)
    expect(c.get('a0')).toBeUndefined()
    c.prune(T0 + 3_600_000 + 10)
    expect(c.size).toBe(0)
  })
})

describe('noticeEvents', () => {
  const record = { attemptId: 'a1', processId: 'p1' }
  const base: CloudTalkCallNotice = { stage: 'started', callId: '27', raw: {} }

  function types(events: CallEvent[]) {
    for (const event of events) expect(CallEventSchema.safeParse(event).success).toBe(true)
    return events.map((event) => [event.type, event.party ?? null, event.sequence, event.at])
  }

  it('maps each stage, with a sequence by stage', () => {
    const at = '2026-01-15T15:00:01.000Z'
    expect(types(noticeEvents('ct', { ...base, startedAt: at }, record, T0))).toEqual([
      ['initiated', null, 0, at],
    ])
    expect(types(noticeEvents('ct', { ...base, stage: 'ringing', at }, record, T0))).toEqual([
      ['ringing', 'agent', 1, at],
    ])
    expect(types(noticeEvents('ct', { ...base, stage: 'answered', answeredAt: at }, record, T0))).toEqual([
      ['answered', 'lead', 2, at],
    ])
  })

  it('reports an answered end with its answer, unless the answer was reported', () => {
    const notice: CloudTalkCallNotice = {
      ...base,
      stage: 'ended',
      outcome: 'answered',
      endedAt: '2026-01-15T15:01:00.000Z',
      talkSec: 40,
    }
    expect(types(noticeEvents('ct', notice, record, T0))).toEqual([
      ['answered', 'lead', 2, '2026-01-15T15:00:20.000Z'],
      ['completed', null, 3, '2026-01-15T15:01:00.000Z'],
    ])
    expect(noticeEvents('ct', notice, record, T0)[1]).toMatchObject({ durationSec: 40, providerCallId: '27' })
    expect(types(noticeEvents('ct', notice, { ...record, answerReported: true }, T0))).toEqual([
      ['completed', null, 3, '2026-01-15T15:01:00.000Z'],
    ])
  })

  it.each([
    ['missed', 'no_answer'],
    ['busy', 'busy'],
    ['failed', 'failed'],
    ['canceled', 'canceled'],
  ] as const)('maps an end %s to %s, without a leg', (outcome, type) => {
    const [event, ...rest] = noticeEvents('ct', { ...base, stage: 'ended', outcome }, record, T0)
    expect(rest).toEqual([])
    expect(event).toMatchObject({ type, attemptId: 'a1', processId: 'p1', at: new Date(T0).toISOString() })
    expect(event?.party).toBeUndefined()
  })
})

describe('cdrNotice', () => {
  it('reads CloudTalk’s example call record', () => {
    const notice = cdrNotice({
      id: '27',
      billsec: 0,
      type: 'outgoing',
      public_external: '421904247371',
      user_id: '1234',
      talking_time: 21,
      recorded: true,
      started_at: '2017-10-04T06:33:37.000Z',
      answered_at: '2017-10-04T06:33:37.000Z',
      ended_at: '2017-10-04T06:33:49.000Z',
      recording_link: 'https://my.cloudtalk.io/r/play/27',
    })
    expect(notice).toMatchObject({
      stage: 'ended',
      callId: '27',
      agentId: '1234',
      externalNumber: '421904247371',
      outcome: 'answered',
      talkSec: 21,
      recordingUrl: 'https://my.cloudtalk.io/r/play/27',
    })
  })

  it('takes a call with no talking time as missed, whatever its answer time', () => {
    expect(cdrNotice({ id: '1', talking_time: 0, answered_at: '2017-10-04 06:33:37' }).outcome).toBe('missed')
    expect(cdrNotice({ id: '1', answered_at: '2017-10-04 06:33:37' }).outcome).toBe('answered')
    expect(cdrNotice({ id: '1' }).outcome).toBe('missed')
  })
})

describe('correlating webhooks with dials (provider)', () => {
  const mock = cloudtalkMock()
  beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => mock.reset())
  afterAll(() => mock.server.close())

  function hook(payload: Record<string, unknown>): Request {
    return new Request(WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-leadcall-secret': WEBHOOK_SECRET },
      body: JSON.stringify(payload),
    })
  }

  it('gives each agent’s call to its own attempt when two agents call the same lead', async () => {
    mock.setAgents([mock.agent(), mock.agent({ id: '5678' })])
    const provider = cloudtalk({ ...mock.options, historyPollAfterMs: false })
    const alice = testDial()
    const bob = testDial({ agent: testAgent('bob', '5678') })
    await provider.dial(alice)
    await provider.dial(bob)
    const now = ctDate(Date.now())
    const [b] = await provider.parseWebhook(
      hook({
        event: 'call_started',
        call_id: 2,
        agent_id: 5678,
        external_number: '14155550199',
        started_at: now,
      }),
    )
    const [a] = await provider.parseWebhook(
      hook({
        event: 'call_started',
        call_id: 1,
        agent_id: 1234,
        external_number: '14155550199',
        started_at: now,
      }),
    )
    expect(a).toMatchObject({ attemptId: alice.attemptId, processId: alice.processId, providerCallId: '1' })
    expect(b).toMatchObject({ attemptId: bob.attemptId, providerCallId: '2' })
    // The end names only the call id: the binding carries it.
    const [end] = await provider.parseWebhook(
      hook({ event: 'call_ended', call_id: 2, call_status: 'missed' }),
    )
    expect(end).toMatchObject({ type: 'no_answer', attemptId: bob.attemptId })
  })

  it('correlates a webhook that arrives before CloudTalk answers the dial', async () => {
    const provider = cloudtalk({ ...mock.options, historyPollAfterMs: false })
    const request = testDial()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slowFetch: typeof fetch = async (input, init) => {
      await gate
      return fetch(input, init)
    }
    const slow = cloudtalk({ ...mock.options, fetch: slowFetch, historyPollAfterMs: false })
    const dialing = slow.dial(request)
    await vi.waitFor(() => expect(slow.rateLimiter.remaining).toBe(59))
    const events = await slow.parseWebhook(
      hook({ event: 'call_started', call_id: 3, agent_id: 1234, external_number: '+14155550199' }),
    )
    expect(events).toMatchObject([{ type: 'initiated', attemptId: request.attemptId }])
    release()
    await dialing
    await provider.close()
  })

  it('forgets a dial CloudTalk refused', async () => {
    const provider = cloudtalk({ ...mock.options, historyPollAfterMs: false })
    mock.fail('POST /calls/create.json', 403, {
      responseData: { status: 403, message: 'Agent is not online.' },
    })
    await leadCallError(provider.dial(testDial()))
    await expect(
      provider.parseWebhook(
        hook({ event: 'call_started', call_id: 4, agent_id: 1234, external_number: '14155550199' }),
      ),
    ).resolves.toEqual([])
  })

  it('keeps correlating a dial whose outcome is unknown (timeout)', async () => {
    const provider = cloudtalk({ ...mock.options, timeoutMs: 50, historyPollAfterMs: false })
    mock.backend.hang()
    const request = testDial()
    expect((await leadCallError(provider.dial(request))).code).toBe('PROVIDER_TIMEOUT')
    const events = await provider.parseWebhook(
      hook({ event: 'call_started', call_id: 5, agent_id: 1234, external_number: '14155550199' }),
    )
    expect(events).toMatchObject([{ attemptId: request.attemptId }])
  })
})

describe('call history fallback (provider)', () => {
  const mock = cloudtalkMock()
  beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => mock.reset())
  afterAll(() => mock.server.close())

  it('finds a call no webhook reported in GET /calls/index.json and gives its events to the sink', async () => {
    const provider = cloudtalk({ ...mock.options, historyPollAfterMs: 0 })
    const sink: CallEvent[] = []
    provider.connect((event) => void sink.push(event))
    const request = testDial()
    await provider.dial(request)
    const call = mock.placed[0]!
    await vi.waitFor(() => expect(mock.requests('GET', '/calls/index.json').length).toBeGreaterThan(0))
    mock.addCdr(call, 'answered')
    const events = await provider.pollCallHistory({ all: true })
    expect(events.map((e) => [e.type, e.party ?? null])).toEqual([
      ['answered', 'lead'],
      ['completed', null],
    ])
    for (const event of events) {
      expect(event).toMatchObject({
        provider: 'cloudtalk',
        attemptId: request.attemptId,
        providerCallId: call.callId,
      })
      expect(CallEventSchema.safeParse(event).success).toBe(true)
    }
    expect(events[1]?.durationSec).toBe(42)
    expect(sink).toEqual(events)
    const [poll] = mock.requests('GET', '/calls/index.json')
    expect(poll?.query.get('user_id')).toBe(AGENT_ID)
    expect(poll?.query.get('type')).toBe('outgoing')
    expect(poll?.query.get('date_from')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
    expect(poll?.query.has('public_external')).toBe(false)
    // Settled: no more polling for it.
    expect(await provider.pollCallHistory({ all: true })).toEqual([])
    await provider.close()
  })

  it('polls on its own once a sink is connected, after historyPollAfterMs', async () => {
    const provider = cloudtalk({ ...mock.options, historyPollAfterMs: 30, historyPollIntervalMs: 1000 })
    const sink: CallEvent[] = []
    const request = testDial()
    await provider.dial(request)
    mock.addCdr(mock.placed[0]!, 'no_answer')
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(mock.requests('GET', '/calls/index.json')).toEqual([])
    provider.connect((event) => void sink.push(event))
    await vi.waitFor(() => expect(sink).toHaveLength(1))
    expect(sink[0]).toMatchObject({ type: 'no_answer', attemptId: request.attemptId })
    await provider.close()
  })

  it('matches only the lead’s finished call started after the dial', async () => {
    const provider = cloudtalk({ ...mock.options, historyPollAfterMs: 0, clockSkewMs: 1000 })
    const request = testDial()
    await provider.dial(request)
    const call = mock.placed[0]!
    mock.addCdr({ ...call, callId: '11', at: call.at - 3_600_000 }, 'answered') // an older call to the lead
    mock.addCdr({ ...call, callId: '12', callee: '+14155550100' }, 'answered') // another lead
    mock.addCdr({ ...call, callId: '13' }, 'answered', { ended_at: null }) // still going
    expect(await provider.pollCallHistory({ all: true })).toEqual([])
    mock.addCdr({ ...call, callId: '14' }, 'no_answer')
    const events = await provider.pollCallHistory({ all: true })
    expect(events).toMatchObject([{ type: 'no_answer', providerCallId: '14', attemptId: request.attemptId }])
    await provider.close()
  })

  it('does not poll for calls a webhook reported, campaign dials, refused dials, or with polling off', async () => {
    const provider = cloudtalk({
      ...mock.options,
      historyPollAfterMs: 0,
      campaigns: { [AGENT_ID]: 'lc-alice' },
    })
    await provider.dial(testDial())
    await provider.parseWebhook(
      new Request(WEBHOOK_URL, {
        method: 'POST',
        headers: { 'x-leadcall-secret': WEBHOOK_SECRET, 'content-type': 'application/json' },
        body: JSON.stringify({
          event: 'call_started',
          call_id: 1,
          agent_id: 1234,
          external_number: '14155550199',
        }),
      }),
    )
    await provider.dial(testDial({ mode: 'campaign', lead: testLead('+14155550123') }))
    mock.fail('POST /calls/create.json', 409, {
      responseData: { status: 409, message: 'Agent is already calling.' },
    })
    await leadCallError(provider.dial(testDial({ lead: testLead('+14155550124') })))
    expect(await provider.pollCallHistory({ all: true })).toEqual([])
    expect(mock.requests('GET', '/calls/index.json')).toEqual([])

    const off = cloudtalk({ ...mock.options, historyPollAfterMs: false })
    await off.dial(testDial({ lead: testLead('+14155550125') }))
    expect(await off.pollCallHistory({ all: true })).toEqual([])
    expect(mock.requests('GET', '/calls/index.json')).toEqual([])
    await Promise.all([provider.close(), off.close()])
  })

  it('waits historyPollAfterMs before a call is due, unless asked for all', async () => {
    const provider = cloudtalk({ ...mock.options, historyPollAfterMs: 600_000 })
    await provider.dial(testDial())
    expect(await provider.pollCallHistory()).toEqual([])
    expect(mock.requests('GET', '/calls/index.json')).toEqual([])
    await provider.pollCallHistory({ all: true })
    expect(mock.requests('GET', '/calls/index.json')).toHaveLength(1)
    await provider.close()
  })
})
