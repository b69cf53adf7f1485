/** Runs async functions one at a time per key, in call order. */
export interface KeyedLock {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>
}

/**
 * Creates a lock that serializes work per key within this process. Decisions of one pool take
 * turns, so they never contend with each other; across processes the storage's atomic commit keeps
 * them exact.
 */
export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>()
  return {
    run(key, fn) {
      const previous = tails.get(key)
      const result = previous === undefined ? fn() : previous.then(fn, fn)
      const tail = result.then(
        () => undefined,
        () => undefined,
      )
      tails.set(key, tail)
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key)
      })
      return result
    },
  }
}
