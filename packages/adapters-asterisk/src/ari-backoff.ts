/**
 * Reconnect delays of the events WebSocket: exponential backoff with jitter.
 *
 * @module
 */

/** How the delay between reconnect attempts grows. */
export interface BackoffOptions {
  /** The delay ceiling of the first retry, in ms. */
  initialDelayMs: number
  /** The largest delay, in ms, however many attempts failed. */
  maxDelayMs: number
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry after a drop): the ceiling
 * `min(maxDelayMs, initialDelayMs × 2^attempt)`, of which a random half is kept ("equal jitter":
 * between half the ceiling and the ceiling), so that many processes dropped at once by an Asterisk
 * restart do not reconnect in step, and none retries faster than half the ceiling.
 *
 * @example
 * ```ts
 * backoffDelay(0, { initialDelayMs: 500, maxDelayMs: 30_000 }) // 250 … 500
 * backoffDelay(10, { initialDelayMs: 500, maxDelayMs: 30_000 }) // 15 000 … 30 000
 * ```
 *
 * @param attempt - How many attempts failed since the last successful connection (0, 1, 2, …).
 * @param options - See {@link BackoffOptions}.
 * @param random - A source of numbers in [0, 1) (default `Math.random`), for tests.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const safeAttempt = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0
  // 2^31 is far past any ceiling; capping the exponent keeps the arithmetic finite.
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(safeAttempt, 31))
  const draw = Math.min(Math.max(random(), 0), 1)
  return Math.round(ceiling / 2 + (draw * ceiling) / 2)
}
