/** Runs async functions one at a time per key, in call order. */
export interface KeyedLock {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>
  /** Whether work holds `key` now (running, or waiting its turn). */
  isHeld(key: string): boolean
}

/**
 * Creates a lock that serializes work per key within this process. Decisions of one pool take
 * turns, so they never contend with each other; across processes the storage's atomic commit keeps
 * them exact. An uncontended call runs at once, with no extra promise.
 */
export function createKeyedLock(): KeyedLock {
  const waiting = new Map<string, (() => void)[]>()

  const release = (key: string) => {
    const queue = waiting.get(key)
    const next = queue?.shift()
    if (next) next()
    else waiting.delete(key)
  }

  const exec = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    let result: Promise<T>
    try {
      result = fn()
    } catch (error) {
      release(key)
      return Promise.reject(error)
    }
    result.then(
      () => release(key),
      () => release(key),
    )
    return result
  }

  return {
    run(key, fn) {
      const queue = waiting.get(key)
      if (queue === undefined) {
        waiting.set(key, [])
        return exec(key, fn)
      }
      return new Promise((resolve, reject) => {
        queue.push(() => exec(key, fn).then(resolve, reject))
      })
    },
    isHeld(key) {
      return waiting.has(key)
    },
  }
}
