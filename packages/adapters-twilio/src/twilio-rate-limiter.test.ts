import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRateLimiter } from './twilio-rate-limiter.js'

describe('createRateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Starts `count` acquisitions and records when each resolved (fake clock). */
  function race(limiter: ReturnType<typeof createRateLimiter>, count: number): number[] {
    const start = Date.now()
    const times: number[] = []
    for (let i = 0; i < count; i++) void limiter.acquire().then(() => times.push(Date.now() - start))
    return times
  }

  it('lets the first caller through at once and spaces the next ones 1 s apart at 1 call per second', async () => {
    const times = race(createRateLimiter(1), 3)
    await vi.advanceTimersByTimeAsync(0)
    expect(times).toEqual([0])
    await vi.advanceTimersByTimeAsync(999)
    expect(times).toEqual([0])
    await vi.advanceTimersByTimeAsync(1)
    expect(times).toEqual([0, 1000])
    await vi.advanceTimersByTimeAsync(1000)
    expect(times).toEqual([0, 1000, 2000])
  })

  it('spaces callers 1000 / perSecond ms apart', async () => {
    const times = race(createRateLimiter(5), 4)
    await vi.advanceTimersByTimeAsync(1000)
    expect(times).toEqual([0, 200, 400, 600])
  })

  it('does not delay callers that come slower than the rate', async () => {
    const limiter = createRateLimiter(2)
    await limiter.acquire()
    await vi.advanceTimersByTimeAsync(600)
    const before = Date.now()
    await limiter.acquire()
    expect(Date.now()).toBe(before)
  })

  it('rejects an aborted caller with its reason and gives its slot back', async () => {
    const limiter = createRateLimiter(1)
    await limiter.acquire()
    const controller = new AbortController()
    const waiting = limiter.acquire(controller.signal)
    expect(limiter.waiting).toBe(1)
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    expect(limiter.waiting).toBe(0)
    // The next caller takes the freed slot, 1 s after the first, not 2 s.
    const times = race(limiter, 1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(times).toEqual([1000])
  })

  it('rejects an already aborted signal without taking a slot', async () => {
    const limiter = createRateLimiter(1)
    const controller = new AbortController()
    controller.abort(new Error('early'))
    await expect(limiter.acquire(controller.signal)).rejects.toThrow('early')
    await expect(limiter.acquire()).resolves.toBeUndefined()
  })

  it('holds new and waiting callers, and requests that take no slot, until a pause ends', async () => {
    const limiter = createRateLimiter(10)
    const times = race(limiter, 2) // 0 ms and 100 ms
    await vi.advanceTimersByTimeAsync(0)
    limiter.pauseUntil(Date.now() + 2_000) // a 429 with Retry-After: 2
    const start = Date.now()
    const unpaused: number[] = []
    void limiter.whenUnpaused().then(() => unpaused.push(Date.now() - start))
    const later = race(limiter, 1)
    await vi.advanceTimersByTimeAsync(1_999)
    expect(times).toEqual([0])
    expect(unpaused).toEqual([])
    expect(later).toEqual([])
    limiter.pauseUntil(Date.now() + 500) // a second 429 while paused extends the pause
    await vi.advanceTimersByTimeAsync(499)
    expect(unpaused).toEqual([])
    await vi.advanceTimersByTimeAsync(200)
    expect(times).toEqual([0, 2_499])
    expect(unpaused).toEqual([2_499])
    expect(later.length).toBe(1)
  })

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a rate of %s', (rate) => {
    expect(() => createRateLimiter(rate)).toThrow(RangeError)
  })
})
