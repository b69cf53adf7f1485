/**
 * The whole pipeline once through Asterisk: a lead submitted to the app, the ARI requests the local
 * ARI (a real node:http + ws server on 127.0.0.1) receives, the far end played over the events
 * WebSocket the provider opened itself (no webhook: `createLeadCall` connects the provider), and
 * the lead completed: call session, event and the tracking record. Then an agent whose phone is
 * busy: the lead goes to the next agent, and no attempt ever dials twice.
 */
import {
  createLeadCall,
  type LeadCallApp,
  type LeadCallEventMap,
  type LeadCallEventName,
  type LeadCompletedEvent,
  type LeadFailedEvent,
  memoryStorage,
} from '@leadcall/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type AriServer, type RecordedRequest, startAriServer } from './ari-server.test-util.js'
import { PASSWORD, USERNAME } from './asterisk-fixtures.test-util.js'
import { agentChannelOf, asterisk, callIdOf, leadChannelOf } from './asterisk-provider.js'

const LEAD_PHONE = '+14155550199'
const CALLER_ID = '+14155550000'

let server: AriServer | undefined
let app: LeadCallApp | undefined

beforeEach(async () => {
  server = await startAriServer({ username: USERNAME, password: PASSWORD })
})
afterEach(async () => {
  // The app first: closing it closes the provider, which may still talk to the server.
  await app?.close()
  app = undefined
  await server?.close()
  server = undefined
})

function setup(): { app: LeadCallApp; ari: AriServer } {
  const ari = server
  if (!ari) throw new Error('the local ARI is not started')
  const telephony = asterisk({
    url: ari.url,
    username: USERNAME,
    password: PASSWORD,
    app: 'leadcall',
    endpoints: { agent: 'PJSIP/{ext}', lead: 'PJSIP/{number}@trunk' },
    callerId: CALLER_ID,
  })
  app = createLeadCall({ storage: memoryStorage(), telephony, compliance: { callingHours: false } })
  return { app, ari }
}

/** The next `name` event matching `match`. */
function nextEvent<K extends LeadCallEventName>(
  target: LeadCallApp,
  name: K,
  match: (payload: LeadCallEventMap[K]) => boolean = () => true,
): Promise<LeadCallEventMap[K]> {
  return new Promise((resolve) => {
    const off = target.on(name, (payload) => {
      if (!match(payload)) return
      off()
      resolve(payload)
    })
  })
}

/** How a process ends: `lead.completed` or `lead.failed`, whichever comes first. */
function endingOf(
  target: LeadCallApp,
  processId: string,
): Promise<{ completed: LeadCompletedEvent } | { failed: LeadFailedEvent }> {
  const ours = (event: { processId: string }) => event.processId === processId
  return Promise.race([
    nextEvent(target, 'lead.completed', ours).then((completed) => ({ completed })),
    nextEvent(target, 'lead.failed', ours).then((failed) => ({ failed })),
  ])
}

interface Sent {
  method: string
  path: string
  query: Record<string, string>
  body?: Record<string, unknown>
}

/**
 * The REST requests the server received about calls, in order: the events WebSocket's upgrade and
 * the pipeline's presence poll (`GET /endpoints`, at start) are left out.
 */
function callRequests(ari: AriServer): Sent[] {
  return ari.requests
    .filter((r) => !r.websocket && !(r.method === 'GET' && r.path === '/endpoints'))
    .map((r: RecordedRequest) => ({
      method: r.method,
      path: r.path,
      query: Object.fromEntries(r.query),
      ...(r.body === undefined ? {} : { body: r.body }),
    }))
}

/** The requests received since the last call, for one step of the call. */
function requestsSince(ari: AriServer): () => Sent[] {
  let seen = 0
  return () => {
    const all = callRequests(ari)
    const fresh = all.slice(seen)
    seen = all.length
    return fresh
  }
}

/** Requests sent at once (their order on the wire is not the adapter's to decide), sorted. */
const unordered = (list: Sent[]): Sent[] =>
  [...list].sort((a, b) => `${a.method} ${a.path}`.localeCompare(`${b.method} ${b.path}`))

const inBridge = (ari: AriServer, bridgeId: string, channelId: string) => () =>
  ari.bridges.get(bridgeId)?.json.channels.includes(channelId) === true

const settled = (ari: AriServer) => () => ari.channels.size === 0 && ari.bridges.size === 0

