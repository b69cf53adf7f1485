/**
 * The client-side limiter that keeps every request of the adapter under CloudTalk's company-wide
 * rate limit: {@link createCloudTalkRateLimiter}.
 *
 * @module
 */

/**
 * What a request is for, from the most to the least urgent. When the budget is short, waiting
 * requests go in this order: a dial never waits behind a presence poll.
 */
export type CloudTalkRequestPriority = 'dial' | 'contacts' | 'presence' | 'history'

const RANK: Readonly<Record<CloudTalkRequestPriority, number>> = {
  dial: 0,
  contacts: 1,
  presence: 2,
  history: 3,
}

/** Options of {@link createCloudTalkRateLimiter}. */
export interface CloudTalkRateLimiterOptions {
  /** Requests allowed per window (default 60: CloudTalk's default limit per company). */
  limit?: number
  /** The window, in ms (default 60000: CloudTalk counts operations per minute). */
  windowMs?: number
  /**
   * Slots of each window that only dials may take (default 5, at most `limit - 1`): contacts,
   * presence and history requests wait when fewer are left, so a burst of background requests
   * never makes a dial wait for the next minute.
   */
  reservedForDials?: number
}

/**
 * A priority-aware limiter of requests per sliding window, shared by every request an adapter
 * makes, see {@link createCloudTalkRateLimiter}.
 */
export interface CloudTalkRateLimiter {
  /**
   * Resolves when a request of this priority may start; counts it in the window. Waiting callers
   * are served by priority (`dial`, `contacts`, `presence`, `history`), then in the order they
   * asked. An aborted `signal` rejects at once with its reason and frees the caller's place.
   */
  acquire(priority: CloudTalkRequestPriority, signal?: AbortSignal): Promise<void>
  /** True when a request of this priority would start at once (nobody ahead, budget left, not paused). */
  canAcquireNow(priority: CloudTalkRequestPriority): boolean
  /**
   * Stops every request until `epochMs` (a `Date.now()` time): CloudTalk answered 429, or said no
   * request is left in its window. A later pause extends an earlier one, never shortens it.
   */
  pauseUntil(epochMs: number): void
  /**
   * Reads CloudTalk's rate-limit headers of an answer (`X-CloudTalkAPI-Remaining`,
   * `X-CloudTalkAPI-ResetTime`, a Unix timestamp) and pauses until the reset when the answer is a
   * 429 or nothing is left. Other processes using the same company's budget show up this way.
   * Returns the pause's end, when it pauses.
   */
  observe(status: number, headers: Headers): number | undefined
  /** How many callers are waiting. */
  readonly waiting: number
  /** Requests left in the current window, by this limiter's own count. */
  readonly remaining: number
  /** When the current pause ends (a `Date.now()` time), if requests are paused. */
  readonly pausedUntil: number | undefined
}

interface Waiter {
  rank: number
  resolve: () => void
}

/** The longest a pause may last, whatever the reset time says (a wrong clock must not stop the adapter). */
const MAX_PAUSE_FACTOR = 2

/**
 * Reads `X-CloudTalkAPI-ResetTime`: a Unix timestamp in seconds (values that look like
 * milliseconds are taken as such). Returns a `Date.now()` time, or `undefined` when absent or not
 * a number.
 */
export function parseCloudTalkResetTime(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined
  const number = Number(value)
  return number > 1e12 ? number : number * 1000
}

/**
 * Creates the limiter of CloudTalk requests: at most `limit` requests (60) in any `windowMs`
 * (60 s), the company-wide default of CloudTalk's API. It counts a sliding window of the times
 * requests started, so it never exceeds CloudTalk's count however its window is aligned.
 *
 * Requests wait by priority: `dial` first, then `contacts`, `presence` and `history`, and the
 * last `reservedForDials` slots of each window are kept for dials. On a 429, or when CloudTalk says
 * no request is left, every request waits until `X-CloudTalkAPI-ResetTime` (see
 * {@link CloudTalkRateLimiter.observe}).
 *
 * The limit is per company, not per key: give the same limiter to every provider of the same
 * company in a process (`cloudtalk({ ..., rateLimiter })`). Providers in other processes are seen
 * through CloudTalk's headers only; lower `limit` to share the budget between processes.
 *
 * It uses `Date.now()` and `setTimeout`, so vitest's fake timers drive it.
 *
 * @example
 * ```ts
 * const rateLimiter = createCloudTalkRateLimiter()
 * const sales = cloudtalk({ accessKeyId, accessKeySecret, rateLimiter })
 * const support = cloudtalk({ accessKeyId, accessKeySecret, rateLimiter, name: 'cloudtalk-support' })
 * ```
 */
