import { type Agent, type Lead, LeadCallError } from '@leadcall/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cloudtalk } from './cloudtalk-provider.js'
import {
  type CloudTalkRateLimiter,
  type CloudTalkRequestPriority,
  createCloudTalkRateLimiter,
  parseCloudTalkResetTime,
} from './cloudtalk-rate-limiter.js'

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(Date.UTC(2026, 0, 15, 15, 0, 0))
})
afterEach(() => {
  vi.useRealTimers()
})

/** Starts one acquisition per priority and records, in order, which were let through and when. */
function start(limiter: CloudTalkRateLimiter, priorities: CloudTalkRequestPriority[]) {
  const t0 = Date.now()
  const served: string[] = []
  const times: number[] = []
  priorities.forEach((priority, index) => {
    void limiter.acquire(priority).then(() => {
      served.push(`${priority}#${index}`)
      times.push(Date.now() - t0)
    })
  })
  return { served, times }
}

describe('createCloudTalkRateLimiter', () => {
  it('lets 60 requests through at once, then holds the 61st until the first leaves the minute', async () => {
    const limiter = createCloudTalkRateLimiter()
    const { times } = start(limiter, Array(61).fill('dial'))
    await vi.advanceTimersByTimeAsync(0)
    expect(times).toHaveLength(60)
    expect(limiter.remaining).toBe(0)
    await vi.advanceTimersByTimeAsync(59_999)
    expect(times).toHaveLength(60)
    await vi.advanceTimersByTimeAsync(1)
    expect(times).toHaveLength(61)
    expect(times.at(-1)).toBe(60_000)
  })

  it('counts a sliding window: requests spread over the minute free their slots one by one', async () => {
    const limiter = createCloudTalkRateLimiter({ limit: 2, reservedForDials: 0 })
    await limiter.acquire('dial')
    await vi.advanceTimersByTimeAsync(10_000)
    await limiter.acquire('dial')
    const { times } = start(limiter, ['dial', 'dial'])
    await vi.advanceTimersByTimeAsync(50_000)
    expect(times).toEqual([50_000])
    await vi.advanceTimersByTimeAsync(10_000)
    expect(times).toEqual([50_000, 60_000])
  })

  it('serves waiting requests by priority: dial, contacts, presence, history', async () => {
    const limiter = createCloudTalkRateLimiter({ limit: 1, reservedForDials: 0 })
    await limiter.acquire('dial')
    const { served } = start(limiter, ['history', 'presence', 'contacts', 'dial', 'contacts'])
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(60_000)
    expect(served).toEqual(['dial#3', 'contacts#2', 'contacts#4', 'presence#1', 'history#0'])
  })

  it('keeps the last slots of the minute for dials', async () => {
    const limiter = createCloudTalkRateLimiter({ limit: 10, reservedForDials: 3 })
    const first = start(limiter, Array(7).fill('presence'))
    await vi.advanceTimersByTimeAsync(0)
    expect(first.times).toHaveLength(7)
    const { served } = start(limiter, ['presence', 'contacts', 'dial', 'dial', 'dial', 'dial'])
    await vi.advanceTimersByTimeAsync(0)
    // Presence and contacts wait; three dials take the reserve; the fourth waits for the minute.
    expect(served).toEqual(['dial#2', 'dial#3', 'dial#4'])
    expect(limiter.canAcquireNow('dial')).toBe(false)
    expect(limiter.waiting).toBe(3)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(served).toEqual(['dial#2', 'dial#3', 'dial#4', 'dial#5', 'contacts#1', 'presence#0'])
  })

  it('never reserves every slot: with a limit of 1 anything may go', async () => {
    const limiter = createCloudTalkRateLimiter({ limit: 1 })
    expect(limiter.canAcquireNow('history')).toBe(true)
    await limiter.acquire('history')
    expect(limiter.canAcquireNow('dial')).toBe(false)
  })

  it('pauses every request until X-CloudTalkAPI-ResetTime after a 429', async () => {
    const limiter = createCloudTalkRateLimiter()
    const reset = Math.floor(Date.now() / 1000) + 30
    const until = limiter.observe(429, new Headers({ 'X-CloudTalkAPI-ResetTime': String(reset) }))
    expect(until).toBe(reset * 1000)
    expect(limiter.pausedUntil).toBe(reset * 1000)
    expect(limiter.canAcquireNow('dial')).toBe(false)
    const { times } = start(limiter, ['dial', 'presence'])
    await vi.advanceTimersByTimeAsync(29_999)
    expect(times).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(times).toEqual([30_000, 30_000])
    expect(limiter.pausedUntil).toBeUndefined()
  })

  it('pauses when CloudTalk says nothing is left, even on a success', async () => {
    const limiter = createCloudTalkRateLimiter()
    const reset = Math.floor(Date.now() / 1000) + 12
    limiter.observe(
      200,
      new Headers({ 'X-CloudTalkAPI-Remaining': '0', 'X-CloudTalkAPI-ResetTime': String(reset) }),
    )
    expect(limiter.pausedUntil).toBe(reset * 1000)
    expect(limiter.observe(200, new Headers({ 'X-CloudTalkAPI-Remaining': '5' }))).toBeUndefined()
  })

  it('waits a whole window after a 429 without a reset time, a second after one already past', () => {
    const limiter = createCloudTalkRateLimiter()
    expect(limiter.observe(429, new Headers())).toBe(Date.now() + 60_000)
    const other = createCloudTalkRateLimiter()
    const past = Math.floor(Date.now() / 1000) - 100
    expect(other.observe(429, new Headers({ 'X-CloudTalkAPI-ResetTime': String(past) }))).toBe(
      Date.now() + 1000,
    )
  })

  it('caps a pause at two windows, whatever the clock of the reset time says', () => {
    const limiter = createCloudTalkRateLimiter()
    limiter.pauseUntil(Date.now() + 3_600_000)
    expect(limiter.pausedUntil).toBe(Date.now() + 120_000)
    limiter.pauseUntil(Date.now() + 1000)
    expect(limiter.pausedUntil).toBe(Date.now() + 120_000)
  })

  it('rejects an aborted waiter with its reason and serves the next one', async () => {
    const limiter = createCloudTalkRateLimiter({ limit: 1 })
    await limiter.acquire('dial')
    const controller = new AbortController()
    const aborted = limiter.acquire('dial', controller.signal)
    const { served } = start(limiter, ['dial'])
    const reason = new Error('gone')
    controller.abort(reason)
    await expect(aborted).rejects.toBe(reason)
    expect(limiter.waiting).toBe(1)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(served).toEqual(['dial#0'])
    await expect(limiter.acquire('dial', AbortSignal.abort(reason))).rejects.toBe(reason)
  })

  it('refuses a nonsense configuration', () => {
    expect(() => createCloudTalkRateLimiter({ limit: 0 })).toThrow(RangeError)
    expect(() => createCloudTalkRateLimiter({ windowMs: -1 })).toThrow(RangeError)
  })
})

