/**
 * Twilio as the primary and CloudTalk as the secondary of a failover set, both real adapters
 * against their msw mocks behind the fault injector: 1,000 leads in three waves — the primary
 * healthy, then failing hard (every request 500), then healthy again. The primary's circuit opens
 * and the dials go to CloudTalk; once the primary recovers, the half-open trial closes the circuit
 * and the dials return to Twilio. Every lead is dialed exactly once.
 */
import {
  type CallEvent,
  createLeadCall,
  failoverTelephony,
  type LeadCallApp,
  memoryStorage,
} from '@leadcall/core'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloudtalk } from '../../../../packages/adapters-cloudtalk/src/cloudtalk-provider.js'
import { twilio } from '../../../../packages/adapters-twilio/src/twilio-provider.js'
import { cloudtalkAgentId, faultyCloudTalk } from './cloudtalk-harness.js'
import { FAST_PIPELINE, type LeadRunResult, NO_PACING, printFigures, runLeads } from './lead-run.js'
import { faultyTwilio } from './twilio-harness.js'

const AGENTS = 100
const WAVES = { healthy: 300, down: 400, recovered: 300 }
const COOLDOWN_MS = 300
const THRESHOLD = 5
const HEALTHY = { serverError: 0, hang: 0, rateLimited: 0 }

const primary = faultyTwilio(31, HEALTHY)
const secondary = faultyCloudTalk(32, HEALTHY, AGENTS)
const server = setupServer(...primary.mock.server.listHandlers(), ...secondary.mock.server.listHandlers())
const transitions: { name: string; from: string; to: string; at: number }[] = []
const telephony = failoverTelephony(
  [
    twilio({ ...primary.mock.options, callsPerSecond: 1000, timeoutMs: 150 }),
    cloudtalk({
      ...secondary.mock.options,
      requestsPerMinute: 100_000,
      timeoutMs: 150,
      retries: 0,
      historyPollAfterMs: false,
    }),
  ],
  {
    failureThreshold: THRESHOLD,
    cooldownMs: COOLDOWN_MS,
    onStateChange: (health, previous) =>
      transitions.push({ name: health.name, from: previous, to: health.state, at: Date.now() }),
  },
)

let app: LeadCallApp
const waves: Record<keyof typeof WAVES, { run: LeadRunResult; twilio: number; cloudtalk: number }> =
  {} as never
let primaryRequestsWhileDown = 0

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function parserOf(name: string): (request: Request) => Promise<CallEvent[]> {
  const parse = telephony.webhooks[name]
  if (!parse) throw new Error(`no webhook parser for ${name}`)
  return parse
}

async function wave(name: keyof typeof WAVES, firstLead: number): Promise<void> {
  const before = { twilio: primary.mock.calls.size, cloudtalk: secondary.mock.placed.length }
  const run = await runLeads({
    app,
    leads: WAVES[name],
    firstLead,
    agents: AGENTS,
    agentRefs: (i) => ({ twilio: `+1415400${String(1000 + i)}`, cloudtalk: cloudtalkAgentId(i) }),
    accepted: () => [...primary.accepted('twilio'), ...secondary.accepted('cloudtalk')],
    deliver: (call) =>
      call.provider === 'twilio'
        ? primary.deliver(app, call, parserOf('twilio'))
        : secondary.deliver(app, call, parserOf('cloudtalk')),
    settleWithinMs: 30_000,
  })
  waves[name] = {
    run,
    twilio: primary.mock.calls.size - before.twilio,
    cloudtalk: secondary.mock.placed.length - before.cloudtalk,
  }
}

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' })
  app = createLeadCall({
    storage: memoryStorage(),
    telephony,
    compliance: NO_PACING,
    pipeline: FAST_PIPELINE,
    distribution: { maxNoAnswer: 1000 },
  })
  await wave('healthy', 0)

  primary.injector.setRates({ ...HEALTHY, serverError: 1 })
  const requestsBefore = primary.injector.requests.length
  await wave('down', WAVES.healthy)
  primaryRequestsWhileDown = primary.injector.requests.length - requestsBefore

  primary.injector.setRates(HEALTHY)
  await sleep(COOLDOWN_MS + 50)
  await wave('recovered', WAVES.healthy + WAVES.down)

  const all = Object.values(waves)
  printFigures('failover twilio → cloudtalk', {
    leads: WAVES.healthy + WAVES.down + WAVES.recovered,
    'dialed (exactly once)': all.reduce((sum, w) => sum + w.run.dialedOnce, 0),
    'queued for retry': all.reduce((sum, w) => sum + w.run.queued, 0),
    'dialed via twilio (healthy)': waves.healthy.twilio,
    'failed over to cloudtalk (down)': waves.down.cloudtalk,
    'twilio requests while down': primaryRequestsWhileDown,
    'dialed via twilio (recovered)': waves.recovered.twilio,
    'via cloudtalk during the trial': waves.recovered.cloudtalk,
    'circuit opened': transitions.filter((t) => t.to === 'open').length,
    'half-open trials': transitions.filter((t) => t.to === 'half-open').length,
    'circuit closed again': transitions.filter((t) => t.from === 'half-open' && t.to === 'closed').length,
    'dialed twice': all.reduce((sum, w) => sum + w.run.dialedTwice.length, 0),
    lost: all.reduce((sum, w) => sum + w.run.lost.length, 0),
  })
}, 120_000)

afterAll(async () => {
  primary.injector.releaseAll()
  secondary.injector.releaseAll()
  await app?.close()
  server.close()
})

describe('failover from Twilio to CloudTalk and back', () => {
  it('dials every lead exactly once through the whole outage', () => {
    for (const { run } of Object.values(waves)) {
      expect(run.lost).toEqual([])
      expect(run.dialedTwice).toEqual([])
      expect(run.deliveryErrors).toEqual([])
    }
  })

  it('dials through the primary while it is healthy', () => {
    expect(waves.healthy.twilio).toBe(WAVES.healthy)
    expect(waves.healthy.cloudtalk).toBe(0)
  })

  it('opens the primary’s circuit and fails every dial over to the secondary while it is down', () => {
    expect(waves.down.twilio).toBe(0)
    expect(waves.down.cloudtalk).toBe(WAVES.down)
    expect(transitions).toContainEqual(
      expect.objectContaining({ name: 'twilio', from: 'closed', to: 'open' }),
    )
    // The open circuit skips the primary: only the failures that opened it and one half-open trial
    // per cool-down reach it, not one request per lead.
    expect(primaryRequestsWhileDown).toBeLessThan(WAVES.down / 4)
    expect(primaryRequestsWhileDown).toBeGreaterThanOrEqual(THRESHOLD)
  })

  it('returns the traffic to the primary after its half-open trial succeeds', () => {
    const closed = transitions.filter((t) => t.name === 'twilio' && t.to === 'closed')
    expect(closed.at(-1)?.from).toBe('half-open')
    expect(telephony.health()[0]).toMatchObject({ name: 'twilio', state: 'closed', consecutiveFailures: 0 })
    // While the single trial is in flight the other dials skip the primary (docs/telephony.md);
    // once it closed the circuit, every dial goes to the primary again.
    const closedAt = closed.at(-1)?.at ?? Number.POSITIVE_INFINITY
    const secondaryAfterClose = secondary.mock.placed.filter((call) => call.at > closedAt).length
    expect(secondaryAfterClose).toBe(0)
    expect(waves.recovered.twilio + waves.recovered.cloudtalk).toBe(WAVES.recovered)
    expect(waves.recovered.twilio).toBeGreaterThan(WAVES.recovered - AGENTS)
  })
})