/** The requests `dial` sends for an attempt: the mixing bridge and the agent's leg into the app. */
function dialRequests(attempt: { attemptId: string }, processId: string, endpoint: string): Sent[] {
  const callId = callIdOf(attempt.attemptId)
  return unordered([
    { method: 'POST', path: `/bridges/${callId}`, query: { type: 'mixing', name: callId } },
    {
      method: 'POST',
      path: `/channels/${agentChannelOf(callId)}`,
      query: {
        endpoint,
        app: 'leadcall',
        appArgs: `leadcall,agent,${callId}`,
        callerId: `"John Carter" <${LEAD_PHONE}>`,
        timeout: '30',
      },
      body: {
        variables: {
          LEADCALL_ATTEMPT_ID: attempt.attemptId,
          LEADCALL_PROCESS_ID: processId,
          LEADCALL_ROLE: 'agent',
          LEADCALL_LEAD_NUMBER: LEAD_PHONE,
        },
      },
    },
  ])
}

/** The requests after the agent answered: its leg joins the bridge, the lead's leg is originated. */
function agentAnsweredRequests(attempt: { attemptId: string }, processId: string, agentId: string): Sent[] {
  const callId = callIdOf(attempt.attemptId)
  return unordered([
    {
      method: 'POST',
      path: `/bridges/${callId}/addChannel`,
      query: { channel: agentChannelOf(callId) },
    },
    {
      method: 'POST',
      path: `/channels/${leadChannelOf(callId)}`,
      query: {
        endpoint: `PJSIP/${LEAD_PHONE}@trunk`,
        app: 'leadcall',
        appArgs: `leadcall,lead,${callId}`,
        callerId: CALLER_ID,
        timeout: '30', // the pipeline's noAnswerTimeoutMs
        originator: agentChannelOf(callId),
      },
      body: {
        variables: {
          LEADCALL_ATTEMPT_ID: attempt.attemptId,
          LEADCALL_PROCESS_ID: processId,
          LEADCALL_ROLE: 'lead',
          LEADCALL_AGENT_ID: agentId,
        },
      },
    },
  ])
}

/**
 * Plays a call from the agent answering to the lead hanging up after the conversation, checking
 * the requests of each step; resolves with how the process ended.
 */
async function playAnsweredCall(
  target: LeadCallApp,
  ari: AriServer,
  since: () => Sent[],
  processId: string,
  attempt: { attemptId: string; agentId: string },
) {
  const callId = callIdOf(attempt.attemptId)
  const agentLeg = agentChannelOf(callId)
  const leadLeg = leadChannelOf(callId)
  const ending = endingOf(target, processId)

  // The agent's phone rings and is answered: ChannelStateChange Up, then StasisStart.
  ari.ring(agentLeg)
  ari.answer(agentLeg)
  await ari.waitFor(() => ari.channels.has(leadLeg) && inBridge(ari, callId, agentLeg)())
  expect(unordered(since())).toEqual(agentAnsweredRequests(attempt, processId, attempt.agentId))
  expect(ari.channels.get(leadLeg)?.originator).toBe(agentLeg)

  // The lead's phone rings and is answered: the lead's leg joins the bridge.
  ari.ring(leadLeg)
  ari.answer(leadLeg)
  await ari.waitFor(inBridge(ari, callId, leadLeg))
  expect(since()).toEqual([
    { method: 'POST', path: `/bridges/${callId}/addChannel`, query: { channel: leadLeg } },
  ])
  expect(ari.bridges.get(callId)?.json.channels).toEqual([agentLeg, leadLeg])

  // The lead hangs up (Q.850 16): the agent's leg is hung up and the bridge destroyed.
  ari.remoteHangup(leadLeg, 16)
  const ended = await ending
  await ari.waitFor(settled(ari))
  expect(since()).toEqual([
    { method: 'DELETE', path: `/channels/${agentLeg}`, query: { reason: 'normal' } },
    { method: 'DELETE', path: `/bridges/${callId}`, query: {} },
  ])
  return ended
}

