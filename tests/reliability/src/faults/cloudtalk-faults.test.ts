/**
 * 1,000 leads through the pipeline and the real CloudTalk adapter while my.cloudtalk.io (the msw
 * mock) fails 30 % of requests with 500, lets 10 % hang past the adapter's timeout, sometimes
 * answers 429 with `Retry-After` and `X-CloudTalkAPI-ResetTime`, and now and then places a call
 * but loses its answer. Contact sync runs in the background through the same faults.
 */
import { createLeadCall, type LeadCallApp, memoryStorage } from '@leadcall/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloudtalk } from '../../../../packages/adapters-cloudtalk/src/cloudtalk-provider.js'
import { cloudtalkAgentId, cloudtalkResetTime, faultyCloudTalk } from './cloudtalk-harness.js'
import { retryAfterTap } from './fault-injector.js'
import { FAST_PIPELINE, type LeadRunResult, NO_PACING, printFigures, runLeads } from './lead-run.js'

const LEADS = 1_000
const AGENTS = 150
const vendor = faultyCloudTalk(
  20_260_116,
  { serverError: 0.3, hang: 0.1, rateLimited: 0.0015, lostAnswer: 0.02 },
  AGENTS,
)
const tap = retryAfterTap(cloudtalkResetTime)
let app: LeadCallApp
let run: LeadRunResult

beforeAll(async () => {
  vendor.mock.server.listen({ onUnhandledRequest: 'error' })
  const telephony = cloudtalk({
    ...vendor.mock.options,
    requestsPerMinute: 100_000,
    timeoutMs: 150,
    retries: 0,
    historyPollAfterMs: false,
    fetch: tap.fetch,
  })
  app = createLeadCall({
    storage: memoryStorage(),
    telephony,
    compliance: NO_PACING,
    pipeline: FAST_PIPELINE,
    distribution: { maxNoAnswer: 1000 },
  })
  run = await runLeads({
    app,
    leads: LEADS,
    agents: AGENTS,
    agentRefs: (i) => ({ cloudtalk: cloudtalkAgentId(i) }),
    accepted: () => vendor.accepted(),
    deliver: (call) => vendor.deliver(app, call, (request) => telephony.parseWebhook(request)),
    settleWithinMs: 100_000,
  })
  printFigures('cloudtalk under faults', {
    leads: LEADS,
    'dialed (exactly once)': run.dialedOnce,
    'queued for retry': run.queued,
    retried: run.retried,
    'requests to CloudTalk': vendor.injector.requests.length,
    '500s injected': vendor.injector.count('server_error'),
    'hangs injected': vendor.injector.count('hang'),
    'answers lost (call placed)': vendor.injector.count('lost_answer'),
    '429s answered': vendor.injector.windows.length,
    'requests inside Retry-After': tap.violations(100).length,
    'in flight when a 429 came back': tap.lateness().length - tap.violations(100).length,
    'failed after provider timeouts': run.failedAfterTimeouts.length,
    'dialed twice': run.dialedTwice.length,
    lost: run.lost.length,
    'elapsed ms': run.elapsedMs,
  })
  if (run.lost.length > 0) console.log('not accounted for', JSON.stringify(run.lost.slice(0, 5)))
  if (run.deliveryErrors.length > 0) console.log('delivery errors', run.deliveryErrors.slice(0, 5))
  if (run.dialedTwice.length > 0) console.log('dialed twice', JSON.stringify(run.dialedTwice.slice(0, 5)))
}, 150_000)

afterAll(async () => {
  vendor.injector.releaseAll()
  await app?.close()
  vendor.mock.server.close()
})

describe('CloudTalk under provider faults', () => {
  it('injected every kind of fault', () => {
    expect(vendor.injector.count('server_error')).toBeGreaterThan(LEADS * 0.3)
    expect(vendor.injector.count('hang')).toBeGreaterThan(LEADS * 0.08)
    expect(vendor.injector.count('lost_answer')).toBeGreaterThan(0)
    expect(vendor.injector.windows.length).toBeGreaterThan(0)
  })

  it('accounts for every lead: dialed exactly once or durably queued, none lost', () => {
    expect(run.accounts).toHaveLength(LEADS)
    // Leads failed after provider timeouts are the known defect (see twilio-fault-cases); any other
    // lead neither dialed once nor queued is lost.
    expect(run.lost.filter((account) => !run.failedAfterTimeouts.includes(account))).toEqual([])
    expect(run.dialedOnce + run.queued + run.failedAfterTimeouts.length).toBe(LEADS)
    expect(run.deliveryErrors).toEqual([])
  })

  it('never has CloudTalk place two calls for one lead, even when an answer was lost', () => {
    expect(run.dialedTwice).toEqual([])
  })

  it('sends no request to CloudTalk while a Retry-After it read is running', () => {
    expect(tap.limits.length).toBeGreaterThan(0)
    // Requests already past the adapter's gate when a 429 arrived are in flight, not ignoring it;
    // on a loaded machine the gap between a 429 arriving and the adapter reading it reaches tens
    // of ms, so the allowance is 100 ms (a request ignoring the pause would come any time in it).
    expect(tap.violations(100)).toEqual([])
  })
})
