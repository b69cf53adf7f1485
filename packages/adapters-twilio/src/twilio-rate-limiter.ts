/**
 * The client-side limiter that keeps call creation under the account's calls per second:
 * {@link createRateLimiter}.
 *
 * @module
 */

/** Spaces operations out in time, see {@link createRateLimiter}. */
export interface RateLimiter {
  /**
   * Resolves when the caller may start its operation. Callers are served in the order they
   * asked. An aborted `signal` rejects at once with its reason and gives its slot back when no
   * later caller took one.
   */
  acquire(signal?: AbortSignal): Promise<void>
  /** How many callers are waiting. */
  readonly waiting: number
  /**
   * Holds every operation, waiting ones included, until `until` (ms since the epoch): what a
   * 429's `Retry-After` asks for.
   */
  pauseUntil(until: number): void
  /** Resolves once no pause runs (at once when none does), without taking a slot. */
  whenUnpaused(signal?: AbortSignal): Promise<void>
}

/**
 * A limiter that lets at most `perSecond` operations start per second, evenly spaced
 * (`1000 / perSecond` ms apart), the first one at once. Twilio queues API calls beyond the
 * account's CPS (calls per second, 1 by default) and may refuse a flood with 429; spacing the
 * requests on the client keeps them under it. The limit holds per limiter, so per process: with
 * several processes sharing an account, divide the CPS between them.
 *
 * It uses `Date.now()` and `setTimeout`, so vitest's fake timers drive it.
 */
export function createRateLimiter(perSecond: number): RateLimiter {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
    throw new RangeError('perSecond must be a positive, finite number')
  }
  const interval = 1000 / perSecond
  /** The earliest time the next caller may start. */
  let next = Number.NEGATIVE_INFINITY
  let waiting = 0
  /** No operation starts before this time (a `Retry-After`). */
  let pausedUntil = Number.NEGATIVE_INFINITY

  return {
    get waiting() {
      return waiting
    },
    whenUnpaused(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      const held = pausedUntil - Date.now()
      if (held <= 0) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          clearTimeout(timer)
          reject(signal?.reason)
        }
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort)
          resolve(this.whenUnpaused(signal))
        }, held)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
    pauseUntil(until) {
      if (until > pausedUntil) pausedUntil = until
      if (until > next) next = until
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      const now = Date.now()
      const slot = Math.max(now, next, pausedUntil)
      next = slot + interval
      const delay = slot - now
      if (delay <= 0) return Promise.resolve()
      waiting++
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          clearTimeout(timer)
          waiting--
          // Give the slot back when nobody queued behind it.
          if (next === slot + interval) next = slot
          reject(signal?.reason)
        }
        let timer: ReturnType<typeof setTimeout>
        const fire = (): void => {
          // A pause that began while this caller waited holds it too.
          const held = pausedUntil - Date.now()
          if (held > 0) {
            timer = setTimeout(fire, held)
            return
          }
          signal?.removeEventListener('abort', onAbort)
          waiting--
          resolve()
        }
        timer = setTimeout(fire, delay)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
  }
}