export function createCloudTalkRateLimiter(options: CloudTalkRateLimiterOptions = {}): CloudTalkRateLimiter {
  const limit = options.limit ?? 60
  const windowMs = options.windowMs ?? 60_000
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer')
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new RangeError('windowMs must be positive')
  const reserved = Math.min(Math.max(0, Math.floor(options.reservedForDials ?? 5)), limit - 1)

  /** Start times of the requests of the current window, oldest first. */
  const started: number[] = []
  /** Waiting callers, by rank then arrival. */
  const queue: Waiter[] = []
  let paused: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Number.POSITIVE_INFINITY

  function prune(now: number): void {
    while (started.length > 0 && (started[0] ?? 0) <= now - windowMs) started.shift()
  }

  /** Free slots a request of this rank needs: 1 for dials, 1 + the reserve for the others. */
  function needOf(rank: number): number {
    return rank === 0 ? 1 : reserved + 1
  }

  /** When a request of this rank could start, `now` when it can at once. */
  function readyAt(rank: number, now: number): number {
    const pauseEnd = paused !== undefined && paused > now ? paused : now
    const free = limit - started.length
    const missing = needOf(rank) - free
    if (missing <= 0) return pauseEnd
    // The `missing` oldest requests must leave the window first.
    const frees = (started[missing - 1] ?? now) + windowMs
    return Math.max(pauseEnd, frees)
  }

  function schedule(at: number, now: number): void {
    if (timer !== undefined && timerAt <= at) return
    if (timer !== undefined) clearTimeout(timer)
    timerAt = at
    timer = setTimeout(
      () => {
        timer = undefined
        timerAt = Number.POSITIVE_INFINITY
        pump()
      },
      Math.max(0, at - now),
    )
  }

  function pump(): void {
    const now = Date.now()
    prune(now)
    if (paused !== undefined && paused <= now) paused = undefined
    while (queue.length > 0) {
      const head = queue[0] as Waiter
      const at = readyAt(head.rank, now)
      if (at > now) {
        schedule(at, now)
        return
      }
      queue.shift()
      started.push(now)
      head.resolve()
    }
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
      timerAt = Number.POSITIVE_INFINITY
    }
  }

  function insert(waiter: Waiter): void {
    let index = queue.length
    while (index > 0 && (queue[index - 1] as Waiter).rank > waiter.rank) index--
    queue.splice(index, 0, waiter)
  }

  const limiter: CloudTalkRateLimiter = {
    get waiting() {
      return queue.length
    },
    get remaining() {
      prune(Date.now())
      return limit - started.length
    },
    get pausedUntil() {
      return paused !== undefined && paused > Date.now() ? paused : undefined
    },

    canAcquireNow(priority) {
      const now = Date.now()
      prune(now)
      const rank = RANK[priority]
      if (queue.some((waiter) => waiter.rank <= rank)) return false
      return readyAt(rank, now) <= now
    },

    acquire(priority, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = queue.indexOf(waiter)
          if (index >= 0) queue.splice(index, 1)
          reject(signal?.reason)
          pump()
        }
        const waiter: Waiter = {
          rank: RANK[priority],
          resolve: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        insert(waiter)
        pump()
      })
    },

    pauseUntil(epochMs) {
      const now = Date.now()
      const until = Math.min(epochMs, now + MAX_PAUSE_FACTOR * windowMs)
      if (until <= now) return
      if (paused === undefined || until > paused) paused = until
      // Re-plan: the timer may have been set for an earlier time.
      if (timer !== undefined) {
        clearTimeout(timer)
        timer = undefined
        timerAt = Number.POSITIVE_INFINITY
      }
      pump()
    },

    observe(status, headers) {
      const remaining = headers.get('x-cloudtalkapi-remaining')
      const exhausted = status === 429 || (remaining !== null && /^\s*0\s*$/.test(remaining))
      if (!exhausted) return undefined
      const now = Date.now()
      const reset = parseCloudTalkResetTime(headers.get('x-cloudtalkapi-resettime'))
      // No reset time: wait a whole window, CloudTalk's longest. One already past (clocks
      // differ): wait a second, then let CloudTalk say again.
      const until = reset === undefined ? now + windowMs : Math.max(reset, now + 1000)
      limiter.pauseUntil(until)
      return limiter.pausedUntil
    },
  }
  return limiter
}
