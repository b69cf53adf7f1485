/**
 * Group flushes of the `early-release` commit mode: an `atomic` commits with
 * `synchronous_commit = off`, which releases its locks as soon as it is committed, then its call
 * waits here for a **standard commit that started after it** before it resolves.
 *
 * Why this is enough: PostgreSQL writes one WAL stream, and a standard commit returns once the WAL
 * is flushed up to its own commit record (and, with synchronous replication, once the standbys
 * confirmed it, as `synchronous_commit` says), which includes every commit record written before
 * it, from any connection. A commit whose result the driver has received (the result comes after
 * the commit) is therefore as durable as a standard commit once a flush *sent after that moment*
 * has completed.
 *
 * The flush is one tiny transaction that writes WAL and commits the standard way:
 * `pg_logical_emit_message(true, 'leadcall.flush', '')` (a transactional logical-decoding message,
 * allowed to every role; logical decoding consumers see it under the prefix `leadcall.flush`). A
 * transaction that writes no WAL (e.g. `SELECT pg_current_xact_id()`) commits without waiting for
 * any flush, so it would prove nothing.
 *
 * One flush serves every commit that completed before it was sent: a flush is sent at the end of
 * the turn of the event loop in which the first commit asked for it (the commits answered in the
 * same turn join it), and while it runs, the commits that complete wait for the next one, sent as
 * soon as it ends. Under load that is one flush for several commits, and connections are never
 * held while the disk syncs.
 *
 * @internal
 * @module
 */

interface Waiter {
  resolve: () => void
  reject: (error: unknown) => void
}

/** Waits for durable flushes. @internal */
export interface Flusher {
  /**
   * Resolves once a flush sent after this call has completed, i.e. every commit that completed
   * before this call is durable. Rejects when that flush fails.
   */
  wait(): Promise<void>
  /** Resolves once no flush is scheduled or running (every waiter so far was answered). */
  idle(): Promise<void>
}

/** The statement of a flush: writes a WAL record, then commits the standard way. @internal */
export const FLUSH_SQL = "SELECT pg_logical_emit_message(true, 'leadcall.flush', '') AS lsn"

/**
 * A flusher running `flush` (one standard commit that wrote WAL) for every batch of waiters: at
 * most one flush at a time, the next one as soon as the previous one ended. @internal
 */
export function createFlusher(flush: () => Promise<unknown>): Flusher {
  let waiting: Waiter[] = []
  /** A flush is scheduled or running. */
  let busy = false
  /** Resolved when the flusher is idle again. */
  const idlers: (() => void)[] = []

  const start = () => {
    // The batch is taken now, before the flush is sent: every waiter in it registered after its
    // commit completed, hence before the flush's commit record is written.
    const batch = waiting
    waiting = []
    const settle = (error: unknown) => {
      for (const waiter of batch) {
        if (error === undefined) waiter.resolve()
        else waiter.reject(error)
      }
      busy = false
      if (waiting.length > 0) schedule()
      else for (const done of idlers.splice(0)) done()
    }
    flush().then(
      () => settle(undefined),
      (error: unknown) =>
        settle(
          new Error(
            'The commit was applied, but waiting for its WAL flush failed, so its durability is unknown',
            { cause: error },
          ),
        ),
    )
  }
  const schedule = () => {
    busy = true
    setImmediate(start)
  }

  return {
    wait() {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject })
        if (!busy) schedule()
      })
    },
    idle() {
      return busy ? new Promise<void>((resolve) => idlers.push(resolve)) : Promise.resolve()
    },
  }
}
