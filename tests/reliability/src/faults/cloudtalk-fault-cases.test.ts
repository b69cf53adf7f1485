/**
 * The faults of the CloudTalk run one at a time, against the real adapter and the pipeline: an
 * answer lost after CloudTalk placed the call, and a 429 with `Retry-After` and
 * `X-CloudTalkAPI-ResetTime`.
 */
import { createLeadCall, type LeadCallApp, memoryStorage } from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type CloudTalkProvider,
  cloudtalk,
} from '../../../../packages/adapters-cloudtalk/src/cloudtalk-provider.js'
import { cloudtalkAgentId, cloudtalkResetTime, faultyCloudTalk } from './cloudtalk-harness.js'
import { retryAfterTap } from './fault-injector.js'
import { leadPhone, NO_PACING, type PlacedCall, FAST_PIPELINE as RUN_PIPELINE } from './lead-run.js'

const vendor = faultyCloudTalk(1, { serverError: 0, hang: 0, rateLimited: 0 }, 3)
let app: LeadCallApp | undefined
let tap = retryAfterTap(cloudtalkResetTime)

beforeAll(() => vendor.mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(async () => {
  vendor.injector.releaseAll()
  await app?.close()
  app = undefined
  vendor.mock.reset()
  vendor.resetAgents()
  vendor.injector.requests.length = 0
})
afterAll(() => vendor.mock.server.close())

/** One lead at a time: a short no-answer timeout keeps these cases fast. */
const FAST_PIPELINE = { ...RUN_PIPELINE, noAnswerTimeoutMs: 800 }

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function setup(): Promise<{ app: LeadCallApp; telephony: CloudTalkProvider }> {
  tap = retryAfterTap(cloudtalkResetTime)
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
    pipeline: { ...FAST_PIPELINE, contactSync: 'off' },
  })
  for (let i = 0; i < 3; i++) {
    await app.agents.upsert({
      id: `agent-${i}`,
      name: `Agent ${i}`,
      status: 'available',
      providerRefs: { cloudtalk: cloudtalkAgentId(i) },
    })
  }
  return { app, telephony }
}

function placedCall(processId: string): PlacedCall {
  const [call] = vendor.accepted()
  if (!call) throw new Error('no call at CloudTalk')
  return { ...call, processId }
}

describe('CloudTalk faults one at a time', { timeout: 15_000 }, () => {
  it('an answer lost after CloudTalk placed the call: never dialed again, completed by its webhooks', async () => {
    const { app, telephony } = await setup()
    vendor.injector.force('lost_answer')
    const submitted = await app.submitLead({ name: 'Lead Lost', phone: leadPhone(1) })
    expect(submitted.status).toBe('dialing')
    expect((await app.process(submitted.processId))?.steps.dial).toMatchObject({
      status: 'waiting',
      errorCode: 'PROVIDER_TIMEOUT',
    })
    expect(vendor.mock.placed).toHaveLength(1)
    await vendor.deliver(app, placedCall(submitted.processId), (request) => telephony.parseWebhook(request))
    expect((await app.process(submitted.processId))?.status).toBe('completed')
    await sleep(FAST_PIPELINE.noAnswerTimeoutMs + 200)
    expect(vendor.mock.placed).toHaveLength(1)
  })

  it('webhooks that arrive before the lost answer times out complete the lead with one call', async () => {
    const { app, telephony } = await setup()
    vendor.injector.force('lost_answer')
    const submitting = app.submitLead({ name: 'Lead Early', phone: leadPhone(2) })
    for (let i = 0; i < 50 && vendor.mock.placed.length === 0; i++) await sleep(2)
    const [call] = vendor.accepted()
    if (!call) throw new Error('no call at CloudTalk')
    const submitted = await submitting
    await vendor.deliver(app, { ...call, processId: submitted.processId }, (request) =>
      telephony.parseWebhook(request),
    )
    expect((await app.process(submitted.processId))?.status).toBe('completed')
    await sleep(FAST_PIPELINE.noAnswerTimeoutMs + 200)
    expect(vendor.mock.placed).toHaveLength(1)
  })

  it('a 429 holds every request to CloudTalk until its reset', async () => {
    const { app } = await setup()
    vendor.injector.force('rate_limited')
    const first = await app.submitLead({ name: 'Lead One', phone: leadPhone(4) })
    expect(first.status).toBe('queued')
    await app.submitLead({ name: 'Lead Two', phone: leadPhone(5) })
    await sleep(1_500)
    expect(tap.limits.length).toBeGreaterThan(0)
    expect(tap.violations()).toEqual([])
    expect(vendor.injector.tooEarly()).toEqual([])
  })
})
