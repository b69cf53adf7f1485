/**
 * The gate in front of a pool's connections: at most `size` statements of the driver run at once,
 * and when callers wait, commits (`atomic`) go ahead of the line of other calls: the two lines take
 * turns, so a commit waits for at most one other call per commit ahead of it, however long the
 * line of reads. The flush of `early-release` commits (see `postgres-flush.ts`; at most one at a
 * time per storage) goes ahead of both.
 *
 * Why: an optimistic update reads, then commits with a version check. Under load, calls wait for a
 * connection in line; with one first-come-first-served line, the commit waits behind every read
 * queued meanwhile, other commits land in between, and its check fails: with 1,000 concurrent
 * compare-and-set loops on one key, almost every attempt fails and the loops take minutes. Serving
 * commits ahead keeps the window between a read and its commit short, so that most checks hold.
 * Taking turns (rather than serving every commit first) keeps reads moving under a steady stream
 * of commits: an optimistic writer that lost must re-read before it can commit again. The flush
 * goes first because every writer acknowledged in `early-release` mode waits for it: behind a line
 * of commits, it would add that line's wait to every successful commit, and the lines would fill
 * with the writers' next attempts (with 1,000 compare-and-set loops on one key, twenty times as
 * many attempts).
 *
 * One gate per pool, shared by every storage on it (a `WeakMap`), so that the priority holds
 * across them.
 *
 * @internal
 * @module
 */

/** What a turn is for, in priority order: the flush, commits, then every other call. @internal */
export type TurnKind = 'flush' | 'commit' | 'other'

/** A caller waiting for a turn. */
interface Waiter {
  grant: () => void
}

/** Turns of a pool's connections. @internal */
export interface Gate {
  /**
   * Resolves when the caller may run a statement; `release` must be called after it. Rejects with
   * the signal's reason if it aborts first (the turn is then not taken).
   */
  acquire(kind: TurnKind, signal: AbortSignal | undefined): Promise<void>
  release(): void
}

const gates = new WeakMap<object, Gate>()

/** The gate of `pool`, created with `size` turns on first use. @internal */
export function gateOf(pool: object, size: number): Gate {
  let gate = gates.get(pool)
  if (gate === undefined) {
    gate = createGate(size)
    gates.set(pool, gate)
  }
  return gate
}

/** A gate of `size` turns. @internal */
export function createGate(size: number): Gate {
  let free = size
  const flush: Waiter[] = []
  const urgent: Waiter[] = []
  const normal: Waiter[] = []
  /** Whether the last turn handed out went to a commit. */
  let lastUrgent = false

  return {
    acquire(kind, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (free > 0 && flush.length === 0 && urgent.length === 0 && normal.length === 0) {
        free--
        return Promise.resolve()
      }
      return new Promise<void>((resolve, reject) => {
        const line = kind === 'flush' ? flush : kind === 'commit' ? urgent : normal
        const onAbort = () => {
          const index = line.indexOf(waiter)
          if (index !== -1) line.splice(index, 1)
          reject(signal!.reason)
        }
        const waiter: Waiter = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        line.push(waiter)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
    release() {
      // The flush first, then commits, but a waiting other call gets every other turn, so reads
      // never starve.
      let next: Waiter | undefined
      if (flush.length > 0) next = flush.shift()
      else if (urgent.length > 0 && (normal.length === 0 || !lastUrgent)) {
        next = urgent.shift()
        lastUrgent = true
      } else {
        next = normal.shift()
        lastUrgent = false
      }
      if (next === undefined) free++
      else next.grant()
    },
  }
}