describe('parseCloudTalkResetTime', () => {
  it.each([
    ['1768489230', 1_768_489_230_000],
    [' 1768489230 ', 1_768_489_230_000],
    ['1768489230123', 1_768_489_230_123],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ] as const)('reads %j', (value, expected) => {
    expect(parseCloudTalkResetTime(value)).toBe(expected)
  })
})

describe('one limiter shared by two providers of the same company', () => {
  const TIME = '2026-01-15T15:00:00.000Z'
  const agent = {
    id: 'alice',
    name: 'Alice',
    phone: '+14155550100',
    status: 'available',
    capacity: 1,
    skills: {},
    weight: 1,
    tier: 1,
    pools: [],
    providerRefs: { cloudtalk: '1234' },
    metadata: {},
    createdAt: TIME,
    updatedAt: TIME,
    statusChangedAt: TIME,
  } as Agent
  const lead = {
    id: 'l',
    phone: '+14155550199',
    fullName: 'John Carter',
    firstName: 'John',
    source: 'api',
    priority: 'normal',
    tags: [],
    custom: {},
    receivedAt: TIME,
  } as Lead
  const dial = (attemptId: string) => ({ attemptId, processId: 'p', timeoutMs: 1000, agent, lead })

  /** A CloudTalk stand-in: answers at once, 429 when told to, and logs what it got. */
  function vendor() {
    const log: string[] = []
    let next429: number | undefined
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const request = new Request(input, init)
      log.push(`${request.method} ${new URL(request.url).pathname}`)
      if (next429 !== undefined) {
        const reset = next429
        next429 = undefined
        return Response.json(
          { responseData: { status: 429, message: 'Too Many Requests' } },
          { status: 429, headers: { 'X-CloudTalkAPI-ResetTime': String(reset) } },
        )
      }
      if (request.url.includes('/agents/index.json')) {
        return Response.json({
          responseData: { itemsCount: 0, pageCount: 1, pageNumber: 1, limit: 1000, data: [] },
        })
      }
      return Response.json({ responseData: { status: 200 } })
    }
    return { fetch, log, tooMany: (reset: number) => (next429 = reset) }
  }

  it('counts the requests of both against one budget, dials first', async () => {
    const { fetch, log } = vendor()
    const rateLimiter = createCloudTalkRateLimiter({ limit: 3, reservedForDials: 1 })
    const common = {
      accessKeyId: 'id',
      accessKeySecret: 'secret-xyz',
      fetch,
      rateLimiter,
      historyPollAfterMs: false as const,
    }
    const sales = cloudtalk(common)
    const support = cloudtalk({ ...common, name: 'cloudtalk' })
    expect(sales.rateLimiter).toBe(rateLimiter)
    await sales.dial(dial('a1'))
    await support.dial(dial('a2'))
    // One slot left, kept for dials: the presence poll waits, a dial of either provider goes.
    const presence = support.listAgentPresence()
    await vi.advanceTimersByTimeAsync(0)
    await sales.dial(dial('a3'))
    expect(log).toEqual([
      'POST /api/calls/create.json',
      'POST /api/calls/create.json',
      'POST /api/calls/create.json',
    ])
    await vi.advanceTimersByTimeAsync(60_000)
    await expect(presence).resolves.toEqual([])
    expect(log.at(-1)).toBe('GET /api/agents/index.json')
    await Promise.all([sales.close(), support.close()])
  })

  it('a 429 seen by one provider holds the other until the reset time', async () => {
    const { fetch, log, tooMany } = vendor()
    const rateLimiter = createCloudTalkRateLimiter()
    const common = {
      accessKeyId: 'id',
      accessKeySecret: 'secret-xyz',
      fetch,
      rateLimiter,
      historyPollAfterMs: false as const,
    }
    const sales = cloudtalk(common)
    const support = cloudtalk(common)
    tooMany(Math.floor(Date.now() / 1000) + 20)
    const error = await sales.dial(dial('a1')).catch((e: unknown) => e)
    expect(LeadCallError.isInstance(error) && error.code).toBe('RATE_LIMITED')
    expect((error as LeadCallError).details).toMatchObject({ retryAfterMs: 20_000, cloudtalkStatus: 429 })
    let done = false
    const next = support.dial(dial('a2')).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(19_000)
    expect(done).toBe(false)
    expect(log).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1000)
    await next
    expect(log).toHaveLength(2)
    await Promise.all([sales.close(), support.close()])
  })

  it('retries a GET after a 429 once the window resets, never a dial', async () => {
    const { fetch, log, tooMany } = vendor()
    const provider = cloudtalk({
      accessKeyId: 'id',
      accessKeySecret: 'secret-xyz',
      fetch,
      historyPollAfterMs: false,
    })
    tooMany(Math.floor(Date.now() / 1000) + 10)
    const presence = provider.listAgentPresence()
    await vi.advanceTimersByTimeAsync(9_999)
    expect(log).toEqual(['GET /api/agents/index.json'])
    await vi.advanceTimersByTimeAsync(1)
    await expect(presence).resolves.toEqual([])
    expect(log).toEqual(['GET /api/agents/index.json', 'GET /api/agents/index.json'])
    await provider.close()
  })
})
