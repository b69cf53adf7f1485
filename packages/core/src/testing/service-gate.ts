/**
 * Decides whether a test suite that needs a real server (Redis, PostgreSQL, …) runs: see
 * {@link serviceGate}.
 *
 * @module
 */

/** Options of {@link serviceGate}. */
export interface ServiceGateOptions {
  /** The server's name as people say it, e.g. `Redis`. */
  name: string
  /** Where the suite looks for it, e.g. `redis://127.0.0.1:6379` (shown in messages). */
  target: string
  /** Resolves when the server answers; rejects (or times out) when it does not. */
  probe: (signal: AbortSignal) => Promise<unknown>
  /** How to start one, e.g. `docker run --rm -p 6379:6379 redis:7`. */
  howToStart: string
  /** How long the probe may take, in ms (default 2000). */
  timeoutMs?: number
  /**
   * Whether a missing server fails instead of skipping. Defaults to `CI=true` in the environment:
   * continuous integration must run the suite, a developer's machine may not have the server.
   */
  required?: boolean
}

/**
 * Probes a server a test suite needs. Resolves `false` when it answers (run the suite), or a
 * message saying what is missing and how to start it (skip the suite with it, e.g. as the `skip`
 * option of `storageConformance`). When the server is required (by default under `CI=true`), a
 * missing server rejects instead, so that CI fails rather than silently skipping.
 *
 * @example
 * ```ts
 * const skip = await serviceGate({
 *   name: 'Redis',
 *   target: url,
 *   probe: (signal) => ping(url, signal),
 *   howToStart: 'docker run --rm -p 6379:6379 redis:7',
 * })
 * storageConformance('redis', () => redisStorage({ url }), { skip })
 * ```
 */
export async function serviceGate(options: ServiceGateOptions): Promise<string | false> {
  const required = options.required ?? process.env.CI === 'true'
  const signal = AbortSignal.timeout(options.timeoutMs ?? 2000)
  try {
    await Promise.race([
      options.probe(signal),
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true })
      }),
    ])
    return false
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const message = `${options.name} is not reachable at ${options.target} (${reason}); start one with \`${options.howToStart}\``
    if (required) throw new Error(`${message}. CI=true requires it.`)
    return `skipped: ${message}`
  }
}