describe('the pipeline end to end through Asterisk ARI', () => {
  it('dials a submitted lead as ARI expects and completes it from the events WebSocket', async () => {
    const { app, ari } = setup()
    await app.agents.upsert({
      id: 'alice',
      name: 'Alice',
      status: 'available',
      providerRefs: { asterisk: '1001' }, // the agent's PJSIP endpoint
    })
    const since = requestsSince(ari)

    const submitted = await app.submitLead({
      name: 'John Carter',
      phone: '(415) 555-0199',
      email: 'john.carter@example.com',
    })
    expect(submitted.status).toBe('dialing')
    const state = await app.process(submitted.processId)
    const attempt = state?.attempt
    if (!attempt) throw new Error('no dial attempt')
    const callId = callIdOf(attempt.attemptId)
    expect(attempt).toMatchObject({ agentId: 'alice', state: 'accepted', providerCallId: callId })

    // One events WebSocket, opened by the provider for the Stasis app (no HTTP webhook at all).
    const upgrades = ari.requests.filter((r) => r.websocket)
    expect(upgrades.map((r) => [r.path, r.query.get('app'), r.protocols])).toEqual([
      ['/events', 'leadcall', ['ari']],
    ])
    expect(ari.connections()).toBe(1)

    // What ARI received for the dial: the bridge and the agent's leg, sent at once.
    expect(unordered(since())).toEqual(dialRequests(attempt, submitted.processId, 'PJSIP/1001'))
    expect(ari.originates('lead')).toEqual([])

    const ending = await playAnsweredCall(app, ari, since, submitted.processId, attempt)
    expect(ending).toEqual({
      completed: {
        processId: submitted.processId,
        agentId: 'alice',
        callStatus: 'completed',
        at: expect.any(String),
      },
    })
    // Each leg was originated once, and nothing else was sent.
    expect(ari.originates().map((r) => r.path)).toEqual([
      `/channels/${agentChannelOf(callId)}`,
      `/channels/${leadChannelOf(callId)}`,
    ])

    const session = await app.call(attempt.callId)
    expect(session).toMatchObject({
      status: 'completed',
      provider: 'asterisk',
      providerCallId: callId,
      attemptId: attempt.attemptId,
      processId: submitted.processId,
      agentId: 'alice',
      hangupCause: 'normal_clearing',
    })
    expect(session?.answeredAt).toBeDefined()
    expect(session?.history.map((entry) => entry.status)).toEqual([
      'queued',
      'initiated', // the agent's ChannelCreated
      'ringing', // the agent's phone ringing
      'answered', // the lead answering
      'completed', // the lead's ChannelDestroyed, Normal Clearing
    ])

    const finished = await app.process(submitted.processId)
    expect(finished).toMatchObject({
      status: 'completed',
      tried: ['alice'],
      dials: 1,
      attempt: { attemptId: attempt.attemptId, agentConnected: true, state: 'ended' },
      call: { status: 'completed', agentId: 'alice' },
    })

    // `tracking.process` waits for the record's update in flight.
    const record = await app.tracking.process(submitted.processId)
    expect(record).toMatchObject({
      processId: submitted.processId,
      status: 'completed',
      success: true,
      callId: attempt.callId,
      agent: { id: 'alice', name: 'Alice' },
      attempts: 1,
      lead: { name: 'John Carter', phone: expect.not.stringContaining('5550199') },
    })
    expect(record?.steps.find((step) => step.name === 'dial')).toMatchObject({
      status: 'done',
      detail: { provider: 'asterisk', providerCallId: callId, attemptId: attempt.attemptId },
    })
  })

  it('gives the lead to the next agent when the first agent is busy, never dialing an attempt twice', async () => {
    const { app, ari } = setup()
    await app.agents.upsert({
      id: 'alice',
      name: 'Alice',
      status: 'available',
      providerRefs: { asterisk: '1001' },
    })
    await app.agents.upsert({
      id: 'bob',
      name: 'Bob',
      status: 'available',
      providerRefs: { asterisk: '1002' },
    })
    const endpointOf: Record<string, string> = { alice: 'PJSIP/1001', bob: 'PJSIP/1002' }
    const queued: string[] = []
    app.on('lead.queued', (event) => void queued.push(event.processId))
    const since = requestsSince(ari)

    const submitted = await app.submitLead({ name: 'John Carter', phone: '(415) 555-0199' })
    expect(submitted.status).toBe('dialing')
    const first = (await app.process(submitted.processId))?.attempt
    if (!first) throw new Error('no dial attempt')
    const firstCall = callIdOf(first.attemptId)
    const secondAgent = first.agentId === 'alice' ? 'bob' : 'alice'
    expect(unordered(since())).toEqual(
      dialRequests(first, submitted.processId, endpointOf[first.agentId] ?? ''),
    )

    // The first agent's phone rings, then the leg ends busy (Q.850 17) before anyone answered.
    const redialed = nextEvent(
      app,
      'call.started',
      (event) => event.processId === submitted.processId && event.callId !== first.callId,
    )
    ari.ring(agentChannelOf(firstCall))
    ari.remoteHangup(agentChannelOf(firstCall), 17)
    const started = await redialed
    expect(started).toMatchObject({ agentId: secondAgent, provider: 'asterisk' })
    await ari.waitFor(() => !ari.bridges.has(firstCall))

    const second = (await app.process(submitted.processId))?.attempt
    if (!second) throw new Error('no second dial attempt')
    expect(second).toMatchObject({ agentId: secondAgent, callId: started.callId, agentConnected: false })
    expect(second.attemptId).not.toBe(first.attemptId)
    const secondCall = callIdOf(second.attemptId)

    // The busy call's bridge is destroyed (its agent leg is gone already, its lead leg never
    // existed); the next agent's dial goes out. The two may cross on the wire.
    expect(unordered(since())).toEqual(
      unordered([
        { method: 'DELETE', path: `/bridges/${firstCall}`, query: {} },
        ...dialRequests(second, submitted.processId, endpointOf[secondAgent] ?? ''),
      ]),
    )
    expect(ari.originates('lead')).toEqual([])

    const busy = await app.call(first.callId)
    expect(busy).toMatchObject({
      status: 'busy',
      providerCallId: firstCall,
      agentId: first.agentId,
      hangupCause: 'user_busy',
    })
    expect(busy?.answeredAt).toBeUndefined()
    expect(busy?.history.map((entry) => entry.status)).toEqual(['queued', 'initiated', 'ringing', 'busy'])
    expect(await app.process(submitted.processId)).toMatchObject({
      status: 'dialing',
      tried: [first.agentId, secondAgent],
      dials: 2,
      redials: 0,
    })

    // The second agent takes the call through to the end.
    const ending = await playAnsweredCall(app, ari, since, submitted.processId, second)
    expect(ending).toMatchObject({
      completed: { processId: submitted.processId, agentId: secondAgent, callStatus: 'completed' },
    })
    expect(queued).toEqual([])

    // One agent leg per attempt, one lead leg in all: nobody's phone rang twice for an attempt.
    const attemptOf = (request: RecordedRequest) =>
      (request.body?.variables as Record<string, unknown> | undefined)?.LEADCALL_ATTEMPT_ID
    expect(ari.originates('agent').map((r) => [r.path, attemptOf(r)])).toEqual([
      [`/channels/${agentChannelOf(firstCall)}`, first.attemptId],
      [`/channels/${agentChannelOf(secondCall)}`, second.attemptId],
    ])
    expect(ari.originates('lead').map((r) => [r.path, attemptOf(r)])).toEqual([
      [`/channels/${leadChannelOf(secondCall)}`, second.attemptId],
    ])
    expect(ari.originates('agent').map((r) => r.query.get('endpoint'))).toEqual([
      endpointOf[first.agentId],
      endpointOf[secondAgent],
    ])

    expect((await app.call(second.callId))?.status).toBe('completed')
    const record = await app.tracking.process(submitted.processId)
    expect(record).toMatchObject({
      status: 'completed',
      success: true,
      callId: second.callId,
      agent: { id: secondAgent },
      attempts: 2,
    })
  })

  it('with no other agent, a busy agent ends the lead without ringing anyone again', async () => {
    const { app, ari } = setup()
    await app.agents.upsert({
      id: 'alice',
      name: 'Alice',
      status: 'available',
      providerRefs: { asterisk: '1001' },
    })
    const since = requestsSince(ari)

    const submitted = await app.submitLead({ name: 'John Carter', phone: '(415) 555-0199' })
    const attempt = (await app.process(submitted.processId))?.attempt
    if (!attempt) throw new Error('no dial attempt')
    const callId = callIdOf(attempt.attemptId)
    expect(unordered(since())).toEqual(dialRequests(attempt, submitted.processId, 'PJSIP/1001'))

    const ending = endingOf(app, submitted.processId)
    ari.remoteHangup(agentChannelOf(callId), 17)
    // Core's rule today: when every agent there is was tried for the lead, it fails rather than
    // waiting in the queue (distributeStep, "Every agent was tried for this lead").
    expect(await ending).toMatchObject({
      failed: { processId: submitted.processId, code: 'NO_AGENTS_AVAILABLE' },
    })
    await ari.waitFor(settled(ari))
    expect(since()).toEqual([{ method: 'DELETE', path: `/bridges/${callId}`, query: {} }])
    expect(ari.originates().map((r) => r.path)).toEqual([`/channels/${agentChannelOf(callId)}`])

    expect(await app.call(attempt.callId)).toMatchObject({ status: 'busy', hangupCause: 'user_busy' })
    expect(await app.process(submitted.processId)).toMatchObject({
      status: 'failed',
      tried: ['alice'],
      dials: 1,
      attempt: { attemptId: attempt.attemptId, state: 'ended', agentConnected: false },
      call: { status: 'busy', agentId: 'alice' },
    })
    expect(await app.tracking.process(submitted.processId)).toMatchObject({
      status: 'failed',
      success: false,
      errorCode: 'NO_AGENTS_AVAILABLE',
      attempts: 1,
    })
  })
})
